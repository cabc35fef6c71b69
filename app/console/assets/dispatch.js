// Dispatch dialog: find a department by typing a few characters of its name
// (the list narrows as you type; one match is chosen). Without the script the
// full list works as before.
(function () {
  "use strict";
  document.querySelectorAll("input[data-filter-select]").forEach(function (input) {
    var select = document.getElementById(input.getAttribute("data-filter-select"));
    if (!select) {
      return;
    }
    input.closest(".dept-filter").hidden = false;
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      var shown = [];
      Array.prototype.forEach.call(select.options, function (o) {
        if (!o.value) {
          return;
        }
        var match = q === "" || o.text.toLowerCase().indexOf(q) >= 0;
        o.hidden = !match;
        o.disabled = !match;
        if (match) {
          shown.push(o);
        }
      });
      if (shown.length === 1) {
        select.value = shown[0].value;
      } else if (select.selectedOptions.length && select.selectedOptions[0].hidden) {
        select.value = "";
      }
      input.setAttribute("aria-describedby", select.id);
    });
    // Enter in the search box picks the match instead of submitting the form.
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        select.focus();
      }
    });
  });
})();
