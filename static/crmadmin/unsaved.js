// Unsaved edits: a form marked data-guard-unsaved asks before the page drops what was typed.
// The browser's own "Leave page?" question is asked only while such a form is dirty (typed into,
// or re-rendered by the server with input not yet saved: data-unsaved="true"). Submitting the
// form is not leaving it. "Discard and reload" (data-discard-url) asks too; without JavaScript
// it posts the form and the server asks on the page, with the typed values kept.
(function () {
  "use strict";

  function guarded(element) {
    return element && element.closest && element.closest("form[data-guard-unsaved]");
  }

  function dirtyForms() {
    return Array.prototype.filter.call(
      document.querySelectorAll("form[data-guard-unsaved]"),
      function (form) { return form.dataset.unsaved === "true"; }
    );
  }

  function warnOnLeave(event) {
    if (!dirtyForms().length) return;
    event.preventDefault();
    event.returnValue = "";  // older browsers show their question only when this is set
  }

  function sync() {
    if (dirtyForms().length) {
      window.addEventListener("beforeunload", warnOnLeave);
    } else {
      window.removeEventListener("beforeunload", warnOnLeave);
    }
  }

  function markDirty(event) {
    var form = guarded(event.target);
    // A field's own check (htmx) or a lookup's search box changes nothing to be saved.
    if (!form || event.target.hasAttribute("data-not-an-edit")) return;
    form.dataset.unsaved = "true";
    sync();
  }

  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);

  // Saving is not leaving: stop asking once the form is on its way (plain or htmx). A refused
  // save comes back with data-unsaved="true" and the question is asked again from then on.
  document.addEventListener("submit", function (event) {
    var form = guarded(event.target);
    var button = event.submitter;
    if (form && !(button && button.hasAttribute("data-discard-url"))) {
      form.dataset.unsaved = "false";
      sync();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-discard-url]");
    if (!button) return;
    var form = guarded(button);
    event.preventDefault();
    if (form && form.dataset.unsaved === "true" &&
        !window.confirm(button.getAttribute("data-confirm-text") || "Discard your changes?")) {
      return;
    }
    if (form) form.dataset.unsaved = "false";
    sync();
    window.location.assign(button.getAttribute("data-discard-url"));
  });

  // htmx swaps a fresh form in (saved, refused, a row added): take its data-unsaved as the truth.
  document.addEventListener("htmx:afterSwap", sync);
  document.addEventListener("DOMContentLoaded", sync);
  sync();
})();
