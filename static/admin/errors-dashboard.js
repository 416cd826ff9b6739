/* Error triage page: the "select all" box ticks every row's box (no inline handlers: CSP). */
(function () {
  "use strict";
  document.querySelectorAll("input[data-select-all]").forEach(function (toggle) {
    toggle.addEventListener("change", function () {
      var selector = "input[type=checkbox][name='" + toggle.dataset.selectAll + "']";
      toggle.form.querySelectorAll(selector).forEach(function (box) { box.checked = toggle.checked; });
    });
  });
})();
