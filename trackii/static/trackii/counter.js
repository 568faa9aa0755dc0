// A text area with a maxlength shows how much of it is used ("123 / 5000") under it, so that
// a long paste the browser cuts at the limit does not go unnoticed.
function countCharacters(root) {
  root.querySelectorAll("textarea[maxlength]:not([data-counted])").forEach((area) => {
    const counter = document.createElement("p");
    counter.className = "counter";
    counter.id = `${area.id || area.name}-counter`;
    area.dataset.counted = "";
    area.setAttribute(
      "aria-describedby",
      [area.getAttribute("aria-describedby"), counter.id].filter(Boolean).join(" "),
    );
    const update = () => {
      const limit = Number(area.maxLength);
      counter.textContent = `${area.value.length} / ${limit}`;
      counter.classList.toggle("at-limit", area.value.length >= limit);
    };
    area.addEventListener("input", update);
    area.after(counter);
    update();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  countCharacters(document);
  document.body.addEventListener("htmx:afterSwap", (event) => countCharacters(event.target));
});
