// "Copy" buttons next to a secret shown once (client secret, API key, recovery link):
// <button data-copy="input-id" data-copy-status="status-id">. Where the clipboard is refused
// (plain http, permissions) the text is selected for Ctrl+C instead.
document.querySelectorAll('button[data-copy]').forEach((button) => button.addEventListener('click', async () => {
  const input = document.getElementById(button.dataset.copy);
  const status = button.dataset.copyStatus ? document.getElementById(button.dataset.copyStatus) : null;
  try {
    await navigator.clipboard.writeText(input.value);
    if (status) status.textContent = 'Copied.';
    else button.textContent = 'Copied';
  } catch {
    input.select();
    if (status) status.textContent = 'Selected: press Ctrl+C (or ⌘C) to copy.';
  }
}));
