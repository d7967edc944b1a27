// Finding your way: the folding main menu, and "find a field" on long records.
// Everything here is an enhancement: without JavaScript the menu is a <details> and the section
// index is a list of plain anchors.
(function () {
  "use strict";

  // The main menu. app.css shows the <details> content on wide screens through ::details-content;
  // browsers without it get the menu opened here instead, and closed again on small screens.
  var WIDE = window.matchMedia("(min-width: 761px)");
  var styledByCss = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");

  function menuFit() {
    var menu = document.querySelector("[data-menu]");
    if (menu && !styledByCss) menu.open = WIDE.matches;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = event.target.closest && event.target.closest("[data-menu][open]");
    if (menu && !WIDE.matches) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });

  // "Find a field": hide the field rows whose label does not contain the typed text, the
  // sections left empty, and their entries in the index. A section whose title matches stays whole.
  function labelOf(row) {
    var label = row.querySelector("label, .label, legend");
    return (label ? label.textContent : row.textContent).trim().toLowerCase();
  }

  function findApply() {
    var input = document.getElementById("find-field");
    var form = document.getElementById("record-form-fields");
    if (!input || !form) return;
    var text = input.value.trim().toLowerCase();
    var shown = 0;
    var sections = form.querySelectorAll("section.section");
    sections.forEach(function (section) {
      var heading = section.querySelector("h2");
      var whole = !text || (heading && heading.textContent.toLowerCase().indexOf(text) !== -1);
      var rows = section.querySelectorAll("[class^='cols-'] > .field, [class*=' cols-'] > .field");
      var visible = 0;
      rows.forEach(function (row) {
        var match = whole || labelOf(row).indexOf(text) !== -1;
        row.classList.toggle("find-hidden", !match);
        if (match) visible += 1;
      });
      section.classList.toggle("find-hidden", visible === 0);
      var entry = document.querySelector('[data-index-for="' + (heading ? heading.id : "") + '"]');
      if (entry) entry.classList.toggle("find-hidden", visible === 0);
      shown += visible;
    });
    var status = document.getElementById("find-field-status");
    if (status) {
      status.textContent = !text ? "" : shown === 0 ? "No field label contains “" + input.value.trim() + "”."
        : shown === 1 ? "1 field matches." : shown + " fields match.";
    }
  }

  document.addEventListener("input", function (event) {
    if (event.target.id === "find-field") findApply();
  });
  document.addEventListener("keydown", function (event) {
    if (event.target.id === "find-field" && event.key === "Escape" && event.target.value) {
      event.preventDefault();
      event.target.value = "";
      findApply();
    }
  });

  function start() {
    menuFit();
    if (!styledByCss) WIDE.addEventListener("change", menuFit);
    document.querySelectorAll("[data-find-field]").forEach(function (box) { box.hidden = false; });
    // A save or a conflict swaps the form in again: keep the filter the user typed.
    document.body.addEventListener("htmx:afterSwap", findApply);
    findApply();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
