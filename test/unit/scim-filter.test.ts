import { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, attrPathKey, parseFilter,
  type Filter } from '../../src/provisioning/scim/filter.js';
import { compileFilter, escapeLike, type ScimMapping } from '../../src/provisioning/scim/filter-sql.js';
import { scimErrorOf } from '../support/scim-error.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const FOYER = 'urn:foyer:params:scim:schemas:extension:foyer:2.0:User';

const eq = (attr: string, value: string | number | boolean | null,
  sub?: string): Filter => ({ op: 'eq', path: { attr, ...(sub ? { sub } : {}) }, value });
const pr = (attr: string): Filter => ({ op: 'pr', path: { attr } });

describe('SCIM filter parser', () => {
  it.each(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const)('reads the %s operator in any case',
    (op) => {
      expect(parseFilter(`userName ${op} "x"`)).toEqual({ op, path: { attr: 'userName' }, value: 'x' });
      expect(parseFilter(`userName ${op.toUpperCase()} "x"`)).toEqual({ op, path: { attr: 'userName' }, value: 'x' });
    });

  it('reads pr and case-insensitive logical keywords', () => {
    expect(parseFilter('title PR')).toEqual(pr('title'));
    expect(parseFilter('a pr AND b pr Or NOT (c pr)')).toEqual({
      op: 'or', left: { op: 'and', left: pr('a'), right: pr('b') }, right: { op: 'not', filter: pr('c') },
    });
  });

  it.each([
    ['userName', { attr: 'userName' }],
    ['name.givenName', { attr: 'name', sub: 'givenName' }],
    ['emails.value', { attr: 'emails', sub: 'value' }],
    ['meta.created', { attr: 'meta', sub: 'created' }],
    ['members.$ref', { attr: 'members', sub: '$ref' }],
    [`${CORE}:userName`, { schema: CORE, attr: 'userName' }],
    [`${CORE}:name.familyName`, { schema: CORE, attr: 'name', sub: 'familyName' }],
    [`${ENTERPRISE}:employeeNumber`, { schema: ENTERPRISE, attr: 'employeeNumber' }],
    [`${ENTERPRISE}:manager.value`, { schema: ENTERPRISE, attr: 'manager', sub: 'value' }],
    [`${FOYER}:locked`, { schema: FOYER, attr: 'locked' }],
  ])('reads the attribute path %s', (text, path) => {
    expect(parseFilter(`${text} pr`)).toEqual({ op: 'pr', path });
  });

  it('normalises attribute names to the canonical spellings given, and keys paths in lower case', () => {
    const names = ['userName', 'name', 'givenName'];
    expect(parseFilter('USERNAME eq "x"', { names })).toEqual(eq('userName', 'x'));
    expect(parseFilter('NAME.GIVENNAME pr', { names })).toEqual({ op: 'pr', path: { attr: 'name', sub: 'givenName' } });
    expect(parseFilter('USERNAME pr')).toEqual(pr('USERNAME'));
    expect(attrPathKey({ schema: ENTERPRISE,
      attr: 'employeeNumber' })).toBe(`${ENTERPRISE}:employeenumber`.toLowerCase());
    expect(attrPathKey({ attr: 'name', sub: 'givenName' })).toBe('name.givenname');
  });

  it.each([
    ['a pr or b pr and c pr', { op: 'or', left: pr('a'), right: { op: 'and', left: pr('b'), right: pr('c') } }],
    ['a pr and b pr or c pr', { op: 'or', left: { op: 'and', left: pr('a'), right: pr('b') }, right: pr('c') }],
    ['(a pr or b pr) and c pr', { op: 'and', left: { op: 'or', left: pr('a'), right: pr('b') }, right: pr('c') }],
    ['a pr or b pr or c pr', { op: 'or', left: { op: 'or', left: pr('a'), right: pr('b') }, right: pr('c') }],
    ['not (a pr) and b pr', { op: 'and', left: { op: 'not', filter: pr('a') }, right: pr('b') }],
    ['not (a pr and b pr)', { op: 'not', filter: { op: 'and', left: pr('a'), right: pr('b') } }],
    ['((a pr))', pr('a')],
    ['  not(a pr)   and   b  pr ', { op: 'and', left: { op: 'not', filter: pr('a') }, right: pr('b') }],
  ])('applies precedence and grouping in %s', (text, ast) => {
    expect(parseFilter(text)).toEqual(ast);
  });

  it.each([
    ['emails[type eq "work" and value co "@example.com"]',
      { op: 'valuePath', path: { attr: 'emails' },
        filter: { op: 'and', left: eq('type', 'work'),
          right: { op: 'co', path: { attr: 'value' }, value: '@example.com' } } }],
    ['emails[not (type eq "home")]',
      { op: 'valuePath', path: { attr: 'emails' }, filter: { op: 'not', filter: eq('type', 'home') } }],
    [`${CORE}:emails[primary eq true]`,
      { op: 'valuePath', path: { schema: CORE, attr: 'emails' }, filter: eq('primary', true) }],
    ['userName pr and emails [value pr]',
      { op: 'and', left: pr('userName'), right: { op: 'valuePath', path: { attr: 'emails' }, filter: pr('value') } }],
  ])('reads the value filter %s', (text, ast) => {
    expect(parseFilter(text)).toEqual(ast);
  });

  it.each([
    ['"plain"', 'plain'], ['"say \\"hi\\""', 'say "hi"'], ['"back\\\\slash"', 'back\\slash'], ['"caf\\u00e9"', 'café'],
    ['"two\\nlines\\t"', 'two\nlines\t'], ['"a\\/b"', 'a/b'], ['"] and ) or ("', '] and ) or ('], ['""', ''],
    ['0', 0], ['42', 42], ['-12', -12], ['3.5', 3.5], ['1e3', 1000], ['-1.5E-2', -0.015],
    ['true', true], ['false', false], ['null', null], ['TRUE', true], ['Null', null],
  ])('reads the value %s', (text, value) => {
    expect(parseFilter(`x eq ${text}`)).toEqual(eq('x', value));
  });

  it.each([
    ['', /filter is empty/],
    ['userName eq "abc', /unterminated string starting at position 12/],
    ['userName eq "a\\qb"', /invalid string at position 12/],
    ['userName equals "x"', /unknown operator 'equals' at position 9; expected one of eq, ne, co/],
    ['userName eq', /expected a value .* after 'eq' at position 11, found the end of the filter/],
    ['userName eq and', /expected a value .* found 'and'/],
    ['userName eq bjensen', /expected a value .* found 'bjensen'/],
    ['userName', /expected an operator \(eq, .*\) after 'userName' at position 8, found the end of the filter/],
    ['userName "x"', /expected an operator .* found the string "x"/],
    ['userName eq "x" garbage', /expected 'and', 'or' or the end of the filter at position 16, found 'garbage'/],
    ['userName eq "x")', /expected 'and', 'or' or the end of the filter at position 15, found '\)'/],
    ['(userName pr', /expected '\)', 'and' or 'or' at position 12/],
    ['not userName pr', /expected '\(' after 'not' at position 4/],
    ['userName pr and', /expected an attribute name, '\(' or 'not' at position 15, found the end/],
    ['and pr', /expected an attribute name, '\(' or 'not' at position 0, found 'and'/],
    ['a pr or or b pr', /expected an attribute name, '\(' or 'not' at position 8, found 'or'/],
    ['emails[type eq "work"].value', /only allowed in PATCH paths/],
    ['emails[type eq "work"', /expected '\]', 'and' or 'or' at position 21/],
    ['emails[value[type pr]]', /value filters cannot be nested/],
    ['emails[name.givenName pr]', /expected a sub-attribute name .* found 'name.givenName'/],
    ['name.givenName[value pr]', /not the sub-attribute 'name.givenName'/],
    ['name.givenName.x pr', /'name.givenName.x' at position 0 is not an attribute path/],
    ['foo:bar pr', /'foo:bar' at position 0 is not an attribute path/],
    ['userName eq 12abc', /malformed number at position 12/],
    ['userName eq 1e999', /out of range/],
    ['userName eq #', /unexpected character '#' at position 12/],
  ])('rejects %j with invalidFilter', (text, detail) => {
    const error = scimErrorOf(() => parseFilter(text));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter' });
    expect(error.detail).toMatch(detail);
  });

  it('bounds nesting depth', () => {
    const nest = (levels: number, open: string) => `${open.repeat(levels)}a pr${')'.repeat(levels)}`;
    expect(parseFilter(nest(MAX_FILTER_DEPTH, '('))).toEqual(pr('a'));
    for (const open of ['(', 'not (']) {
      const error = scimErrorOf(() => parseFilter(nest(MAX_FILTER_DEPTH + 1, open)));
      expect(error).toMatchObject({ scimType: 'invalidFilter',
        detail: `filter is nested more than ${MAX_FILTER_DEPTH} levels deep` });
    }
  });

  it('bounds the length', () => {
    const sized = (length: number) => `x eq "${'a'.repeat(length - 7)}"`;
    expect(parseFilter(sized(MAX_FILTER_LENGTH))).toMatchObject({ op: 'eq' });
    expect(scimErrorOf(() => parseFilter(sized(MAX_FILTER_LENGTH + 1)))).toMatchObject({ scimType: 'invalidFilter', detail: expect.stringMatching(/longer than 4096/) });
  });
});

const mapping: ScimMapping = {
  username: { sql: 'u.login', type: 'string' },
  externalid: { sql: 'u.external_id', type: 'string', caseExact: true },
  id: { sql: 'u.id::text', type: 'string', caseExact: true },
  'name.givenname': { sql: 'u.given_name', type: 'string' },
  'emails.value': { sql: 'u.email', type: 'string', multiValued: true },
  'emails.type': { sql: "CASE WHEN u.email IS NOT NULL THEN 'work' END", type: 'string', multiValued: true },
  active: { sql: 'NOT u.blocked', type: 'boolean' },
  'meta.created': { sql: 'u.created_at', type: 'datetime' },
  [`${ENTERPRISE}:employeenumber`.toLowerCase()]: { sql: "u.custom_fields->>'employeeNumber'", type: 'string' },
  [`${FOYER}:locked`.toLowerCase()]: { sql: 'u.locked_at IS NOT NULL', type: 'boolean' },
  [`${FOYER}:failedsignins`.toLowerCase()]: { sql: 'u.failed_sign_ins', type: 'integer' },
};

function sql(filter: string, params: unknown[] = []): [string, unknown[]] {
  return [compileFilter(parseFilter(filter), mapping, params), params];
}

const TYPE = "(CASE WHEN u.email IS NOT NULL THEN 'work' END)";

describe('SCIM filter to SQL', () => {
  it.each<[string, string, unknown[]]>([
    ['userName eq "Bjensen"', 'lower(u.login) = lower($1)', ['Bjensen']],
    ['USERNAME EQ "x"', 'lower(u.login) = lower($1)', ['x']],
    [`${CORE}:userName eq "x"`, 'lower(u.login) = lower($1)', ['x']],
    ['userName ne "x"', 'lower(u.login) IS DISTINCT FROM lower($1)', ['x']],
    ['userName co "50%_off\\\\"', "lower(u.login) LIKE lower($1) ESCAPE '\\'", ['%50\\%\\_off\\\\%']],
    ['userName sw "a_"', "lower(u.login) LIKE lower($1) ESCAPE '\\'", ['a\\_%']],
    ['userName ew "%"', "lower(u.login) LIKE lower($1) ESCAPE '\\'", ['%\\%']],
    ['userName gt "m"', 'lower(u.login) > lower($1)', ['m']],
    ['userName ge "m"', 'lower(u.login) >= lower($1)', ['m']],
    ['userName lt "m"', 'lower(u.login) < lower($1)', ['m']],
    ['userName le "m"', 'lower(u.login) <= lower($1)', ['m']],
    ['externalId eq "AbC"', 'u.external_id = $1', ['AbC']],
    ['externalId ne "AbC"', 'u.external_id IS DISTINCT FROM $1', ['AbC']],
    ['id sw "4"', "(u.id::text) LIKE $1 ESCAPE '\\'", ['4%']],
    ['name.givenName pr', "(u.given_name IS NOT NULL AND u.given_name <> '')", []],
    ['name.givenName eq null', "(u.given_name IS NULL OR u.given_name = '')", []],
    ['name.givenName ne null', "(u.given_name IS NOT NULL AND u.given_name <> '')", []],
    ['emails eq "a@b.c"', 'lower(u.email) = lower($1)', ['a@b.c']],
    ['emails[type eq "work" and value co "@example.com"]',
      `(lower(${TYPE}) = lower($1) AND lower(u.email) LIKE lower($2) ESCAPE '\\')`, ['work', '%@example.com%']],
    ['active eq true', '(NOT u.blocked) = $1', [true]],
    ['active ne false', '(NOT u.blocked) IS DISTINCT FROM $1', [false]],
    ['active pr', '(NOT u.blocked) IS NOT NULL', []],
    [`${FOYER}:locked eq true`, '(u.locked_at IS NOT NULL) = $1', [true]],
    [`${FOYER}:failedSignIns ge 3`, 'u.failed_sign_ins >= $1', [3]],
    [`${FOYER}:failedSignIns ne 0`, 'u.failed_sign_ins IS DISTINCT FROM $1', [0]],
    [`${FOYER}:failedSignIns eq null`, 'u.failed_sign_ins IS NULL', []],
    [`${ENTERPRISE}:employeeNumber eq "701984"`, "lower((u.custom_fields->>'employeeNumber')) = lower($1)", ['701984']],
    ['meta.created gt "2024-01-31T12:00:00Z"', 'u.created_at > $1::timestamptz', ['2024-01-31T12:00:00Z']],
    ['meta.created le "2024-02-29T23:59:59.123+02:00"', 'u.created_at <= $1::timestamptz',
      ['2024-02-29T23:59:59.123+02:00']],
    ['meta.created lt "2024-01-31T12:00:00"', 'u.created_at < $1::timestamptz', ['2024-01-31T12:00:00Z']],
    ['meta.created ne "2024-01-31T12:00:00Z"', 'u.created_at IS DISTINCT FROM $1::timestamptz',
      ['2024-01-31T12:00:00Z']],
    ['userName pr and active eq true and emails pr',
      "((u.login IS NOT NULL AND u.login <> '') AND (NOT u.blocked) = $1 AND (u.email IS NOT NULL AND u.email <> ''))",
      [true]],
    ['userName eq "a" or userName eq "b" and active eq true',
      '(lower(u.login) = lower($1) OR (lower(u.login) = lower($2) AND (NOT u.blocked) = $3))', ['a', 'b', true]],
    ['not (userName eq "a")', 'NOT COALESCE(lower(u.login) = lower($1), false)', ['a']],
    ['not (emails[type eq "work"]) or not (active eq true)',
      `(NOT COALESCE(lower(${TYPE}) = lower($1), false) OR NOT COALESCE((NOT u.blocked) = $2, false))`, ['work', true]],
  ])('compiles %s', (filter, text, params) => {
    expect(sql(filter)).toEqual([text, params]);
  });

  it('appends to the parameters already there and never puts values in the SQL', () => {
    const [text, params] = sql(`userName eq "x' OR 1=1 --" and ${FOYER}:failedSignIns gt 1`, ['earlier']);
    expect(text).toBe('(lower(u.login) = lower($2) AND u.failed_sign_ins > $3)');
    expect(params).toEqual(['earlier', "x' OR 1=1 --", 1]);
  });

  it('escapes LIKE wildcards and the escape character', () => {
    expect(escapeLike('100%_\\x')).toBe('100\\%\\_\\\\x');
  });

  it.each([
    ['nickName eq "x"', /unknown attribute 'nickName'/],
    ['employeeNumber eq "1"', /unknown attribute 'employeeNumber'/],
    [`${ENTERPRISE}:department eq "x"`, /unknown attribute 'urn:.*:User:department'/],
    ['emails[display eq "x"]', /unknown attribute 'emails\[display\]'/],
    ['name eq "x"', /unknown attribute 'name'/],
    ['constructor eq "x"', /unknown attribute 'constructor'/],
    ['active gt true', /'gt' is not supported for the boolean 'active'; use eq or ne/],
    ['active eq "true"', /'active' is a boolean/],
    ['userName eq 5', /'userName' is a string/],
    ['userName co true', /'userName' is a string/],
    ['userName gt null', /'gt' cannot compare 'userName' with null/],
    ['meta.created co "2024"', /'co' is only supported for strings, and 'meta.created' is a datetime/],
    ['meta.created gt 5', /'meta.created' is a datetime; compare it with a quoted string/],
    ...['yesterday', '2024-01-31', '2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z',
      '2024-01-01T00:00:00+15:00', '2024-01-01t00:00:00z']
      .map((value): [string, RegExp] => [`meta.created gt "${value}"`, /is a dateTime; '.*' is not one/]),
    [`${FOYER}:failedSignIns eq 1.5`, /is an integer/],
    [`${FOYER}:failedSignIns sw 1`, /'sw' is only supported for strings/],
  ])('rejects %s with invalidFilter', (filter, detail) => {
    const error = scimErrorOf(() => sql(filter));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter' });
    expect(error.detail).toMatch(detail);
  });
});
