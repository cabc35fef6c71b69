// 工单队列 keyboard shortcuts: j / k move between tickets, Enter opens the
// chosen one, / focuses the search box, Esc leaves it.
(function () {
  "use strict";
  var table = document.getElementById("queue");
  if (!table) {
    return;
  }
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-no]"));
  var at = -1;
  var swallow = false; // the "/" that moved the focus does not type itself into the search box
  function choose(i) {
    if (rows.length === 0) {
      return;
    }
    i = Math.max(0, Math.min(rows.length - 1, i));
    if (at >= 0) {
      rows[at].classList.remove("current");
      rows[at].removeAttribute("aria-current");
    }
    at = i;
    rows[at].classList.add("current");
    rows[at].setAttribute("aria-current", "true");
    rows[at].scrollIntoView({block: "nearest"});
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) {
      return;
    }
    var el = document.activeElement;
    var typing = el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
    if (typing) {
      if (e.key === "Escape") {
        el.blur();
      }
      return;
    }
    switch (e.key) {
    case "j":
      choose(at + 1);
      break;
    case "k":
      choose(at < 0 ? 0 : at - 1);
      break;
    case "Enter":
      if (at < 0 || (el && (el.tagName === "A" || el.tagName === "BUTTON"))) {
        return;
      }
      window.location.href = "/console/tickets/" + encodeURIComponent(rows[at].getAttribute("data-no"));
      break;
    case "/":
      var q = document.getElementById("f-q");
      if (q) {
        swallow = true;
        q.focus();
        q.select();
      }
      break;
    default:
      return;
    }
    e.preventDefault();
  });
  document.addEventListener("keypress", function (e) {
    if (swallow && e.key === "/") {
      e.preventDefault();
    }
    swallow = false;
  }, true);
})();
