// 掌上政务工作台: small progressive enhancements. Every page works without it.
(function () {
  "use strict";
  // Ask before submitting forms that change something irreversibly.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var msg = f.getAttribute && f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
      return;
    }
    // One request per action: a second click while the first is on its way does nothing.
    if (f.dataset.sent) {
      e.preventDefault();
      return;
    }
    f.dataset.sent = "1";
  }, true);

  // Coming back to a page from the history makes its forms usable again.
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) {
      document.querySelectorAll("form[data-sent]").forEach(function (f) { delete f.dataset.sent; });
    }
  });

  // Pages that follow a live queue reload themselves, unless the user is typing.
  var every = parseInt(document.body.getAttribute("data-refresh") || "0", 10);
  if (every > 0) {
    setInterval(function () {
      var a = document.activeElement;
      var typing = a && (a.tagName === "TEXTAREA" || a.tagName === "SELECT" ||
        (a.tagName === "INPUT" && a.type !== "submit" && a.type !== "button" && a.value !== ""));
      if (!typing) {
        window.location.reload();
      }
    }, every * 1000);
  }
})();
