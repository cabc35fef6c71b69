// 掌上政务工作台: repeatable form rows (add, remove, reorder) for the guide
// editor. Without it the form still works: it always carries a blank row.
(function () {
  "use strict";
  function number(tbody) {
    var n = 0;
    tbody.querySelectorAll("tr.row").forEach(function (tr) {
      n++;
      tr.querySelector(".seq").textContent = String(n);
    });
  }
  // The error line under a row moves and goes with it.
  function errorsOf(tr) {
    var next = tr.nextElementSibling;
    return next && next.classList.contains("row-errors") ? next : null;
  }
  document.querySelectorAll("fieldset[data-rows]").forEach(function (fs) {
    var tbody = fs.querySelector("tbody");
    var tpl = fs.querySelector("template");
    var add = document.createElement("button");
    add.type = "button";
    add.textContent = "添加一行";
    add.className = "add-row";
    add.id = "add-" + fs.getAttribute("data-rows");
    add.addEventListener("click", function () {
      tbody.appendChild(tpl.content.cloneNode(true));
      number(tbody);
      var rows = tbody.querySelectorAll("tr.row");
      var first = rows[rows.length - 1].querySelector("input");
      if (first) { first.focus(); }
    });
    fs.appendChild(add);
    tbody.addEventListener("click", function (e) {
      var op = e.target.getAttribute && e.target.getAttribute("data-row");
      if (!op) { return; }
      var tr = e.target.closest("tr.row");
      var errs = errorsOf(tr);
      if (op === "remove") {
        if (errs) { errs.remove(); }
        tr.remove();
      } else if (op === "up") {
        var prev = tr.previousElementSibling;
        if (prev && prev.classList.contains("row-errors")) { prev = prev.previousElementSibling; }
        if (prev) {
          tbody.insertBefore(tr, prev);
          if (errs) { tbody.insertBefore(errs, prev); }
        }
      } else if (op === "down") {
        var after = errs ? errs.nextElementSibling : tr.nextElementSibling;
        if (after) {
          var afterEnd = errorsOf(after) || after;
          tbody.insertBefore(tr, afterEnd.nextElementSibling);
          if (errs) { tbody.insertBefore(errs, tr.nextElementSibling); }
        }
      }
      number(tbody);
    });
    number(tbody);
  });
})();
