// Event details as text a person reads (issue 17 item 13), not raw JSON.
import { detailsText } from '../../src/admin/event.presenter.js';

it('reads keys as words and code-like values as words, lists joined and nested objects in parentheses', () => {
  expect(detailsText({ ip: '127.0.0.1', application: 'foyer-console', reason: 'wrong_password' }))
    .toBe('ip 127.0.0.1 · application foyer-console · reason wrong password');
  expect(detailsText({ failedSignIns: 5, automatic: true, until: null, fields: ['email', 'nickname'] }))
    .toBe('failed sign ins 5 · automatic yes · until none · fields email, nickname');
  expect(detailsText({ filter: { status: 'blocked', q: 'smith' }, client_id: 'abc' }))
    .toBe('filter (status blocked · q smith) · client id abc');
  expect(detailsText({})).toBe('');
  expect(detailsText(null)).toBe('');
});

it('cuts a long text at a length a table cell holds', () => {
  const text = detailsText({ names: Array.from({ length: 200 }, (_, i) => `name-${i}`) });
  expect(text.length).toBe(400);
  expect(text.endsWith('…')).toBe(true);
});
