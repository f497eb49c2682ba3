import type { Db } from '../db.js';
import { eventHash, GENESIS_HASH, type AuditEventRow } from './ledger.js';

export type ChainVerification =
  | { ok: true; count: number; head: string }
  | { ok: false; count: number; brokenSeq: number; reason: string };

const BATCH = 5000;

/**
 * Recomputes the hash chain from the first event: any edited, deleted, inserted or reordered row
 * breaks it at that row's seq. Reads in keyset batches so a long ledger never sits in memory.
 */
export async function verifyChain(db: Db): Promise<ChainVerification> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (;;) {
    const rows: AuditEventRow[] = await db('auditEvents').where('seq', '>=', expectedSeq).orderBy('seq').limit(BATCH);
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) return { ok: false, count, brokenSeq: expectedSeq, reason: `event ${expectedSeq} is missing` };
      if (row.prevHash !== prevHash) return { ok: false, count, brokenSeq: seq, reason: 'prev_hash does not match the previous event' };
      if (eventHash(prevHash, row) !== row.hash) return { ok: false, count, brokenSeq: seq, reason: 'hash does not match the event' };
      prevHash = row.hash;
      expectedSeq = seq + 1;
      count++;
    }
  }
  return { ok: true, count, head: prevHash };
}
