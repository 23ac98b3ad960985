// Lists whose rows open a page (users, applications): a click anywhere on a row follows its
// data-href (the name is also a plain link, so this is a convenience, not the only way), and the
// users list's "select this page" box ticks every row's box.
document.querySelectorAll('tr[data-href]').forEach((row) => row.addEventListener('click', (e) => {
  if (!e.target.closest('a, details, button, input, label, select')) location.href = row.dataset.href;
}));
document.getElementById('select-page')?.addEventListener('change', (e) => {
  document.querySelectorAll('input[name=user]').forEach((box) => { box.checked = e.target.checked; });
});
