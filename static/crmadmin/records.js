// Lookup fields: htmx fetches the options as the user types; picking one fills the record id.
// htmx cannot copy a clicked option's id into another input without a round trip, hence this.
document.addEventListener("click", function (event) {
  var option = event.target.closest(".lookup-options [data-id]");
  if (!option) return;
  event.preventDefault();
  var box = option.closest(".lookup-options");
  var name = box.getAttribute("data-lookup-for");
  var form = box.closest("form");
  var idInput = form.querySelector('input[name="' + name + '"]');
  var labelInput = form.querySelector('input[name="' + name + '_label"]');
  idInput.value = option.getAttribute("data-id");
  labelInput.value = option.getAttribute("data-name") || option.textContent.trim();
  labelInput.setAttribute("aria-expanded", "false");
  box.innerHTML = "";
  labelInput.focus();
  idInput.dispatchEvent(new Event("change", { bubbles: true }));
});

// Keyboard: ArrowDown moves from the search box into the options, arrows move between them,
// Enter picks one, Escape goes back to the search box.
document.addEventListener("keydown", function (event) {
  var input = event.target.closest("[data-lookup-input]");
  var option = event.target.closest(".lookup-options [data-id]");
  if (input && event.key === "ArrowDown") {
    var box = document.getElementById(input.getAttribute("aria-controls"));
    var first = box && box.querySelector("[data-id]");
    if (first) { event.preventDefault(); first.focus(); }
  } else if (option) {
    var sibling = event.key === "ArrowDown" ? option.nextElementSibling
      : event.key === "ArrowUp" ? option.previousElementSibling : null;
    if (sibling && sibling.hasAttribute("data-id")) { event.preventDefault(); sibling.focus(); }
    if (event.key === "Enter") { event.preventDefault(); option.click(); }
    if (event.key === "Escape") {
      var name = option.closest(".lookup-options").getAttribute("data-lookup-for");
      option.closest("form").querySelector('input[name="' + name + '_label"]').focus();
    }
  }
});

// A refused save swaps the form back with an error summary at its top: move keyboard focus
// there, so keyboard and screen-reader users start at the list of what to fix (each entry links
// to its field). Only swaps that bring a summary count: a field checked on its own as the user
// leaves it swaps just that row, and focus must stay where the user is going.
// Any other swap of the whole form (saved, not confirmed, a conflict) moves focus to the outcome
// line in the sticky save bar, where the user pressed Save: it is in view wherever they are,
// and a screen reader reads it. The page does not scroll.
document.addEventListener("htmx:afterSwap", function (event) {
  var swapped = event.target;
  var summary = swapped.matches(".error-summary") ? swapped
    : swapped.querySelector && swapped.querySelector(".error-summary");
  if (summary) { summary.focus(); return; }
  var outcome = swapped.querySelector && swapped.querySelector("#save-outcome");
  if (outcome && outcome.textContent.trim()) outcome.focus({ preventScroll: true });
});

// The merge screen: choosing "Use theirs" presses the field's "Put their value in" button, so
// the input shows Zoho's value at once (without JavaScript the user presses that button).
document.addEventListener("change", function (event) {
  var radio = event.target;
  if (!radio.name || !/__resolve$/.test(radio.name) || radio.value !== "theirs") return;
  var row = radio.closest("[id^='field-']");
  var button = row && row.querySelector('button[name="use_theirs"]');
  if (button) button.click();
});

// "Select this page" on the record list ticks or clears every row's box (the CSP forbids inline
// handlers, so it lives here). Without JavaScript each row is ticked by hand.
document.addEventListener("change", function (event) {
  var all = event.target.closest("[data-select-page]");
  if (!all) return;
  all.closest("table").querySelectorAll('input[name="ids"]').forEach(function (box) {
    box.checked = all.checked;
  });
});
