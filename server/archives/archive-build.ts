import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { sign } from 'node:crypto';
import type { Db } from '../db.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { ObjectNotFoundError } from '../../storage/object-store.js';
import { appendAuditEvent, type AuditEventRow } from '../ledger/ledger.js';
import { signCheckpoint, type Checkpoint } from '../ledger/checkpoints.js';
import type { LedgerKey } from '../ledger/signing-key.js';
import { isoNow } from '../clock.js';
import { zipEntryName } from '../folder-downloads/entry-names.js';
import type { ArchiveRow } from './repository.js';
import { ledgerSubjectsOf, loadScope, planFiles, planNdas, planQuestions, whereInPartySlice } from './archive-scope.js';
import { indexCsv } from './index-csv.js';
import { HashedZip } from './archive-zip.js';
import { archiveReadme } from './archive-readme.js';
import { MANIFEST_SIGNATURE_PREFIX } from './verify.mjs';

/** A reason the archive cannot be built that trying again will not change (a stored file gone or altered). */
export class ArchiveContentError extends Error {
  override name = 'ArchiveContentError';
}

export interface BuildInput {
  db: Db;
  store: ObjectStore;
  key: LedgerKey;
  archive: ArchiveRow;
  signal: AbortSignal;
  /** Called as files go in: the builder renews its lease and shows progress with it. */
  progress(done: number, total: number): void;
}

export interface BuiltArchive {
  size: number;
  sha256: string;
  documents: number;
  sealed: AuditEventRow;
}

/** The checker shipped in every archive, read once from beside this module. */
let verifySource: Promise<Buffer> | undefined;
const verifyScript = () => (verifySource ??= readFile(new URL('./verify.mjs', import.meta.url)));

const LEDGER_BATCH = 2_000;

/** A file name's extension if it is a plain one ("pdf", "xlsx"); anything else is dropped. */
function extensionOf(fileName: string | null, mimeType: string): string {
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(fileName ?? '')?.[1];
  if (ext) return `.${ext.toLowerCase()}`;
  return mimeType === 'application/pdf' ? '.pdf' : '';
}

/**
 * Builds the archive's ZIP straight into the object store, entry by entry: nothing of it is ever
 * whole in memory, whatever the size of the room. The ledger's tail is sealed with an event of the
 * archive's own, signed as a checkpoint, once every file is in: events recorded while the files were
 * written (the room stays in use) are in the archive too. The object is visible only once complete;
 * any failure (or `signal`) destroys the ZIP, so the store keeps nothing under its key.
 */
export async function buildArchive(input: BuildInput): Promise<BuiltArchive> {
  const { db, store, key, archive, signal } = input;
  const scope = await loadScope(db, archive.roomId, archive.partyId);
  if (!scope) throw new ArchiveContentError(archive.partyId ? 'The party no longer exists in this room.' : 'The room no longer exists.');
  const room: Record<string, unknown> = await db('rooms').where({ id: archive.roomId }).first();
  if (room.purgeStartedAt) throw new ArchiveContentError('The room has been purged: its files are gone.');

  const files = await planFiles(db, scope, isoNow());
  const ndas = await planNdas(db, scope);
  const questions = await planQuestions(db, scope);
  const total = files.length + ndas.length;
  let done = 0;
  input.progress(done, total);

  const names = zipEntryName.unique();
  const placed = files.map((file) => ({
    file,
    path: names.take(['documents'], `${file.index} ${file.title}${file.versions > 1 || scope.party ? ` - v${file.version}` : ''}`, extensionOf(file.fileName, file.mimeType)),
  }));
  const ndaPaths = ndas.map((n, i) => names.take(['ndas'], `${i + 1} ${n.orgName} - ${n.kind} - ${n.id.slice(0, 8)}`, extensionOf(n.fileName, 'application/pdf')));

  const zip = new HashedZip(new Date(archive.createdAt));
  const putting = store.put(archive.objectKey, zip.output);
  zip.consumedBy(putting);
  putting.catch(() => undefined);
  const onAbort = () => zip.abort(new Error('the archive build was stopped'));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const check = () => {
      if (signal.aborted) throw new Error('the archive build was stopped');
    };
    await zip.add('README.txt', archiveReadme({ room, party: scope.party, archive, documents: new Set(files.map((f) => f.documentId)).size }));
    await zip.add('verify.mjs', await verifyScript());
    await zip.add('ledger-public-key.pem', key.publicKey.export({ format: 'pem', type: 'spki' }).toString());
    await zip.add('index.csv', indexCsv(placed));

    for (const { file, path } of placed) {
      check();
      const added = await zip.add(path, await openStored(store, file.objectKey, `version ${file.version} of "${file.title}"`), { store: true });
      if (added.sha256 !== file.sha256) throw new ArchiveContentError(`The stored file of version ${file.version} of "${file.title}" (${file.documentId}) does not match its recorded SHA-256.`);
      input.progress(++done, total);
    }
    for (const [i, nda] of ndas.entries()) {
      check();
      const added = await zip.add(ndaPaths[i]!, await openStored(store, nda.objectKey, `the NDA ${nda.id}`), { store: true });
      if (added.sha256 !== nda.sha256) throw new ArchiveContentError(`The stored file of NDA ${nda.id} does not match its recorded SHA-256.`);
      input.progress(++done, total);
    }
    await zip.add('ndas.json', `${JSON.stringify(ndas.map(({ objectKey: _key, ...n }, i) => ({ ...n, file: ndaPaths[i] })), null, 2)}\n`);
    await zip.add('questions.json', `${JSON.stringify(questions, null, 2)}\n`);
    check();

    // The seal: an event of the room, signed as a checkpoint, that ends ledger.jsonl.
    const sealed = await appendAuditEvent(db, {
      actorId: archive.requestedBy,
      action: 'archive.sealed',
      subjectType: 'Archive',
      subjectId: archive.id,
      roomId: archive.roomId,
      decision: 'allow',
      details: { partyId: archive.partyId, documents: new Set(files.map((f) => f.documentId)).size, files: files.length, ndas: ndas.length, attempt: archive.attempts },
    });
    const seal = signCheckpoint(key, { seq: Number(sealed.seq), headHash: sealed.hash, at: isoNow() });
    const subjects = await ledgerSubjectsOf(db, scope, archive.id);
    let lines = 0;
    const ledger = await zip.add('ledger.jsonl', Readable.from(ledgerLines(db, archive.roomId, subjects, Number(sealed.seq), () => lines++, signal)));
    await zip.add('checkpoints.json', `${JSON.stringify([...(await storedCheckpointsIn(db, archive.roomId, subjects, Number(sealed.seq))), seal], null, 2)}\n`);

    const manifest = {
      format: 'gatehouse-archive/1',
      archiveId: archive.id,
      roomId: archive.roomId,
      roomName: room.name,
      codeName: room.codeName ?? null,
      partyId: scope.party?.id ?? null,
      partyName: scope.party?.name ?? null,
      requestedBy: archive.requestedBy,
      createdAt: archive.createdAt,
      sealedAt: seal.at,
      keyId: key.keyId,
      documents: new Set(files.map((f) => f.documentId)).size,
      sealed: { seq: Number(sealed.seq), hash: sealed.hash },
      ledger: { path: 'ledger.jsonl', lines, sha256: ledger.sha256 },
      files: zip.files,
    };
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
    const signature = sign(null, Buffer.concat([Buffer.from(MANIFEST_SIGNATURE_PREFIX, 'utf8'), manifestBytes]), key.privateKey).toString('base64');
    await zip.add('manifest.json', manifestBytes, { listed: false });
    await zip.add('manifest.sig', `${signature}\n`, { listed: false });
    zip.finalize();
    const put = await putting;
    return { size: put.size, sha256: put.sha256, documents: manifest.documents, sealed };
  } catch (err) {
    zip.abort(err instanceof Error ? err : new Error(String(err)));
    await putting.catch(() => undefined);
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

async function openStored(store: ObjectStore, objectKey: string, what: string): Promise<Readable> {
  try {
    return await store.get(objectKey);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) throw new ArchiveContentError(`The stored file of ${what} is missing.`);
    throw err;
  }
}

/** The events of the archive's scope up to the seal, one JSON line each (the stored row), read in keyset batches. */
async function* ledgerLines(db: Db, roomId: string, subjects: Awaited<ReturnType<typeof ledgerSubjectsOf>>, upToSeq: number, counted: () => void, signal: AbortSignal): AsyncGenerator<string> {
  let after = 0;
  for (;;) {
    if (signal.aborted) throw new Error('the archive build was stopped');
    const q = db('auditEvents').where('roomId', roomId).where('seq', '>', after).where('seq', '<=', upToSeq);
    if (subjects) whereInPartySlice(q, subjects);
    const rows: AuditEventRow[] = await q.orderBy('seq').limit(LEDGER_BATCH);
    if (rows.length === 0) return;
    let chunk = '';
    for (const r of rows) {
      chunk += `${JSON.stringify({
        seq: Number(r.seq),
        at: r.at,
        actorId: r.actorId,
        action: r.action,
        subjectType: r.subjectType,
        subjectId: r.subjectId,
        roomId: r.roomId,
        decision: r.decision,
        details: r.details,
        prevHash: r.prevHash,
        hash: r.hash,
      })}\n`;
      counted();
    }
    yield chunk;
    after = Number(rows[rows.length - 1]!.seq);
  }
}

/** The server's own signed checkpoints that fall on an event of the archive: each is checked against its line. */
async function storedCheckpointsIn(db: Db, roomId: string, subjects: Awaited<ReturnType<typeof ledgerSubjectsOf>>, upToSeq: number): Promise<Checkpoint[]> {
  const stored: Checkpoint[] = (await db('auditCheckpoints').where('seq', '<=', upToSeq).orderBy('seq').select('seq', 'headHash', 'at', 'keyId', 'signature')).map(
    (c: Checkpoint) => ({ seq: Number(c.seq), headHash: c.headHash, at: c.at, keyId: c.keyId, signature: c.signature }),
  );
  if (stored.length === 0) return [];
  const q = db('auditEvents').where('roomId', roomId).whereIn('seq', stored.map((c) => c.seq));
  if (subjects) whereInPartySlice(q, subjects);
  const inSlice = new Set((await q.select('seq')).map((r: { seq: number | string }) => Number(r.seq)));
  return stored.filter((c) => inSlice.has(c.seq));
}

