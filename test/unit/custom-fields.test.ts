import { parseCustomValues, parseDefinition, type CustomFieldDefinition } from '../../src/directory/custom-fields.js';

const def = (over: Partial<CustomFieldDefinition>): CustomFieldDefinition => ({
  key: 'k', label: 'K', type: 'text', required: false, pattern: null, options: [], defaultPrivacy: 'private', position: 0, ...over,
});

describe('custom field definitions', () => {
  it('accepts a well-formed field and normalises its choices', () => {
    expect(parseDefinition({ key: 'country', label: ' Country ', type: 'select', options: 'Russia\nFrance, Russia\n', defaultPrivacy: 'on_request', required: 'on' }, new Set()))
      .toEqual({ definition: { key: 'country', label: 'Country', type: 'select', required: true, pattern: null, options: ['Russia', 'France'], defaultPrivacy: 'on_request', position: 0 } });
  });

  it('reports every problem with its field', () => {
    const result = parseDefinition({ key: 'Bad Key', label: '', type: 'colour', pattern: '(', defaultPrivacy: 'secret', position: 'x' }, new Set());
    expect(result).toEqual({ errors: { key: expect.any(String), label: expect.any(String), type: expect.any(String), pattern: expect.any(String), defaultPrivacy: expect.any(String), position: expect.any(String) } });
  });

  it('refuses keys of standard claims, built-in fields and existing fields', () => {
    expect(parseDefinition({ key: 'email', label: 'x', type: 'text' }, new Set())).toEqual({ errors: { key: expect.stringMatching(/standard claim/) } });
    expect(parseDefinition({ key: 'custom_fields', label: 'x', type: 'text' }, new Set())).toEqual({ errors: { key: expect.any(String) } });
    expect(parseDefinition({ key: 'team', label: 'x', type: 'text' }, new Set(['team']))).toEqual({ errors: { key: expect.stringMatching(/exists/) } });
  });

  it('needs choices for a select and takes a pattern only for text', () => {
    expect(parseDefinition({ key: 'a', label: 'A', type: 'select' }, new Set())).toEqual({ errors: { options: expect.any(String) } });
    expect(parseDefinition({ key: 'a', label: 'A', type: 'number', pattern: '\\d+' }, new Set())).toEqual({ errors: { pattern: expect.any(String) } });
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
    expect(parseCustomValues({ 'custom.badge': 'AB-123', 'custom.floor': '3', 'custom.since': '2024-02-29', 'custom.remote': 'on', 'custom.team': 'Blue' }, fields))
      .toEqual({ values: { badge: 'AB-123', floor: 3, since: '2024-02-29', remote: true, team: 'Blue' }, errors: {} });
  });

  it('explains each bad value next to its field', () => {
    const { errors } = parseCustomValues({ 'custom.badge': 'ab-12', 'custom.floor': 'three', 'custom.since': '2024-13-01', 'custom.team': 'Green' }, fields);
    expect(Object.keys(errors).sort()).toEqual(['custom.badge', 'custom.floor', 'custom.since', 'custom.team']);
    expect(parseCustomValues({}, fields).errors).toEqual({ 'custom.badge': 'Badge is required' });
  });

  it('keeps values of fields that are no longer defined', () => {
    expect(parseCustomValues({ 'custom.badge': 'AB-123' }, fields, { retired: 'kept', floor: 2 }).values)
      .toEqual({ retired: 'kept', badge: 'AB-123', remote: false });
  });
});
