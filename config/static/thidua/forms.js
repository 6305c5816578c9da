// The site's own form checks. A browser checks a form in its own language and style (a
// bubble saying "Please fill out this field"); the site turns that off and says it itself,
// under the field, in the page's language: a required field left empty, and the PIN of a
// certificate whose key the server unlocks (its option carries data-needs-pin) when the
// "sign" button is pressed. Nothing is sent until the form is complete; the server checks
// everything again.
(function () {
  "use strict";

  function pageMessage() {
    return pageText("required-message");
  }

  function noteFor(input) {
    return document.getElementById(input.id + "-client-error");
  }

  function say(input, text) {
    var note = noteFor(input);
    if (!note) {
      note = document.createElement("p");
      note.id = input.id + "-client-error";
      note.className = "thidua-field-error";
      note.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = text;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", note.id);
  }

  function unsay(input) {
    var note = noteFor(input);
    if (note) note.remove();
    input.removeAttribute("aria-invalid");
  }

  function pinNeeded(form, submitter) {
    var select = form.querySelector("select[name=credential]");
    if (!select || !submitter || submitter.name !== "sign") return false;
    var option = select.options[select.selectedIndex];
    return Boolean(option && option.dataset.needsPin === "1");
  }

  function missing(form, submitter) {
    var first = null;
    form.querySelectorAll("input, select, textarea").forEach(function (input) {
      var wanted = input.required || (input.name === "pin" && pinNeeded(form, submitter));
      if (wanted && !input.disabled && !input.value.trim()) {
        say(input, input.dataset.emptyMessage || pageMessage());
        first = first || input;
      } else if (input.id) {
        unsay(input);
      }
    });
    return first;
  }

  function quietBrowserBubbles() {
    document.querySelectorAll("form").forEach(function (form) { form.noValidate = true; });
    nameUnnamedControls();
  }

  // viewflow's list checkboxes and its file widget's input carry no label a screen reader can
  // read: name them (the row's checkbox after its row's first cell).
  function nameUnnamedControls() {
    document.querySelectorAll(".vf-list__table input[type=checkbox]:not([aria-label])")
      .forEach(function (box) {
        var row = box.closest("tr");
        var first = row && row.querySelector("td:not(.vf-list__action-cell)");
        box.setAttribute("aria-label", first ? pageText("select-row") + " " + first.textContent.trim()
          : pageText("select-all"));
      });
    document.querySelectorAll("input[type=file][label]:not([aria-label])").forEach(function (input) {
      input.setAttribute("aria-label", input.getAttribute("label"));
    });
  }

  function pageText(name) {
    var meta = document.querySelector('meta[name="thidua-' + name + '"]');
    return meta ? meta.content : "";
  }

  // Capture: before Turbo takes the submission over.
  document.addEventListener("submit", function (event) {
    var first = missing(event.target, event.submitter);
    if (first) {
      event.preventDefault();
      event.stopImmediatePropagation();
      first.focus();
    }
  }, true);
  document.addEventListener("DOMContentLoaded", quietBrowserBubbles);
  document.addEventListener("turbo:load", quietBrowserBubbles);
  document.addEventListener("turbo:render", quietBrowserBubbles);
  // live.js replaced a region of the page with a fresh copy.
  document.addEventListener("thidua:live-refreshed", quietBrowserBubbles);
})();
