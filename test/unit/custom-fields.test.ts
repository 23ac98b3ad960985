import { parseCustomValues, parseDefinition, patternProblem,
  type CustomFieldDefinition } from '../../src/settings/custom-fields.js';

const def = (over: Partial<CustomFieldDefinition>): CustomFieldDefinition => ({
  key: 'k', label: 'K', type: 'text', required: false, pattern: null, options: [], defaultPrivacy: 'private',
  position: 0, ...over,
});

describe('custom field definitions', () => {
  it('accepts a well-formed field and normalises its choices', () => {
    expect(parseDefinition({ key: 'country', label: ' Country ', type: 'select', options: 'Russia\nFrance, Russia\n',
      defaultPrivacy: 'on_request', required: 'on' }, new Set()))
      .toEqual({ definition: { key: 'country', label: 'Country', type: 'select', required: true, pattern: null,
        options: ['Russia', 'France'], defaultPrivacy: 'on_request', position: 0 } });
  });

  it('reports every problem with its field', () => {
    const result = parseDefinition({ key: 'Bad Key', label: '', type: 'colour', pattern: '(', defaultPrivacy: 'secret',
      position: 'x' }, new Set());
    expect(result).toEqual({ errors: { key: expect.any(String), label: expect.any(String), type: expect.any(String),
      pattern: expect.any(String), defaultPrivacy: expect.any(String), position: expect.any(String) } });
  });

  it('refuses keys of standard claims, built-in fields and existing fields', () => {
    expect(parseDefinition({ key: 'email', label: 'x', type: 'text' }, new Set())).toEqual({ errors: { key: expect.stringMatching(/standard claim/) } });
    expect(parseDefinition({ key: 'custom_fields', label: 'x', type: 'text' },
      new Set())).toEqual({ errors: { key: expect.any(String) } });
    expect(parseDefinition({ key: 'team', label: 'x', type: 'text' }, new Set(['team']))).toEqual({ errors: { key: expect.stringMatching(/exists/) } });
  });

  it('needs choices for a select and takes a pattern only for text', () => {
    expect(parseDefinition({ key: 'a', label: 'A', type: 'select' },
      new Set())).toEqual({ errors: { options: expect.any(String) } });
    expect(parseDefinition({ key: 'a', label: 'A', type: 'number', pattern: '\\d+' },
      new Set())).toEqual({ errors: { pattern: expect.any(String) } });
  });
});

describe('custom field values', () => {
  const fields = [
    def({ key: 'badge', type: 'text', pattern: '[A-Z]{2}-\\d{3}', required: true, label: 'Badge' }),
    def({ key: 'floor', type: 'number' }),
    def({ key: 'since', type: 'date' }),
    def({ key: 'remote', type: 'boolean' }),
    def({ key: 'team', type: 'select', options: ['Red', 'Blue'] }),
  ];

  it('parses each type', () => {
    expect(parseCustomValues({ 'custom.badge': 'AB-123', 'custom.floor': '3', 'custom.since': '2024-02-29',
      'custom.remote': 'on', 'custom.team': 'Blue' }, fields))
      .toEqual({ values: { badge: 'AB-123', floor: 3, since: '2024-02-29', remote: true, team: 'Blue' }, errors: {} });
  });

  it('explains each bad value next to its field', () => {
    const { errors } = parseCustomValues({ 'custom.badge': 'ab-12', 'custom.floor': 'three',
      'custom.since': '2024-13-01', 'custom.team': 'Green' }, fields);
    expect(Object.keys(errors).sort()).toEqual(['custom.badge', 'custom.floor', 'custom.since', 'custom.team']);
    expect(parseCustomValues({}, fields).errors).toEqual({ 'custom.badge': 'Badge is required' });
  });

  it('keeps values of fields that are no longer defined', () => {
    expect(parseCustomValues({ 'custom.badge': 'AB-123' }, fields, { retired: 'kept', floor: 2 }).values)
      .toEqual({ retired: 'kept', badge: 'AB-123', remote: false });
  });
});

// Issue 14, finding 9: patterns run on RE2 (re2js), linear in the input whatever the pattern.
describe('custom field patterns', () => {
  const motto = def({ key: 'motto', pattern: '([A-Za-z]+ ?)+', label: 'Motto' });

  it('answers at once where a backtracking engine takes seconds (25 letters and a "!": about a second with new RegExp)',
    () => {
      const started = performance.now();
      const { errors } = parseCustomValues({ 'custom.motto': `${'a'.repeat(25)}!` }, [motto]);
      expect(performance.now() - started).toBeLessThan(200);
      expect(errors).toEqual({ 'custom.motto': expect.stringMatching(/Does not match/) });
    });

  it('answers the 35-letter case as fast, and still accepts what the pattern allows', () => {
    const started = performance.now();
    expect(parseCustomValues({ 'custom.motto': `${'a'.repeat(35)}!` },
      [motto]).errors).toEqual({ 'custom.motto': expect.any(String) });
    expect(parseCustomValues({ 'custom.motto': 'Off with their heads' },
      [motto])).toEqual({ values: { motto: 'Off with their heads' }, errors: {} });
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('keeps valid patterns working: whole-value match, classes, counts, Unicode, flags', () => {
    const check = (pattern: string,
      value: string) => parseCustomValues({ 'custom.k': value }, [def({ pattern })]).errors['custom.k'] === undefined;
    expect(check('[A-Z]{2}-\\d{3}', 'AB-123')).toBe(true);
    expect(check('[A-Z]{2}-\\d{3}', 'xAB-123')).toBe(false);
    expect(check('[A-Z]{2}-\\d{3}', 'AB-1234')).toBe(false);
    expect(check('a|b', 'ab')).toBe(false);
    expect(check('\\p{L}+', 'Ærøskøbing')).toBe(true);
    expect(check('(?i)tea', 'TEA')).toBe(true);
    expect(check('\\w+@example\\.com', 'alice@example.com')).toBe(true);
  });

  it('refuses at save what RE2 cannot run, saying why', () => {
    const save = (pattern: string) => parseDefinition({ key: 'k', label: 'K', type: 'text', pattern }, new Set());
    expect(save('(ab)\\1')).toEqual({ errors: { pattern: expect.stringMatching(/^Backreferences .*linear-time/) } });
    expect(save('(?<n>a)\\k<n>')).toEqual({ errors: { pattern: expect.stringMatching(/^Backreferences/) } });
    for (const p of ['(?=[A-Z])\\w+', '\\w+(?!x)', '(?<=a)b', '(?<!a)b']) expect(save(p)).toEqual({ errors: { pattern: expect.stringMatching(/^Lookarounds/) } });
    expect(save('a{2000}')).toEqual({ errors: { pattern: expect.stringMatching(/invalid repeat count/) } });
    expect(save('x'.repeat(501))).toEqual({ errors: { pattern: 'Use at most 500 characters' } });
    expect(save('([A-Za-z]+ ?)+')).toMatchObject({ definition: { pattern: '([A-Za-z]+ ?)+' } });
  });

  it('ignores a stored pattern RE2 cannot run, and says why', () => {
    const legacy = def({ key: 'legacy', pattern: '(a)\\1' });
    expect(parseCustomValues({ 'custom.legacy': 'anything' }, [legacy])).toEqual({ values: { legacy: 'anything' },
      errors: {} });
    expect(patternProblem('(a)\\1')).toMatch(/^Backreferences/);
    expect(patternProblem('[A-Z]+')).toBeUndefined();
    expect(patternProblem(null)).toBeUndefined();
  });
});
