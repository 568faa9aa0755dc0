// Track II: nothing typed is lost. The page knows when its session ends
// (<meta name="session-expires-in">): a warning offers "Stay signed in" shortly before, typing
// in a form extends the session (at most once a minute), and a draft kept while the session
// had ended (#restored-draft, see trackii/drafts.py) is put back into its form.
(() => {
  "use strict";

  const ACTIVITY_EXTENDS_EVERY_MS = 60 * 1000;
  const TICK_MS = 1000;
  const SHARED_KEY = "trackii.sessionExpiresAt";

  function formFor(draft) {
    const forms = [...document.querySelectorAll("main form")].filter(
      (form) => form.method === "post" && new URL(form.action, location.href).pathname === draft.path,
    );
    return forms.find((form) => Object.keys(draft.fields).some((name) => form.elements.namedItem(name)));
  }

  function fill(form, fields) {
    [...form.elements].forEach((element) => {
      const values = fields[element.name];
      if (!values || element.type === "file" || element.type === "password") return;
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = values.includes(element.value);
      } else if (element.tagName === "SELECT") {
        [...element.options].forEach((option) => { option.selected = values.includes(option.value); });
      } else if (!["submit", "button", "reset", "image"].includes(element.type)) {
        // Several fields of one name (e.g. a formset's) take the values in order.
        const sameName = [...form.elements].filter((other) => other.name === element.name);
        element.value = values[sameName.indexOf(element)] ?? "";
      }
    });
  }

  function restoreDraft() {
    const data = document.getElementById("restored-draft");
    if (!data) return;
    const draft = JSON.parse(data.textContent);
    const form = formFor(draft);
    if (form) fill(form, draft.fields);
  }

  function watchSession(meta) {
    const warning = document.getElementById("session-warning");
    if (!warning) return;
    const title = document.getElementById("session-warning-title");
    const text = document.getElementById("session-warning-text");
    const stay = document.getElementById("session-stay");
    const signIn = document.getElementById("session-sign-in");
    const sessionAgeMs = Number(meta.content) * 1000;
    const warnBeforeMs = Number(meta.dataset.warnBefore) * 1000;
    let expiresAt = Date.now() + sessionAgeMs;
    let lastExtendedAt = Date.now();
    let ended = false;
    let focusBefore = null;

    function share() {
      try { localStorage.setItem(SHARED_KEY, String(expiresAt)); } catch { /* private mode */ }
    }

    function extendedUntil(moment) {
      if (moment > expiresAt) expiresAt = moment;
      share();
      update();
    }

    function show() {
      if (!warning.hidden) return;
      focusBefore = document.activeElement;
      warning.hidden = false;
      (ended ? signIn : stay).focus();
    }

    function hide() {
      if (warning.hidden) return;
      warning.hidden = true;
      if (focusBefore && document.contains(focusBefore)) focusBefore.focus();
    }

    function showEnded() {
      ended = true;
      title.textContent = title.dataset.ended;
      text.textContent = text.dataset.ended;
      stay.hidden = true;
      signIn.hidden = false;
      warning.hidden = true;
      show();
    }

    function remaining(ms) {
      // "2 minutes", "2 минуты", "2 דקות": the browser's own words in the page's language.
      const seconds = Math.max(0, Math.round(ms / 1000));
      const [value, unit] = seconds >= 90 ? [Math.round(seconds / 60), "minute"] : [seconds, "second"];
      const language = document.documentElement.lang || "en";
      return new Intl.NumberFormat(language, { style: "unit", unit, unitDisplay: "long" }).format(value);
    }

    function update() {
      if (ended) return;
      const left = expiresAt - Date.now();
      if (left <= 0) {
        showEnded();
      } else if (left <= warnBeforeMs) {
        text.textContent = text.dataset.ending.replace("{time}", remaining(left));
        show();
      } else {
        hide();
      }
    }

    function csrfToken() {
      // The page's one copy of the token, in the headers htmx sends (base.html).
      try {
        return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
      } catch {
        return "";
      }
    }

    async function extend() {
      lastExtendedAt = Date.now();
      try {
        const response = await fetch(meta.dataset.keepAlive, {
          method: "POST",
          headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
          credentials: "same-origin",
        });
        if (response.status === 403) {
          showEnded();
        } else if (response.ok) {
          const answer = await response.json();
          extendedUntil(Date.now() + answer.expires_in * 1000);
        }
      } catch {
        // Offline for a moment: the warning stays, and "Stay signed in" can be tried again.
      }
    }

    stay.addEventListener("click", extend);
    // Typing or choosing in a form is activity: extend, at most once a minute.
    ["input", "change", "click"].forEach((type) => {
      document.addEventListener(type, (event) => {
        if (ended || !event.target.closest || !event.target.closest("main form")) return;
        if (Date.now() - lastExtendedAt >= ACTIVITY_EXTENDS_EVERY_MS) extend();
      });
    });
    // Any request answered while signed in (htmx swaps) extends the session too.
    document.body.addEventListener("htmx:afterRequest", (event) => {
      if (event.detail.successful) extendedUntil(Date.now() + sessionAgeMs);
    });
    // Another tab of the same session extended it.
    window.addEventListener("storage", (event) => {
      if (event.key === SHARED_KEY && event.newValue) extendedUntil(Number(event.newValue));
    });
    share();
    setInterval(update, TICK_MS);
  }

  // A deferred script runs once the page is parsed and before DOMContentLoaded, so the form
  // is filled before other scripts (the pickers) enhance its fields.
  restoreDraft();
  const meta = document.querySelector('meta[name="session-expires-in"]');
  if (meta) watchSession(meta);
})();
