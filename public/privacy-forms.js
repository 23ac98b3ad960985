// Privacy levels in place (the account page and a user's profile in the console): choosing a
// level saves it at once; without JavaScript the form's Set button does the same.
document.querySelectorAll('form.privacy-form').forEach((form) => {
  const button = form.querySelector('button');
  const select = form.querySelector('select');
  if (!button || !select) return;
  button.hidden = true;
  select.addEventListener('change', async () => {
    const status = form.querySelector('.privacy-saved');
    status.textContent = 'Saving…';
    const res = await fetch(form.action, { method: 'POST', body: new URLSearchParams(new FormData(form)), headers: { accept: 'application/json' } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      status.textContent = body.error_description || 'Could not save; reload the page and try again.';
      return;
    }
    const icon = form.querySelector('.privacy-icon');
    icon.innerHTML = document.querySelector(`#privacy-icons [data-level="${body.level}"]`).outerHTML;
    icon.dataset.level = body.level;
    status.textContent = 'Saved';
  });
});
