// Track II: the little JavaScript the pages need. No inline scripts (CSP): behaviour is
// attached here by data attributes.
// On a phone, stacked table cells lose their column heading: give each cell its heading
// as a label (shown by app.css below 600 px).
function labelCells(root) {
  root.querySelectorAll("table.responsive").forEach((table) => {
    const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    table.querySelectorAll("tbody tr").forEach((row) => {
      [...row.children].forEach((cell, index) => {
        if (headings[index] && !cell.dataset.label) cell.dataset.label = headings[index];
      });
    });
  });
}

// On a phone the navigation folds behind its Menu button (app.css); aria-expanded says which.
function collapsibleNavigation() {
  document.documentElement.classList.add("js");
  document.querySelectorAll(".menu-toggle[aria-controls]").forEach((button) => {
    button.addEventListener("click", () => {
      const expanded = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", String(!expanded));
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  collapsibleNavigation();
  labelCells(document);
  document.body.addEventListener("htmx:afterSwap", (event) => labelCells(event.target));
  // <button data-confirm="Really?"> asks before submitting its form.
  document.body.addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
});
