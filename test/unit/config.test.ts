import { ConfigError, loadConfig } from '../../server/config.js';

const base = { DATA_DIR: '/tmp/gatehouse-config-test' };

describe('configuration from the environment', () => {
  it('refuses a first-admin password that the password policy would refuse, naming ADMIN_PASSWORD', () => {
    for (const password of ['short', 'password1234']) {
      expect(() => loadConfig({ ...base, ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: password })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: password })).toThrow(/ADMIN_PASSWORD/);
    }
    expect(loadConfig({ ...base, ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'change-me-now-please' }).admin?.email).toBe('admin@example.com');
  });

  it('takes MFA_SEALING_KEY as 32 bytes of base64 and refuses anything else, naming it', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ ...base, MFA_SEALING_KEY: key }).mfaSealingKey).toEqual(Buffer.alloc(32, 7));
    expect(loadConfig(base).mfaSealingKey).toBeUndefined();
    for (const bad of [Buffer.alloc(16).toString('base64'), 'not base64 at all, but long enough to pass a length check']) {
      expect(() => loadConfig({ ...base, MFA_SEALING_KEY: bad })).toThrow(/MFA_SEALING_KEY/);
    }
  });
});
