import os from 'node:os';
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

  it('caps image stamps at one per user and the usable cores (at most four) in all unless told otherwise, and refuses a cap below one, naming it', () => {
    expect(loadConfig(base).imageStamps).toEqual({ perUser: 1, total: Math.max(1, Math.min(4, os.availableParallelism())) });
    expect(loadConfig({ ...base, IMAGE_STAMPS_PER_USER: '2', IMAGE_STAMPS_TOTAL: '6' }).imageStamps).toEqual({ perUser: 2, total: 6 });
    for (const name of ['IMAGE_STAMPS_PER_USER', 'IMAGE_STAMPS_TOTAL']) {
      for (const bad of ['0', '1.5', 'many']) {
        expect(() => loadConfig({ ...base, [name]: bad })).toThrow(new RegExp(name));
      }
    }
  });
});
