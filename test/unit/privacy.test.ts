import { effectiveLevels, mayRelease, splitByPrivacy, type PrivacyLevels } from '../../src/users/privacy.js';
import { DEFAULT_PRIVACY } from '../../src/config/config.js';

const levels: PrivacyLevels = {
  nickname: 'public', given_name: 'on_request', family_name: 'on_request', birthdate: 'private',
  picture: 'public', email: 'on_request', phone_number: 'private',
};

describe('privacy split', () => {
  it('splits requested claims into the fields behind them, by level', () => {
    const split = splitByPrivacy(['sub', 'nickname', 'email', 'email_verified', 'birthdate', 'phone_number_verified',
      'given_name'], levels);
    expect(split).toEqual({ private: ['birthdate', 'phone_number'], onRequest: ['email', 'given_name'],
      public: ['nickname'] });
  });

  it('lets email_verified follow the level of email', () => {
    expect(mayRelease('email_verified', { ...levels, email: 'private' }, new Set(['email']))).toBe(false);
    expect(mayRelease('email_verified', { ...levels, email: 'public' }, new Set())).toBe(true);
  });

  it('releases on_request claims only with consent, private never, public always', () => {
    expect(mayRelease('email', levels, new Set())).toBe(false);
    expect(mayRelease('email', levels, new Set(['email']))).toBe(true);
    expect(mayRelease('birthdate', levels, new Set(['birthdate']))).toBe(false);
    expect(mayRelease('nickname', levels, new Set())).toBe(true);
    expect(mayRelease('sub', levels, new Set())).toBe(true);
  });

  it('takes stored levels over defaults and ignores garbage', () => {
    const result = effectiveLevels({ email: 'public', birthdate: 'nonsense', unknown: 'public' }, DEFAULT_PRIVACY);
    expect(result.email).toBe('public');
    expect(result.birthdate).toBe(DEFAULT_PRIVACY.birthdate);
    expect(Object.keys(result)).toHaveLength(7);
  });
});
