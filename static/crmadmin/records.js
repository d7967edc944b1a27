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
