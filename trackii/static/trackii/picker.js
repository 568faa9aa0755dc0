// Track II: type-ahead pickers. A <select data-picker="URL"> (contacts/widgets.py) holds
// only the chosen options; Tom Select turns it into a search box that asks URL?q=... for
// the others as the user types. The select keeps its name, so the form posts the same ids.
// No inline script or style (CSP): Tom Select sets styles through the CSSOM only.
// The picker's own words come in the page's language from the select's data-no-results,
// data-loading, data-remove and data-clear (contacts/widgets.py); English without them.
(function () {
  "use strict";

  function escapeAttribute(text) {
    return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
  }

  function pickerUrl(select, query) {
    const url = new URL(select.dataset.picker, window.location.href);
    url.searchParams.set("q", query);
    return url;
  }

  function renderOption(item, escape) {
    const detail = item.detail ? `<small class="picker-detail">${escape(item.detail)}</small>` : "";
    return `<div class="picker-option"><span>${escape(item.label)}</span>${detail}</div>`;
  }

  function enhance(select) {
    if (select.tomselect || !window.TomSelect) return;
    const multiple = select.multiple;
    const text = select.dataset;
    const plugins = multiple ? { remove_button: { title: text.remove || "Remove" } } : {};
    // The clear button's plugin puts its title into markup as it is: escaped here.
    if (!multiple && !select.required) {
      plugins.clear_button = { title: escapeAttribute(text.clear || "Clear") };
    }
    const picker = new window.TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: [],
      plugins: plugins,
      maxItems: multiple ? null : 1,
      placeholder: select.dataset.placeholder || "",
      preload: "focus",
      closeAfterSelect: true,
      loadThrottle: 200,
      // The server searches (the contacts list's own search): keep what it answers, in
      // its order, instead of filtering it again here.
      shouldLoad: () => true,
      score: () => () => 1,
      load(query, callback) {
        fetch(pickerUrl(select, query), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then((response) => (response.ok ? response.json() : Promise.reject(response)))
          .then((data) => {
            this.clearOptions();
            callback(data.results.map((item) => ({ ...item, value: String(item.id), text: item.label })));
          })
          .catch(() => callback());
      },
      render: {
        option: renderOption,
        item: (item, escape) => `<div>${escape(item.text)}</div>`,
        no_results: (data, escape) => `<div class="no-results">${escape(text.noResults || "No match.")}</div>`,
        loading: (data, escape) => `<div class="picker-loading">${escape(text.loading || "Searching…")}</div>`,
      },
    });
    // The label now names the search box; the select, kept only to post the ids, leaves the
    // accessibility tree (else it is an unnamed control for screen readers).
    select.setAttribute("aria-hidden", "true");
    // The help text and the error Django ties to the select describe the search box now.
    for (const name of ["aria-describedby", "aria-invalid"]) {
      if (select.hasAttribute(name)) picker.control_input.setAttribute(name, select.getAttribute(name));
    }
    // A required picker left empty: the browser would point its message at the hidden
    // select, that is at whatever field lies under it. The search box says it instead,
    // until a choice is made.
    const input = picker.control_input;
    select.addEventListener("invalid", (event) => {
      event.preventDefault();
      input.setCustomValidity(select.validationMessage);
      input.reportValidity();
    });
    const clear = () => input.setCustomValidity("");
    picker.on("change", clear);
    input.addEventListener("input", clear);
  }

  function enhanceAll(root) {
    root.querySelectorAll("select[data-picker]").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", () => {
    enhanceAll(document);
    document.body.addEventListener("htmx:afterSwap", (event) => enhanceAll(event.target));
  });
})();
