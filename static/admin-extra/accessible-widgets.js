// Some admin widgets cannot be named by screen readers: the autocomplete (select2) and
// rich-text (Tiptap) widgets replace the form's own <select> and <textarea>, and the
// fields of tabular inlines have a column heading instead of a <label>. Give each the
// text of its label or column heading, including rows that inline formsets add later.
(function () {
  "use strict";

  function labelFor(field) {
    var label = field.id && document.querySelector('label[for="' + field.id + '"]');
    if (label) return label.textContent.replace(/:\s*$/, "").trim();
    var cell = field.closest("td[class*='field-']");
    var table = cell && cell.closest("table");
    if (!table) return "";
    var column = Array.prototype.find.call(cell.classList, function (c) {
      return c.indexOf("field-") === 0;
    });
    var heading = table.querySelector("th.column-" + column.slice(6));
    return heading ? heading.textContent.trim() : "";
  }

  function name(element, text) {
    if (text && !element.hasAttribute("aria-label")) element.setAttribute("aria-label", text);
  }

  function nameWidgets() {
    document.querySelectorAll(".tabular td[class*='field-'] :is(input, select, textarea)")
      .forEach(function (field) {
        if (field.type !== "hidden" && !document.querySelector('label[for="' + field.id + '"]')) {
          name(field, labelFor(field));
        }
      });
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      if (!container) return;
      container.querySelectorAll('[role="combobox"], [role="textbox"]').forEach(function (el) {
        name(el, labelFor(select));
      });
    });
    document.querySelectorAll(".prose-editor").forEach(function (wrapper) {
      var editable = wrapper.querySelector("[contenteditable]");
      var textarea = wrapper.querySelector("textarea");
      if (!editable || !textarea) return;
      name(editable, labelFor(textarea));
      editable.setAttribute("role", "textbox");
      editable.setAttribute("aria-multiline", "true");
    });
  }

  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; nameWidgets(); });
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", nameWidgets);
})();
