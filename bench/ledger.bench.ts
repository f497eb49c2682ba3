/*
 * A1 of docs/quality.md: the audit ledger.
 * - append: appendAuditEvent alone (its own commit: on SQLite one INSERT chained on the known head,
 *   on PostgreSQL a locked transaction) against the baseline of a plain INSERT of the same row
 *   committed on its own (autocommit: a transaction of its own, fsynced alike); and inside a
 *   change's transaction against plain INSERTs in one transaction. On SQLite, and on PostgreSQL
 *   too when BENCH_DATABASE_URL is set.
 * - verify: the whole check the API and `npm run audit:verify` run (verifyLedgerIntegrity: the hash
 *   chain, and every signed checkpoint held to it) over BENCH_LEDGER_EVENTS (default 1,000,000)
 *   events with a checkpoint every 1,000 (the server's default), against the baseline of reading
 *   the same rows in the same keyset batches without hashing.
 * Runs alone with `npm run bench:ledger`, or within `npm run bench`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import knexFactory from 'knex';
import { createDb, migrateToLatest, type Db } from '../server/db.js';
import { appendAuditEvent, eventHash, GENESIS_HASH, type AuditEventRow } from '../server/ledger/ledger.js';
import { canonicalJson } from '../server/ledger/canonical-json.js';
import { signCheckpoint, writeCheckpoint } from '../server/ledger/checkpoints.js';
import { loadLedgerKey, type LedgerKey } from '../server/ledger/signing-key.js';
import { verifyLedgerIntegrity } from '../server/ledger/verify-ledger.js';
import { loadConfig } from '../server/config.js';
import { LocalDiskStore } from '../storage/local-disk-store.js';
import type { BenchFigure } from './bench-figure.js';

export const name = 'ledger';

const APPENDS = Number(process.env.BENCH_LEDGER_APPENDS ?? 2000);
const EVENTS = Number(process.env.BENCH_LEDGER_EVENTS ?? 1_000_000);

/** A download event as the server records them: realistic size of details. */
function sampleEvent(i: number) {
  return {
    actorId: randomUUID(),
    action: 'document.download',
    subjectType: 'Document',
    subjectId: randomUUID(),
    roomId: '7b0c2a44-1111-4a2b-9c55-000000000001',
    decision: 'allow' as const,
    details: { downloadId: `BENCH${String(i).padStart(7, '0')}`, versionId: randomUUID(), documentSha256: 'a'.repeat(64), sentSha256: 'b'.repeat(64), ndaIds: [randomUUID()], ip: '10.0.0.1' },
  };
}

async function freshDb(databaseUrl?: string): Promise<{ db: Db; dataDir: string; cleanup(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-ledger-'));
  if (!databaseUrl) {
    const db = createDb({ dataDir });
    await migrateToLatest(db);
    return { db, dataDir, cleanup: async () => { await db.destroy(); fs.rmSync(dataDir, { recursive: true, force: true }); } };
  }
  const schema = `gh_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`create schema ${schema}`);
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const db = createDb({ dataDir, databaseUrl: url.toString() });
  await migrateToLatest(db);
  return {
    db,
    dataDir,
    cleanup: async () => {
      await db.destroy();
      await admin.raw(`drop schema ${schema} cascade`);
      await admin.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function appendFigures(label: string, databaseUrl?: string): Promise<BenchFigure[]> {
  const { db, cleanup } = await freshDb(databaseUrl);
  try {
    // The baseline row: the same columns, hashed ahead of time, into a table of the same shape.
    await db.schema.createTable('bench_plain_events', (t) => {
      t.bigInteger('seq').primary();
      t.string('at', 24);
      t.string('actor_id', 36);
      t.string('action', 64);
      t.string('subject_type', 32);
      t.string('subject_id', 64);
      t.string('room_id', 36);
      t.string('decision', 8);
      t.text('details');
      t.string('prev_hash', 64);
      t.string('hash', 64).unique();
    });
    for (let i = 0; i < 200; i++) await appendAuditEvent(db, sampleEvent(i)); // warm-up
    const plainRows = Array.from({ length: APPENDS }, (_, i) => {
      const e = sampleEvent(i);
      const row = { ...e, seq: i + 1, at: new Date().toISOString(), details: canonicalJson(e.details), prevHash: GENESIS_HASH };
      return { ...row, hash: eventHash(GENESIS_HASH, row) };
    });
    // Interleaved rounds so that drift in machine load hits both sides alike.
    let plainMs = 0;
    let appendMs = 0;
    const rounds = 10;
    const perRound = APPENDS / rounds;
    for (let r = 0; r < rounds; r++) {
      let t0 = performance.now();
      // Like for like: the ledger's SQLite append is one INSERT committed on its own, so the baseline
      // is too (autocommit is a transaction of its own, with the same commit and fsync).
      for (const row of plainRows.slice(r * perRound, (r + 1) * perRound)) await db('benchPlainEvents').insert(row);
      plainMs += performance.now() - t0;
      t0 = performance.now();
      for (let i = 0; i < perRound; i++) await appendAuditEvent(db, sampleEvent(i));
      appendMs += performance.now() - t0;
    }
    const perAppend = appendMs / APPENDS;
    const perPlain = plainMs / APPENDS;
    // In the server an event is appended inside the transaction of the change it records, so the
    // commit is paid by the change anyway: this is the cost the ledger adds to such a transaction.
    const inOne = plainRows.map((row, i) => ({ ...row, seq: APPENDS + i + 1, hash: `${row.hash.slice(0, 56)}${String(i).padStart(8, '0')}` }));
    let t0 = performance.now();
    await db.transaction(async (trx) => {
      for (const row of inOne) await trx('benchPlainEvents').insert(row);
    });
    const plainInTrx = (performance.now() - t0) / APPENDS;
    t0 = performance.now();
    await db.transaction(async (trx) => {
      for (let i = 0; i < APPENDS; i++) await appendAuditEvent(trx, sampleEvent(i));
    });
    const appendInTrx = (performance.now() - t0) / APPENDS;
    const marginal: BenchFigure = {
      id: 'A1',
      what: `ledger append inside the recorded change's transaction, ${label} (${APPENDS} appends)`,
      figure: `${(appendInTrx * 1000).toFixed(0)} µs per append`,
      baseline: `${(plainInTrx * 1000).toFixed(0)} µs per plain INSERT of the same row in one transaction`,
      ratio: appendInTrx / plainInTrx,
      ratioText: `${(appendInTrx / plainInTrx).toFixed(2)}×`,
      target: '< 1 ms per append',
      met: appendInTrx < 1,
    };
    return [marginal, {
      id: 'A1',
      what: `ledger append in a transaction of its own, ${label} (${APPENDS} appends, commit included)`,
      figure: `${(perAppend * 1000).toFixed(0)} µs per append`,
      baseline: `${(perPlain * 1000).toFixed(0)} µs per plain INSERT of the same row committed on its own (autocommit)`,
      ratio: perAppend / perPlain,
      ratioText: `${(perAppend / perPlain).toFixed(2)}×`,
      target: '< 1 ms per append',
      met: perAppend < 1,
    }];
  } finally {
    await cleanup();
  }
}

/** The server's default AUDIT_CHECKPOINT_EVERY_EVENTS. */
const CHECKPOINT_EVERY = 1000;

/**
 * Writes a valid chain of `count` events straight into the table, in big transactions, with a
 * checkpoint signed every CHECKPOINT_EVERY events as the server's checkpointer would, and the last
 * one also in the object store (where verification finds the latest).
 */
async function fillLedger(db: Db, store: LocalDiskStore, key: LedgerKey, count: number) {
  let prevHash = GENESIS_HASH;
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  const BATCH = 500; // 11 columns × 500 rows stays under SQLite's bound-parameter limit
  for (let seq = 1; seq <= count; ) {
    await db.transaction(async (trx) => {
      for (let chunk = 0; chunk < 40 && seq <= count; chunk++) {
        const rows: AuditEventRow[] = [];
        for (let i = 0; i < BATCH && seq <= count; i++, seq++) {
          const e = sampleEvent(seq);
          const row = { ...e, seq, at: new Date(start + seq).toISOString(), details: canonicalJson(e.details) };
          const hash = eventHash(prevHash, row);
          rows.push({ ...row, prevHash, hash });
          prevHash = hash;
        }
        await trx('auditEvents').insert(rows);
        const head = rows[rows.length - 1]!;
        if (head.seq % CHECKPOINT_EVERY === 0) await trx('auditCheckpoints').insert(signCheckpoint(key, { seq: head.seq, headHash: head.hash, at: head.at }));
      }
    });
  }
  await writeCheckpoint(db, store, key);
}

async function verifyFigure(): Promise<BenchFigure> {
  const { db, dataDir, cleanup } = await freshDb();
  try {
    const config = loadConfig({ DATA_DIR: dataDir });
    const store = new LocalDiskStore(path.join(dataDir, 'store'));
    await store.init();
    const t0 = performance.now();
    await fillLedger(db, store, loadLedgerKey(config.audit), EVENTS);
    const fillMs = performance.now() - t0;
    // Baseline: the same keyset batches read, no hashing.
    let t1 = performance.now();
    let read = 0;
    for (let after = 0; ; ) {
      const rows: AuditEventRow[] = await db('auditEvents').where('seq', '>', after).orderBy('seq').limit(10_000);
      if (!rows.length) break;
      read += rows.length;
      after = Number(rows[rows.length - 1].seq);
    }
    const readMs = performance.now() - t1;
    t1 = performance.now();
    const result = await verifyLedgerIntegrity({ db, store, config });
    const verifyMs = performance.now() - t1;
    // Held to every checkpoint: the last one signed the head, so a verification that skipped them would show here.
    if (!result.ok || result.count !== EVENTS || result.checkpoint?.seq !== EVENTS || read !== EVENTS) throw new Error(`bench ledger did not verify: ${JSON.stringify(result)}`);
    const checkpoints = Number((await db('auditCheckpoints').count({ n: '*' }).first())?.n);
    return {
      id: 'A1',
      what: `verify ${EVENTS.toLocaleString('en')} events on SQLite (chain recomputed from the first event, held to ${checkpoints.toLocaleString('en')} signed checkpoints)`,
      figure: `${(verifyMs / 1000).toFixed(1)} s`,
      baseline: `${(readMs / 1000).toFixed(1)} s reading the same rows without hashing`,
      ratio: verifyMs / readMs,
      ratioText: `${(verifyMs / readMs).toFixed(2)}×`,
      target: '< 30 s for 1,000,000 events',
      met: verifyMs < 30_000 * (EVENTS / 1_000_000),
      details: { fillSeconds: Number((fillMs / 1000).toFixed(1)) },
    };
  } finally {
    await cleanup();
  }
}

export async function run(): Promise<BenchFigure[]> {
  const figures = await appendFigures('SQLite');
  if (process.env.BENCH_DATABASE_URL) figures.push(...(await appendFigures('PostgreSQL', process.env.BENCH_DATABASE_URL)));
  figures.push(await verifyFigure());
  return figures;
}
