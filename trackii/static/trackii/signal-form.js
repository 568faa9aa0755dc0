// The signal form shows only the fields of the chosen kind. A field marked
// data-signal-kinds="coverage digital_reach" is hidden, and disabled so that it is not sent,
// for any other kind; with no kind chosen every field shows. The server checks each kind anyway.
document.addEventListener("DOMContentLoaded", () => {
  const kind = document.querySelector('form select[name="kind"]');
  const fields = kind ? [...kind.form.querySelectorAll("[data-signal-kinds]")] : [];
  if (!fields.length) return;
  const show = () => {
    fields.forEach((input) => {
      const hidden = kind.value !== "" && !input.dataset.signalKinds.split(" ").includes(kind.value);
      (input.closest(".field") || input.parentElement).hidden = hidden;
      input.disabled = hidden;
    });
  };
  kind.addEventListener("change", show);
  show();
});
