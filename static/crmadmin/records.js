// Lookup pickers: the WAI-ARIA combobox pattern with a listbox popup
// (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/). htmx fetches the options as the user
// types; focus stays in the box while ArrowDown/ArrowUp move the active option
// (aria-activedescendant), Enter or a click picks it, Escape closes the list. Picking puts the
// record's name in the box and its id (and the name that id belongs to) in the hidden inputs, so
// the save sends the new id; on a multi lookup it adds a row with a remove button instead.
(function () {
  "use strict";

  function listFor(input) {
    return document.getElementById(input.getAttribute("aria-controls"));
  }

  function optionsOf(input) {
    var list = listFor(input);
    return list ? Array.prototype.slice.call(list.querySelectorAll('[role="option"]')) : [];
  }

  function activeOf(input) {
    var id = input.getAttribute("aria-activedescendant");
    return id ? document.getElementById(id) : null;
  }

  function setActive(input, option) {
    optionsOf(input).forEach(function (item) {
      item.setAttribute("aria-selected", item === option ? "true" : "false");
    });
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function setOpen(input, open) {
    var list = listFor(input);
    input.setAttribute("aria-expanded", open ? "true" : "false");
    if (list) list.hidden = !open;
    if (!open) setActive(input, null);
  }

  function addRow(picker, id, name) {
    var field = picker.getAttribute("data-field");
    var rows = picker.querySelector(".row-list");
    var taken = rows.querySelector('input[name="' + field + '__add"][value="' + id + '"]');
    if (taken) return;
    var empty = rows.querySelector(".row-empty");
    if (empty) empty.remove();
    var row = document.createElement("li");
    row.className = "row-added";
    [["__add", id], ["__add_name", name]].forEach(function (pair) {
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = field + pair[0];
      hidden.value = pair[1];
      row.appendChild(hidden);
    });
    var label = document.createElement("span");
    label.className = "row-label";
    label.textContent = name;
    var note = document.createElement("span");
    note.className = "muted small";
    note.textContent = "(to add)";
    var drop = document.createElement("button");
    drop.type = "button";
    drop.className = "link-button row-drop";
    drop.setAttribute("data-row-drop", "");
    drop.setAttribute("aria-label", "Remove " + name);
    drop.textContent = "Remove";
    row.append(label, " ", note, " ", drop);
    rows.appendChild(row);
  }

  function pick(input, option) {
    var picker = input.closest("[data-picker]");
    var id = option.getAttribute("data-id");
    var name = option.getAttribute("data-name") || option.textContent.trim();
    if (picker.getAttribute("data-picker") === "many") {
      addRow(picker, id, name);
      input.value = "";
    } else {
      picker.querySelector("[data-lookup-id]").value = id;
      picker.querySelector("[data-lookup-name]").value = name;
      input.value = name;
    }
    setOpen(input, false);
    input.focus();
    // The form has an unsaved edit now (unsaved.js listens for change).
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target.closest && event.target.closest("[data-lookup-input]");
    if (!input) return;
    var open = input.getAttribute("aria-expanded") === "true";
    var options = optionsOf(input);
    var active = activeOf(input);
    var index = options.indexOf(active);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) return;
      event.preventDefault();  // focus stays in the box; the page does not scroll
      if (!open) setOpen(input, true);
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = index < 0 ? (step > 0 ? 0 : options.length - 1)
        : (index + step + options.length) % options.length;
      setActive(input, options[next]);
    } else if (event.key === "Enter" && open && active) {
      event.preventDefault();  // picks; does not submit the form
      pick(input, active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      setOpen(input, false);
    }
  });

  // Pressing on an option must not take focus from the box (the combobox keeps it).
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest(".lookup-options")) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest('.lookup-options [role="option"]');
    if (option) {
      event.preventDefault();
      var list = option.closest(".lookup-options");
      var input = document.querySelector('[aria-controls="' + list.id + '"]');
      if (input) pick(input, option);
      return;
    }
    var drop = event.target.closest && event.target.closest("[data-row-drop]");
    if (drop) {
      var picker = drop.closest("[data-picker]");
      drop.closest("li").remove();
      var box = picker && picker.querySelector("[data-lookup-input]");
      if (box) {
        box.focus();
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });

  document.addEventListener("focusout", function (event) {
    var input = event.target.closest && event.target.closest("[data-lookup-input]");
    if (input) setOpen(input, false);
  });

  // Typing changes the name: the box no longer holds the picked record until one is picked
  // again (or the save resolves the typed name), so the list reopens with the new options.
  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.target;
    if (!list.classList || !list.classList.contains("lookup-options")) return;
    var input = document.querySelector('[aria-controls="' + list.id + '"]');
    if (!input) return;
    var open = document.activeElement === input && list.children.length > 0;
    setOpen(input, open);
    if (open) list.scrollIntoView({ block: "nearest" });
  });
})();

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

// Criteria rows: a row's operator select offers only the operators of its field's type (the
// field's option names them in data-operators; the labels sit on .criteria-rows). Without
// JavaScript every operator is offered for a new row and the server refuses a mismatch.
function criteriaOperatorsFit(fieldSelect) {
  var row = fieldSelect.closest(".criteria-row");
  var container = fieldSelect.closest("[data-operator-labels]");
  var operator = row && row.querySelector("[data-criteria-operator]");
  if (!operator || !container) return;
  var labels = JSON.parse(container.getAttribute("data-operator-labels"));
  var chosen = fieldSelect.options[fieldSelect.selectedIndex];
  var named = chosen && chosen.getAttribute("data-operators");
  var allowed = named ? named.split(" ") : Object.keys(labels);
  var current = operator.value;
  operator.replaceChildren();
  allowed.forEach(function (name) {
    var option = document.createElement("option");
    option.value = name;
    option.textContent = labels[name] || name;
    option.selected = name === current;
    operator.appendChild(option);
  });
}

document.addEventListener("change", function (event) {
  if (event.target.matches && event.target.matches("[data-criteria-field]")) {
    criteriaOperatorsFit(event.target);
  }
});
