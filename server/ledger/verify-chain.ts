import type { Db } from '../db.js';
import { eventHash, GENESIS_HASH, type AuditEventRow } from './ledger.js';
import { checkpointSignatureValid, type Checkpoint } from './checkpoints.js';
import type { LedgerKey } from './signing-key.js';

export type ChainVerification =
  | { ok: true; count: number; head: string; checkpoint: { seq: number; at: string } | null }
  | { ok: false; count: number; brokenSeq: number; reason: string };

export interface VerifyOptions {
  /** Signed checkpoints to hold the chain to (loadCheckpoints), verified with `key`. */
  checkpoints?: Checkpoint[];
  key?: LedgerKey;
  /** Called after every batch: events verified so far, and the head seq when verification began. */
  onProgress?: (verified: number, total: number) => void;
}

const BATCH = 10_000;

/**
 * Recomputes the hash chain from the first event: any edited, deleted, inserted or reordered row
 * breaks it at that row's seq. Then holds it to the signed checkpoints: a chain that is shorter
 * than a checkpoint lost its tail; one whose hash at a checkpoint's seq differs was rewritten and
 * re-hashed. Reads in keyset batches so a long ledger never sits in memory.
 *
 * Checkpoints are loaded by the caller before the walk starts, so events appended meanwhile can only
 * lengthen the chain past them, never make it look cut.
 */
export async function verifyChain(db: Db, opts: VerifyOptions = {}): Promise<ChainVerification> {
  const checkpoints = [...(opts.checkpoints ?? [])].sort((a, b) => a.seq - b.seq);
  for (const c of checkpoints) {
    if (!opts.key || !checkpointSignatureValid(opts.key, c)) {
      return { ok: false, count: 0, brokenSeq: c.seq, reason: `the checkpoint at seq ${c.seq} does not carry a valid signature of the ledger key` };
    }
  }
  const bySeq = new Map(checkpoints.map((c) => [c.seq, c]));
  const total = opts.onProgress ? Number((await db('auditEvents').max({ max: 'seq' }).first())?.max ?? 0) : 0;

  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  let lastCheckpoint: Checkpoint | null = null;
  const batchFrom = (seq: number): Promise<AuditEventRow[]> => db('auditEvents').where('seq', '>=', seq).orderBy('seq').limit(BATCH);
  const prefetch = (seq: number) => {
    const batch = batchFrom(seq);
    // A verdict can come before this read ends; its failure then concerns no one.
    batch.catch(() => undefined);
    return batch;
  };
  let next = prefetch(1);
  for (;;) {
    const rows = await next;
    if (rows.length === 0) break;
    // The next batch is read (by the database, off this thread) while this one is hashed. It starts
    // where this batch ends, so a row missing here shows up as a gap below, never as a skip.
    next = prefetch(Number(rows[rows.length - 1]!.seq) + 1);
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) return { ok: false, count, brokenSeq: expectedSeq, reason: `event ${expectedSeq} is missing` };
      if (row.prevHash !== prevHash) return { ok: false, count, brokenSeq: seq, reason: 'prev_hash does not match the previous event' };
      if (eventHash(prevHash, row) !== row.hash) return { ok: false, count, brokenSeq: seq, reason: 'hash does not match the event' };
      const checkpoint = bySeq.get(seq);
      if (checkpoint && checkpoint.headHash !== row.hash) {
        const after = lastCheckpoint ? `after seq ${lastCheckpoint.seq}` : 'from the start';
        return { ok: false, count, brokenSeq: seq, reason: `the chain was rewritten ${after}: its hash at seq ${seq} differs from the checkpoint signed at ${checkpoint.at}` };
      }
      if (checkpoint) lastCheckpoint = checkpoint;
      prevHash = row.hash;
      expectedSeq = seq + 1;
      count++;
    }
    opts.onProgress?.(count, Math.max(total, count));
  }
  const beyond = checkpoints.find((c) => c.seq > count);
  if (beyond) {
    return {
      ok: false,
      count,
      brokenSeq: count + 1,
      reason: `events ${count + 1} to ${beyond.seq} are missing: the tail was cut off (checkpoint signed at ${beyond.at} covers seq ${beyond.seq})`,
    };
  }
  return { ok: true, count, head: prevHash, checkpoint: lastCheckpoint ? { seq: lastCheckpoint.seq, at: lastCheckpoint.at } : null };
}
