// The number typed to confirm a mass deletion, as the form reads it (issue 17 item 2).
import { parseMassActionForm } from '../../src/admin/bulk.input.js';

const typed = (confirm: string | undefined) => parseMassActionForm({ action: 'delete', all: '1', confirm });

describe('the number typed to confirm a deletion', () => {
  it.each([['19971', 19971], ['19,971', 19971], [' 19 971 ', 19971], ['19.971', 19971], ['0', 0]])(
    'reads %j as %d', (text, n) => {
      expect(typed(text).confirmedCount).toBe(n);
    });

  it('reads nothing typed as no number given, and anything else as a number that matches nothing', () => {
    expect(typed(undefined).confirmedCount).toBeUndefined();
    expect(typed('  ').confirmedCount).toBeUndefined();
    expect(typed('all of them').confirmedCount).toBeNull();
    expect(typed('-3').confirmedCount).toBeNull();
    expect(typed('1e4').confirmedCount).toBeNull();
    // Too long, or with a control character: no number either, refused by the field rather than with the form.
    expect(typed('9'.repeat(41)).confirmedCount).toBeNull();
    expect(typed('12\u0000').confirmedCount).toBeNull();
    expect(typed('all of them').confirmText).toBe('all of them');
  });
});
