import { ConfigError, loadConfig } from '../../src/config/config.js';

describe('config', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.issuer).toBe('http://localhost:3000');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.bcryptCost).toBe(12);
  });

  it('derives the issuer from PORT and honours ISSUER', () => {
    expect(loadConfig({ PORT: '4000' }).issuer).toBe('http://localhost:4000');
    expect(loadConfig({ ISSUER: 'https://id.example.com/' }).issuer).toBe('https://id.example.com');
  });

  it('lists every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'x', BCRYPT_COST: '2', FOYER_ADMIN_LOGIN: 'root', FOYER_PRIVACY_DEFAULTS: 'email=secret' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/BCRYPT_COST/);
      expect(problems).toMatch(/FOYER_ADMIN_LOGIN, FOYER_ADMIN_EMAIL and FOYER_ADMIN_PASSWORD/);
      expect(problems).toMatch(/FOYER_PRIVACY_DEFAULTS/);
    }
  });

  it('reads privacy defaults', () => {
    expect(loadConfig({ FOYER_PRIVACY_DEFAULTS: 'email=public, birthdate=on_request' }).privacyDefaults)
      .toMatchObject({ email: 'public', birthdate: 'on_request' });
  });
});
