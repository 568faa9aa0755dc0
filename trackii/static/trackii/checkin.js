// Track II check-in at the door: the search box filters the guest list as one types (any
// script, accents ignored), Enter moves to the first match's "Attended", and after a
// check-in the box is cleared and focused again for the next guest. Without JavaScript the
// same box searches on the server. No inline script (CSP).
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function rows() {
    return [...document.querySelectorAll("#checkin-guests > .checkin-row")];
  }

  function nameOf(row) {
    const names = row.querySelectorAll(".checkin-name, .checkin-native");
    return fold([...names].map((node) => node.textContent).join(" "));
  }

  function filter(input) {
    const words = fold(input.value).split(/\s+/).filter(Boolean);
    let shown = 0;
    rows().forEach((row) => {
      const name = nameOf(row);
      const match = words.every((word) => name.includes(word));
      row.hidden = !match;
      if (match) shown += 1;
    });
    const none = document.getElementById("checkin-no-match");
    if (none) none.hidden = shown > 0;
  }

  function firstShownButton() {
    const row = rows().find((candidate) => !candidate.hidden);
    return row ? row.querySelector('button[name="attended"][value="1"]') : null;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("[data-checkin-search]");
    if (!form) return;
    const input = form.querySelector('input[name="q"]');
    form.querySelector('button[type="submit"]').hidden = true;
    input.addEventListener("input", () => filter(input));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = firstShownButton();
      if (button) button.focus();
    });
    filter(input);
    // A check-in answered: ready for the next guest.
    document.body.addEventListener("htmx:afterSwap", (event) => {
      if (!event.target.classList || !event.target.classList.contains("checkin-row")) return;
      if (event.target.querySelector(".checkin-error")) return;
      input.value = "";
      filter(input);
      input.focus();
    });
  });
})();
