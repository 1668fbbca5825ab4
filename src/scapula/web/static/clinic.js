// Copy the invitation link: the field stays selectable for browsers without clipboard access.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-target]");
  if (!button) return;
  const field = document.getElementById(button.dataset.target);
  const status = document.getElementById("copy-status");
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    status.textContent = "Link copied.";
  } catch {
    status.textContent = "Select the link and copy it with Ctrl+C (Cmd+C on a Mac).";
  }
});
