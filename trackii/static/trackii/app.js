// Track II: the little JavaScript the pages need. No inline scripts (CSP): behaviour is
// attached here by data attributes.
document.addEventListener("DOMContentLoaded", () => {
  // <button data-confirm="Really?"> asks before submitting its form.
  document.body.addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
});
