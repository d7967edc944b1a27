// Rich text fields: a Squire editor (static/crmadmin/vendor/squire, squire-rte on npm) with a
// toolbar over each textarea marked [data-rich-text]. The textarea stays the form's input: the
// editor writes its HTML back into it as the user types, and only then, so a value left alone is
// posted exactly as the server put it there. Without JavaScript the textarea is edited as HTML.
// The server cleans every value with nh3 on display and on save; the cleaning here only keeps
// pasted markup inert inside the editor (Squire asks for one, it has no sanitizer of its own).
(function () {
  "use strict";

  var DROP = "script,style,iframe,object,embed,link,meta,base,form,input,button,textarea,select,svg,math,template";
  var SAFE_URL = /^(https?:|mailto:|tel:)/i;

  function fragmentFrom(html) {
    // A <template>'s content is inert: nothing in it loads or runs while it is cleaned.
    var template = document.createElement("template");
    template.innerHTML = html;
    var content = template.content;
    content.querySelectorAll(DROP).forEach(function (node) { node.remove(); });
    content.querySelectorAll("*").forEach(function (node) {
      Array.prototype.slice.call(node.attributes).forEach(function (attribute) {
        var name = attribute.name.toLowerCase();
        var keep = name === "href" ? SAFE_URL.test(attribute.value.trim()) : name === "title";
        if (!keep) node.removeAttribute(attribute.name);
      });
    });
    return document.importNode(content, true);
  }

  function blockTagSet(editor, tag) {
    editor.modifyBlocks(function (fragment) {
      Array.prototype.slice.call(fragment.childNodes).forEach(function (block) {
        if (!/^(P|DIV|H[1-6])$/.test(block.nodeName)) return;
        var next = document.createElement(block.nodeName === tag.toUpperCase() ? "p" : tag);
        while (block.firstChild) next.appendChild(block.firstChild);
        fragment.replaceChild(next, block);
      });
      return fragment;
    });
  }

  function linkAsk(editor) {
    var url = window.prompt("Link address (https://…, mailto:…)", "https://");
    if (!url || url === "https://") return;
    url = url.trim();
    if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) url = "https://" + url;
    if (!SAFE_URL.test(url)) {
      window.alert("Links start with https://, http://, mailto: or tel:.");
      return;
    }
    editor.makeLink(url);
  }

  var COMMANDS = {
    bold: function (e) { e.hasFormat("B") ? e.removeBold() : e.bold(); },
    italic: function (e) { e.hasFormat("I") ? e.removeItalic() : e.italic(); },
    heading2: function (e) { blockTagSet(e, "h2"); },
    heading3: function (e) { blockTagSet(e, "h3"); },
    paragraph: function (e) { e.removeList(); blockTagSet(e, "p"); },
    bullets: function (e) { e.hasFormat("UL") ? e.removeList() : e.makeUnorderedList(); },
    numbers: function (e) { e.hasFormat("OL") ? e.removeList() : e.makeOrderedList(); },
    link: linkAsk,
    unlink: function (e) { e.removeLink(); },
  };
  var PRESSED = { bold: "B", italic: "I", heading2: "H2", heading3: "H3", bullets: "UL", numbers: "OL" };

  function editorOver(box) {
    var textarea = box.querySelector("textarea");
    var toolbar = box.querySelector(".rich-toolbar");
    if (!textarea || !toolbar || box.dataset.richReady) return;
    box.dataset.richReady = "true";
    var area = document.createElement("div");
    area.className = "rich-area";
    area.id = textarea.id + "-editor";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    if (label) {
      label.id = label.id || textarea.id + "-label";
      area.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () { editor.focus(); });
    }
    ["aria-describedby", "aria-invalid"].forEach(function (name) {
      if (textarea.hasAttribute(name)) area.setAttribute(name, textarea.getAttribute(name));
    });
    textarea.after(area);
    var editor = new window.Squire(area, {
      blockTag: "P",
      sanitizeToDOMFragment: function (html) { return fragmentFrom(html); },
    });
    editor.setHTML(textarea.value);
    textarea.hidden = true;
    toolbar.hidden = false;
    toolbar.setAttribute("aria-controls", area.id);

    editor.addEventListener("input", function () {
      textarea.value = editor.getHTML();
      box.dataset.edited = "true";
    });
    // The field's own check (htmx, hx-trigger="change" on its row) runs as the user leaves it.
    editor.addEventListener("blur", function () {
      if (box.dataset.edited) textarea.dispatchEvent(new Event("change", { bubbles: true }));
    });
    editor.addEventListener("pathChange", function () {
      toolbar.querySelectorAll("[data-command]").forEach(function (button) {
        var tag = PRESSED[button.dataset.command];
        if (tag) button.setAttribute("aria-pressed", String(editor.hasFormat(tag)));
      });
    });
    toolbar.addEventListener("mousedown", function (event) {
      // Keep the editor's selection: a click on a button would otherwise move focus away.
      if (event.target.closest("[data-command]")) event.preventDefault();
    });
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("[data-command]");
      if (!button) return;
      editor.focus();
      COMMANDS[button.dataset.command](editor);
    });
  }

  function start(root) {
    if (!window.Squire) return;
    root.querySelectorAll("[data-rich-text]").forEach(editorOver);
  }

  document.addEventListener("DOMContentLoaded", function () { start(document); });
  // The form comes back through htmx after a save or a refusal: put the editors over it again.
  document.addEventListener("htmx:afterSettle", function (event) { start(event.target); });
})();
