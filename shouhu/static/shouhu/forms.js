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

// Behaviour that pages declare with data attributes, so no page needs an inline script or event
// handler (the Content-Security-Policy allows scripts from our static files only):
// - <form data-confirm="问题？"> asks before submitting; with data-confirm-when="field=value" only
//   when that field has that value;
// - <select data-autosubmit> / <input data-autosubmit> submits its form when changed;
// - <button data-print> prints the page.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    var when = form.getAttribute("data-confirm-when");
    if (when) {
      var parts = when.split("=");
      var field = form.elements.namedItem(parts[0]);
      if (!field || field.value !== parts[1]) return;
    }
    if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  });
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) field.form.submit();
  });
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });
})();
