// Show the parts of the child form that apply (a parent's dates only for statuses that have them,
// disability type and grade only for 重残, …). Without this script every field shows.
(function () {
  "use strict";
  function valueOf(form, name) {
    var input = form.elements.namedItem(name);
    if (!input) return null;
    if (input.type === "checkbox") return input.checked ? "on" : "";
    return (input.value || "").trim();
  }
  function update(form) {
    form.querySelectorAll("[data-show-field]").forEach(function (el) {
      var value = valueOf(form, el.dataset.showField);
      if (value === null) return;
      var values = (el.dataset.showValues || "").split(" ");
      var show;
      switch (el.dataset.showMode) {
        case "empty": show = value === ""; break;
        case "filled": show = value !== ""; break;
        case "not": show = values.indexOf(value) < 0; break;
        default: show = values.indexOf(value) >= 0;
      }
      // A field that has an error always shows, so the error can be read and fixed.
      el.hidden = !show && !el.querySelector(".errorlist");
    });
  }
  function init() {
    document.querySelectorAll("form.child-form").forEach(function (form) {
      var refresh = function () { update(form); };
      form.addEventListener("input", refresh);
      form.addEventListener("change", refresh);
      refresh();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
