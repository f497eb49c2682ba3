// database-independent: verify.mjs against the ledger's own code, in memory.
import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { eventHash as serverEventHash, GENESIS_HASH } from '../../../server/ledger/ledger.js';
import { canonicalJson as serverCanonicalJson } from '../../../server/ledger/canonical-json.js';
import { signCheckpoint } from '../../../server/ledger/checkpoints.js';
import { canonicalJson, eventHash, keyIdOf, CHECKPOINT_SIGNATURE_PREFIX } from '../../../server/archives/verify.mjs';
import { verify } from 'node:crypto';
import { loadLedgerKey } from '../../../server/ledger/signing-key.js';

const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constantFrom('', '"', '\\', '\n', '\u2028', '\u0000', '😀', 'é'));
const nullable = fc.option(text, { nil: null });
const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
const event = fc.record({
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  at: fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2999-12-31') }).map((d) => d.toISOString()),
  actorId: nullable,
  action: text,
  subjectType: nullable,
  subjectId: nullable,
  roomId: nullable,
  decision: fc.constantFrom('allow' as const, 'deny' as const),
  // The stored column: canonical JSON of the details, as the ledger writes it.
  details: fc.dictionary(text, fc.jsonValue()).map((d) => serverCanonicalJson(d)),
});

describe('verify.mjs, the checker shipped in every archive', () => {
  it('hashes every event exactly as the server ledger does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(GENESIS_HASH), hex), event, (prevHash, e) => {
        expect(eventHash(prevHash, e)).toBe(serverEventHash(prevHash, e));
      }),
      { numRuns: 2000 },
    );
  });

  it('hashes an event read back from a JSON line as the server hashed the row', () => {
    fc.assert(
      fc.property(hex, event, (prevHash, e) => {
        const line = JSON.parse(JSON.stringify({ ...e, prevHash, hash: serverEventHash(prevHash, e) }));
        expect(eventHash(line.prevHash, line)).toBe(line.hash);
      }),
      { numRuns: 500 },
    );
  });

  it('writes canonical JSON as the server does', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => expect(canonicalJson(v)).toBe(serverCanonicalJson(v))), { numRuns: 1000 });
  });

  it("checks a checkpoint the server signed, under the server's key id", () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const key = loadLedgerKey({ signingKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), signingKeyFile: '/nonexistent', checkpointEveryEvents: 1, checkpointEveryMs: 1 });
    const { publicKey } = key;
    expect(keyIdOf(publicKey)).toBe(key.keyId);
    const c = signCheckpoint(key, { seq: 42, headHash: 'a'.repeat(64), at: '2026-12-14T00:00:00.000Z' });
    const message = Buffer.from(CHECKPOINT_SIGNATURE_PREFIX + canonicalJson({ seq: c.seq, headHash: c.headHash, at: c.at, keyId: c.keyId }));
    expect(verify(null, message, publicKey, Buffer.from(c.signature, 'base64'))).toBe(true);
    expect(c.keyId).toHaveLength(16);
  });
});
