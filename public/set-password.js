// Setting a user's password in the console: show/hide the typed password, and fill in the
// suggested one (shown, and selected so it can be copied).
const input = document.getElementById('password');
const toggle = document.getElementById('toggle');
if (input && toggle) {
  const show = (visible) => { input.type = visible ? 'text' : 'password'; toggle.textContent = visible ? 'Hide' : 'Show'; };
  toggle.addEventListener('click', () => show(input.type === 'password'));
  document.getElementById('suggest')?.addEventListener('click', (e) => { input.value = e.target.dataset.suggestion; show(true); input.select(); });
}
