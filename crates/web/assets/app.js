// Kotopolku works without this file; it only moves focus to where a person needs to look.
(function () {
  "use strict";
  function focusErrors() {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  }
  document.addEventListener("DOMContentLoaded", focusErrors);
})();
