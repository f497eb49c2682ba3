import { Readable } from 'node:stream';
import { sign, verify } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../db.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { ObjectNotFoundError } from '../../storage/object-store.js';
import { isoNow } from '../clock.js';
import { canonicalJson } from './canonical-json.js';
import type { LedgerKey } from './signing-key.js';

/** A signed statement "the ledger had `seq` events and its head hash was `headHash` at `at`". */
export interface Checkpoint {
  seq: number;
  headHash: string;
  at: string;
  keyId: string;
  /** base64 Ed25519 signature of checkpointMessage(). */
  signature: string;
}

const LATEST_KEY = 'ledger/checkpoints/latest.json';
const checkpointObjectKey = (seq: number) => `ledger/checkpoints/${String(seq).padStart(20, '0')}.json`;

/** The signed bytes; the prefix keeps a checkpoint signature from meaning anything else. */
const checkpointMessage = (c: Pick<Checkpoint, 'seq' | 'headHash' | 'at' | 'keyId'>) =>
  Buffer.from(`gatehouse-ledger-checkpoint-v1\n${canonicalJson({ seq: c.seq, headHash: c.headHash, at: c.at, keyId: c.keyId })}`);

export function signCheckpoint(key: LedgerKey, head: { seq: number; headHash: string; at: string }): Checkpoint {
  const unsigned = { ...head, keyId: key.keyId };
  return { ...unsigned, signature: sign(null, checkpointMessage(unsigned), key.privateKey).toString('base64') };
}

export function checkpointSignatureValid(key: LedgerKey, c: Checkpoint): boolean {
  if (c.keyId !== key.keyId) return false;
  try {
    return verify(null, checkpointMessage(c), key.publicKey, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

const toCheckpoint = (row: { seq: number | string; headHash: string; at: string; keyId: string; signature: string }): Checkpoint => ({
  seq: Number(row.seq),
  headHash: row.headHash,
  at: row.at,
  keyId: row.keyId,
  signature: row.signature,
});

async function readStoredCheckpoint(store: ObjectStore, objectKey: string): Promise<Checkpoint | null> {
  let stream: Readable;
  try {
    stream = await store.get(objectKey);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return null;
    throw err;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  try {
    return toCheckpoint(JSON.parse(Buffer.concat(chunks).toString('utf8')));
  } catch {
    // An unreadable latest checkpoint is itself tampering: report it as a checkpoint that cannot verify.
    return { seq: 0, headHash: '', at: '', keyId: '', signature: '' };
  }
}

/**
 * Signs the ledger's committed head and keeps the checkpoint twice: a row in audit_checkpoints and
 * objects in the object store (one per checkpoint, and `latest.json`). Someone who cuts the tail
 * off the chain in the database must also reach the object store to hide it.
 */
export async function writeCheckpoint(db: Db, store: ObjectStore, key: LedgerKey): Promise<Checkpoint | null> {
  const head: { seq: number | string; hash: string } | undefined = await db('auditEvents').orderBy('seq', 'desc').first('seq', 'hash');
  if (!head) return null;
  const existing = await db('auditCheckpoints').where({ seq: Number(head.seq) }).first();
  const checkpoint = existing ? toCheckpoint(existing) : signCheckpoint(key, { seq: Number(head.seq), headHash: head.hash, at: isoNow() });
  // Two processes may sign the same head at once: the first row wins, and the other's is the same statement.
  if (!existing) await db('auditCheckpoints').insert(checkpoint).onConflict('seq').ignore();
  const body = JSON.stringify(checkpoint);
  await store.put(checkpointObjectKey(checkpoint.seq), Readable.from([Buffer.from(body)]));
  const latest = await readStoredCheckpoint(store, LATEST_KEY);
  if (!latest || latest.seq < checkpoint.seq) await store.put(LATEST_KEY, Readable.from([Buffer.from(body)]));
  return checkpoint;
}

/**
 * Every checkpoint verification must honour: the rows in the database and the latest one in the
 * object store (which survives someone deleting the rows together with the tail they sign).
 */
export async function loadCheckpoints(db: Db, store: ObjectStore): Promise<Checkpoint[]> {
  const rows = (await db('auditCheckpoints').orderBy('seq').select()).map(toCheckpoint);
  const latest = await readStoredCheckpoint(store, LATEST_KEY);
  const all = latest ? [...rows, latest] : rows;
  const seen = new Set<string>();
  return all
    .filter((c) => {
      const id = `${c.seq}:${c.headHash}:${c.signature}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    })
    .sort((a, b) => a.seq - b.seq);
}

/**
 * Writes a checkpoint whenever `everyEvents` events were appended since the last one, or `everyMs`
 * passed with anything new. It polls the committed head rather than hooking appends, so it never
 * runs inside (or delays) the transactions that append; `stop()` writes a last one at shutdown.
 */
export function startCheckpointer(opts: {
  db: Db;
  store: ObjectStore;
  key: LedgerKey;
  everyEvents: number;
  everyMs: number;
  pollMs?: number;
  logger: Logger;
}): { stop(): Promise<void> } {
  const { db, store, key, everyEvents, everyMs, logger } = opts;
  let running: Promise<unknown> = Promise.resolve();
  const tick = async () => {
    const head: { seq: number | string } | undefined = await db('auditEvents').orderBy('seq', 'desc').first('seq');
    if (!head) return;
    const last: { seq: number | string; at: string } | undefined = await db('auditCheckpoints').orderBy('seq', 'desc').first('seq', 'at');
    const pending = Number(head.seq) - (last ? Number(last.seq) : 0);
    const age = last ? Date.now() - Date.parse(last.at) : Infinity;
    if (pending >= everyEvents || (pending > 0 && age >= everyMs)) {
      const c = await writeCheckpoint(db, store, key);
      logger.debug({ seq: c?.seq }, 'ledger checkpoint written');
    }
  };
  const timer = setInterval(() => {
    running = running.then(tick).catch((err: unknown) => logger.warn({ err }, 'ledger checkpoint failed; retrying at the next interval'));
  }, opts.pollMs ?? Math.min(everyMs, 5_000));
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await writeCheckpoint(db, store, key).catch((err: unknown) => logger.warn({ err }, 'final ledger checkpoint failed'));
    },
  };
}
