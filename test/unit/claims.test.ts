import Provider from 'oidc-provider';
import type { User } from '../../src/db/entities/user.entity.js';
import type { PrivacyLevels } from '../../src/users/privacy.js';
import { recordDecisions, undecidedFields } from '../../src/oidc/account.js';
import { releasableClaims, requestedClaims } from '../../src/oidc/claims.js';

const levels: PrivacyLevels = {
  nickname: 'public', given_name: 'on_request', family_name: 'public', birthdate: 'private',
  picture: 'public', email: 'on_request', phone_number: 'private',
};

function user(overrides: Partial<User> = {}): User {
  return {
    id: '42', login: 'alice', email: 'alice@example.com', emailVerified: true, phoneNumber: '+14155550123',
    phoneNumberVerified: false,
    nickname: 'Wonder', givenName: 'Alice', familyName: 'Liddell', birthdate: '1990-05-04', picture: null,
    passwordHash: null, passwordUpdatedAt: null, customFields: {}, role: 'MEMBER', organizationId: null,
    blocked: false, blockedAt: null, lockedAt: null, lockedReason: null, lockedUntil: null, deletionScheduledAt: null,
    claimPrivacy: {}, lastSignInAt: null, invitedAt: null, passwordResetRequired: false,
    passwordChangeRequired: false, externalId: null, serviceAccount: false, failedSignIns: 0, failedSignInsSince: null,
    createdAt: new Date(0), updatedAt: new Date(1_700_000_000_000),
    ...overrides,
  };
}

describe('releasable claims', () => {
  it('releases public claims, consented on-request claims, never private ones', () => {
    const claims = releasableClaims(user(), levels, new Set(['email', 'email_verified']));
    expect(claims).toEqual({
      sub: '42', updated_at: 1_700_000_000, nickname: 'Wonder', family_name: 'Liddell',
      email: 'alice@example.com', email_verified: true, name: 'Liddell',
    });
  });

  it('builds name only from the parts that may be released', () => {
    expect(releasableClaims(user(), levels, new Set(['given_name'])).name).toBe('Alice Liddell');
    expect(releasableClaims(user(), { ...levels, family_name: 'private' }, new Set())).not.toHaveProperty('name');
  });

  it('leaves out empty fields', () => {
    expect(releasableClaims(user({ nickname: null }), levels, new Set())).not.toHaveProperty('nickname');
  });

  it('maps scopes to the claims they cover', () => {
    expect([...requestedClaims(['openid', 'email', 'unknown'])]).toEqual(['sub', 'email', 'email_verified']);
  });
});

describe('consent decisions in a grant', () => {
  const provider = new Provider('http://127.0.0.1', {});
  const newGrant = () => new provider.Grant({ accountId: '42', clientId: 'app' });
  const requested = requestedClaims(['openid', 'profile', 'email', 'phone']);

  it('asks about on-request fields the user has a value for, until decided', () => {
    const grant = newGrant();
    expect(undecidedFields(requested, user(), levels, grant).sort()).toEqual(['email', 'given_name']);
    expect(undecidedFields(requested, user({ givenName: null }), levels, grant)).toEqual(['email']);
    recordDecisions(grant, ['email'], ['given_name']);
    expect(undecidedFields(requested, user(), levels, grant)).toEqual([]);
    expect(grant.getOIDCClaims()).toEqual(['email', 'email_verified']);
    expect(grant.getRejectedOIDCClaims()).toEqual(['given_name']);
  });

  it('asks again on prompt=consent, and a new approval lifts an earlier refusal', () => {
    const grant = newGrant();
    recordDecisions(grant, [], ['email']);
    expect(undecidedFields(requested, user(), levels, grant, true).sort()).toEqual(['email', 'given_name']);
    recordDecisions(grant, ['email'], []);
    expect(grant.getOIDCClaims()).toEqual(['email', 'email_verified']);
    expect(grant.getRejectedOIDCClaims()).toEqual([]);
  });
});

describe('custom fields', () => {
  const withCustom = { ...levels, 'custom_fields.country': 'public', 'custom_fields.badge': 'on_request',
    'custom_fields.salary': 'private' } as typeof levels;
  const u = user({ customFields: { country: 'Russia', badge: 'AB-1', salary: 100, retired: 'old' } });

  it('releases each custom field by its own level, inside the custom_fields claim', () => {
    expect(releasableClaims(u, withCustom, new Set()).custom_fields).toEqual({ country: 'Russia' });
    expect(releasableClaims(u, withCustom, new Set(['custom_fields.badge'])).custom_fields).toEqual({ country: 'Russia',
      badge: 'AB-1' });
  });

  it('leaves the claim out when nothing may be released, and never releases undefined fields', () => {
    expect(releasableClaims(u, { ...withCustom, 'custom_fields.country': 'private' },
      new Set())).not.toHaveProperty('custom_fields');
  });

  it('asks about on-request custom fields the user has a value for', () => {
    expect(undecidedFields(requestedClaims(['openid', 'profile']), u, withCustom, undefined)).toEqual(['given_name',
      'custom_fields.badge']);
    expect(undecidedFields(requestedClaims(['openid', 'profile']), user(), withCustom,
      undefined)).toEqual(['given_name']);
  });
});
