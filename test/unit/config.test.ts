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

  it('refuses TRUST_PROXY=true, naming it: it would believe an X-Forwarded-For any client can forge', () => {
    for (const value of ['true', 'TRUE', ' true ']) {
      expect(() => loadConfig({ ...base, TRUST_PROXY: value })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
    }
  });

  it('takes TRUST_PROXY as a hop count or as the proxies\' addresses, ranges and names, and refuses anything else', () => {
    expect(loadConfig(base).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: 'loopback, 10.0.0.0/8,192.168.1.5,fd00::/8' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', '192.168.1.5', 'fd00::/8']);
    expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8' }).session.secureCookie).toBe(true);
    for (const bad of ['yes', 'all', '10.0.0.0/33', 'loopback,', '1.5', '*']) {
      expect(() => loadConfig({ ...base, TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
    }
  });

  it('lets API tokens live 90 days unless API_TOKEN_TTL_DAYS says otherwise, and refuses a lifetime of none, naming it', () => {
    expect(loadConfig(base).apiTokenTtlMs).toBe(90 * 86_400_000);
    expect(loadConfig({ ...base, API_TOKEN_TTL_DAYS: '7' }).apiTokenTtlMs).toBe(7 * 86_400_000);
    for (const bad of ['0', '-1', 'forever']) expect(() => loadConfig({ ...base, API_TOKEN_TTL_DAYS: bad })).toThrow(/API_TOKEN_TTL_DAYS/);
  });
});
