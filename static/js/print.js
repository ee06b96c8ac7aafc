// The statement's Print button: shown only when this script runs (without JavaScript the
// browser's own print command still uses the print stylesheet). No inline script (CSP).
(function () {
  "use strict";

  function reveal() {
    document.querySelectorAll("[data-print][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSwap", reveal); // a new statement fragment brings a new button

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("[data-print]")) {
      window.print();
    }
  });
})();
