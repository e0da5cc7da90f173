// After a failed submit the form comes back with an error summary (includes/_error_summary.html):
// move the focus to it, so a screen reader reads what went wrong and a keyboard user goes on from
// there (its links lead to the fields). The same when htmx swaps in a form with errors. Without
// this script the summary is still the first thing in the form.
(function () {
  "use strict";
  function focusSummary(root) {
    var summary = root.querySelector && root.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }
  function init() {
    focusSummary(document);
    document.body.addEventListener("htmx:afterSettle", function (event) { focusSummary(event.target); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
