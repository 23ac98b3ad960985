import { MAX_FILTER_LENGTH } from '../../src/provisioning/scim/filter.js';
import { parsePatchPath } from '../../src/provisioning/scim/patch-path.js';
import {
  ScimError, invalidFilter, invalidPath, invalidSyntax, invalidValue, mutability, noTarget, notFound, tooMany,
  uniqueness,
} from '../../src/provisioning/scim/scim-error.js';
import { scimErrorOf } from '../support/scim-error.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const workType = { op: 'eq', path: { attr: 'type' }, value: 'work' };

describe('SCIM PATCH path', () => {
  it.each([
    ['title', { attr: 'title' }],
    ['name.givenName', { attr: 'name', sub: 'givenName' }],
    ['  name.familyName ', { attr: 'name', sub: 'familyName' }],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName',
      { schema: 'urn:ietf:params:scim:schemas:core:2.0:User', attr: 'userName' }],
    [`${ENTERPRISE}:manager`, { schema: ENTERPRISE, attr: 'manager' }],
    [`${ENTERPRISE}:manager.value`, { schema: ENTERPRISE, attr: 'manager', sub: 'value' }],
    ['members[value eq "2819c223"]',
      { attr: 'members', filter: { op: 'eq', path: { attr: 'value' }, value: '2819c223' } }],
    ['emails[type eq "work"]', { attr: 'emails', filter: workType }],
    ['emails[type eq "work"].value', { attr: 'emails', filter: workType, sub: 'value' }],
    ['members[value eq "x"].$ref',
      { attr: 'members', filter: { op: 'eq', path: { attr: 'value' }, value: 'x' }, sub: '$ref' }],
    ['emails[value eq "a]b"].display',
      { attr: 'emails', filter: { op: 'eq', path: { attr: 'value' }, value: 'a]b' }, sub: 'display' }],
    ['emails[type eq "work" and not (primary eq false)].value', {
      attr: 'emails', sub: 'value',
      filter: { op: 'and', left: workType,
        right: { op: 'not', filter: { op: 'eq', path: { attr: 'primary' }, value: false } } },
    }],
    ['urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value', {
      schema: 'urn:ietf:params:scim:schemas:core:2.0:User', attr: 'emails', filter: workType, sub: 'value',
    }],
  ])('reads %s', (path, parsed) => {
    expect(parsePatchPath(path)).toEqual(parsed);
  });

  it('normalises names to the canonical spellings given', () => {
    const names = ['name', 'givenName', 'emails', 'type', 'value'];
    expect(parsePatchPath('NAME.GIVENNAME', { names })).toEqual({ attr: 'name', sub: 'givenName' });
    expect(parsePatchPath('Emails[TYPE EQ "work"].VALUE', { names })).toEqual({ attr: 'emails', filter: workType,
      sub: 'value' });
  });

  it.each([
    ['', /path is empty/],
    ['   ', /path is empty/],
    ['name.givenName.first', /'name.givenName.first' is not an attribute path/],
    ['emails value', /'emails value' is not an attribute path/],
    ['foo:bar', /'foo:bar' is not an attribute path/],
    ['name.givenName[value pr]', /not the sub-attribute 'name.givenName'/],
    ['emails[type eq "work"]value', /expected '.subAttribute' or the end of the path at position 22, found 'value'/],
    ['emails[type eq "work"].', /found '.'/],
    ['emails[type eq "work"].value.display', /found '.value.display'/],
    ['emails[type eq "work"][value pr]', /found '\[value pr\]'/],
    [`x${'y'.repeat(MAX_FILTER_LENGTH)}`, /longer than 4096/],
  ])('rejects %j with invalidPath', (path, detail) => {
    const error = scimErrorOf(() => parsePatchPath(path));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidPath' });
    expect(error.detail).toMatch(detail);
  });

  it.each([
    ['emails[type eq]', /expected a value/],
    ['emails[type eq "work"', /expected '\]', 'and' or 'or'/],
    ['emails[type eq "work]', /unterminated string/],
    ['emails[]', /expected an attribute name/],
    ['emails[type equals "work"]', /unknown operator 'equals'/],
    ['emails[emails.type eq "work"]', /expected a sub-attribute name/],
  ])('rejects the broken value filter in %j with invalidFilter (RFC 7644 §3.12)', (path, detail) => {
    const error = scimErrorOf(() => parsePatchPath(path));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter' });
    expect(error.detail).toMatch(detail);
  });
});

describe('SCIM errors', () => {
  it.each([
    [invalidFilter, 400, 'invalidFilter'], [invalidPath, 400, 'invalidPath'], [invalidValue, 400, 'invalidValue'],
    [invalidSyntax, 400, 'invalidSyntax'], [noTarget, 400, 'noTarget'], [mutability, 400, 'mutability'],
    [tooMany, 400, 'tooMany'], [uniqueness, 409, 'uniqueness'],
  ] as const)('%p makes the RFC 7644 §3.12 body', (make, status, scimType) => {
    const error = make('what went wrong');
    expect(error).toBeInstanceOf(ScimError);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('what went wrong');
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), scimType,
      detail: 'what went wrong',
    });
  });

  it('leaves scimType out when there is none', () => {
    expect(notFound('User 7 not found').toJSON()).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404', detail: 'User 7 not found',
    });
    expect(notFound('x')).toMatchObject({ status: 404, code: 'not_found' });
  });
});
