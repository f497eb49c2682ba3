#!/usr/bin/env node
// Checks a Gatehouse deal-end archive offline, with Node.js alone (18 or later, nothing to install).
//
//   node verify.mjs                 checks the folder this file is in
//   node verify.mjs <folder>        checks the unzipped archive in <folder>
//
// It exits 0 only when everything holds; otherwise it prints one line per problem, naming the file
// or the ledger line (and its seq), and exits 1 (2 when the archive cannot be read at all).
//
// What it checks:
//  1. manifest.sig is an Ed25519 signature of manifest.json by the key in ledger-public-key.pem, and
//     the key id (the first 16 hex digits of the SHA-256 of the key's SPKI DER) is the manifest's.
//     It prints the key id: compare it with the one the Gatehouse server publishes (its ledger
//     checkpoints carry it) — a forger can sign a manifest, but only with a key of their own.
//  2. Every file the manifest lists is there, with its size and SHA-256; nothing else is there.
//  3. Every line of ledger.jsonl: its hash recomputes from its own content and the previous hash it
//     names, lines follow in increasing seq, and a line that follows its predecessor in the server's
//     chain (seq + 1) links to it. Every event is of the archive's room.
//  4. checkpoints.json: each checkpoint is signed by the same key and matches the ledger line of its
//     seq; the archive's own seal (the last line) is among them.
//
// This file imports nothing but node:* modules on purpose: read it before you run it.

import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The bytes a manifest signature covers are this prefix and then manifest.json, exactly as stored. */
export const MANIFEST_SIGNATURE_PREFIX = 'gatehouse-archive-manifest-v1\n';
/** A ledger checkpoint signature covers this prefix and the checkpoint's canonical JSON. */
export const CHECKPOINT_SIGNATURE_PREFIX = 'gatehouse-ledger-checkpoint-v1\n';
export const GENESIS_HASH = '0'.repeat(64);
/** Files that are not listed in the manifest: the manifest itself and its signature. */
const UNLISTED = new Set(['manifest.json', 'manifest.sig']);

/** JSON with object keys sorted at every depth and no whitespace: the form ledger hashes commit to. */
export function canonicalJson(value) {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What a ledger event's hash commits to: every field of the event but its own hash and prevHash. */
export function eventBody(e) {
  return canonicalJson({
    seq: Number(e.seq),
    at: e.at,
    actorId: e.actorId,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    roomId: e.roomId,
    decision: e.decision,
    details: e.details,
  });
}

/** sha256(prevHash "\n" body), lowercase hex: the ledger's chain link. */
export function eventHash(prevHash, e) {
  return createHash('sha256').update(prevHash).update('\n').update(eventBody(e)).digest('hex');
}

export function keyIdOf(publicKey) {
  return createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
}

/** A manifest path that stays inside the folder, or null: relative, forward slashes, no dot segments. */
function safeRelativePath(dir, p) {
  if (typeof p !== 'string' || p.length === 0 || p.length > 1000) return null;
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.includes('\\') || p.includes('\0')) return null;
  if (p.split('/').some((s) => s === '' || s === '.' || s === '..')) return null;
  const full = path.resolve(dir, p);
  return full.startsWith(path.resolve(dir) + path.sep) ? full : null;
}

/**
 * Why the file at `full` may not be read, or null: it and every folder on its way from `dir` must be
 * real (lstat: a symbolic link is never followed, so a doctored folder cannot make this script read,
 * or hang on, something outside the archive — a file elsewhere, a named pipe, a device).
 */
async function notARegularFile(dir, full) {
  const parts = path.relative(path.resolve(dir), full).split(path.sep);
  let at = path.resolve(dir);
  for (let i = 0; i < parts.length; i++) {
    at = path.join(at, parts[i]);
    let stat;
    try {
      stat = await fs.lstat(at);
    } catch {
      return 'missing';
    }
    if (stat.isSymbolicLink()) return 'a symbolic link (not followed: an archive holds files only)';
    if (i < parts.length - 1 ? !stat.isDirectory() : !stat.isFile()) return 'not a regular file (a link or device has no place in an archive)';
  }
  return null;
}

/** The bytes of one of the archive's own files (manifest, key, signature, checkpoints), read only if it is a regular file. */
async function readOwnFile(dir, name) {
  const full = path.join(path.resolve(dir), name);
  const why = await notARegularFile(dir, full);
  if (why) throw new Error(why);
  return fs.readFile(full);
}

async function fileDigest(file) {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Every regular file under dir, as a relative path with forward slashes; anything else is reported. */
async function listFiles(dir, problems, prefix = '') {
  const out = [];
  for (const entry of await fs.readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, problems, rel)));
    else if (entry.isFile()) out.push(rel);
    else problems.push(`${rel}: not a regular file (a link or device has no place in an archive)`);
  }
  return out;
}

/**
 * Checks the unzipped archive in `dir`. Never throws for a problem of the archive: it returns them,
 * one line each. `fatal` is set when the archive cannot be checked at all (no manifest, no key).
 */
export async function verifyArchive(dir) {
  const problems = [];
  const result = { ok: false, fatal: false, keyId: null, files: 0, events: 0, checkpoints: 0, problems };
  const fail = (line) => {
    problems.push(line);
    result.fatal = true;
    return result;
  };

  let manifestBytes;
  let manifest;
  let publicKey;
  try {
    manifestBytes = await readOwnFile(dir, 'manifest.json');
    manifest = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    return fail('manifest.json: missing or not JSON');
  }
  try {
    publicKey = createPublicKey(await readOwnFile(dir, 'ledger-public-key.pem'));
    if (publicKey.asymmetricKeyType !== 'ed25519') return fail('ledger-public-key.pem: not an Ed25519 public key');
  } catch {
    return fail('ledger-public-key.pem: missing or not a public key');
  }
  result.keyId = keyIdOf(publicKey);

  // 1. The manifest's signature.
  let signature = Buffer.alloc(0);
  try {
    signature = Buffer.from((await readOwnFile(dir, 'manifest.sig')).toString('utf8').trim(), 'base64');
  } catch {
    problems.push('manifest.sig: missing');
  }
  const signed = Buffer.concat([Buffer.from(MANIFEST_SIGNATURE_PREFIX, 'utf8'), manifestBytes]);
  let signatureOk;
  try {
    signatureOk = signature.length > 0 && verifySignature(null, signed, publicKey, signature);
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) problems.push('manifest.sig: not a valid signature of manifest.json by the key in ledger-public-key.pem');
  if (manifest.keyId !== result.keyId) problems.push(`manifest.json: names key ${manifest.keyId}, but ledger-public-key.pem is key ${result.keyId}`);

  // 2. Every listed file, and nothing else.
  const files = Array.isArray(manifest.files) ? manifest.files : [];
  if (!Array.isArray(manifest.files)) problems.push('manifest.json: has no list of files');
  const listed = new Set();
  for (const f of files) {
    const full = safeRelativePath(dir, f?.path);
    if (!full) {
      problems.push(`manifest.json: refuses the path ${JSON.stringify(f?.path)} (it would leave the archive's folder)`);
      continue;
    }
    listed.add(f.path);
    const why = await notARegularFile(dir, full);
    if (why) {
      problems.push(`${f.path}: ${why}`);
      continue;
    }
    let actual;
    try {
      actual = await fileDigest(full);
    } catch {
      problems.push(`${f.path}: missing`);
      continue;
    }
    if (actual.sha256 !== f.sha256) problems.push(`${f.path}: SHA-256 ${actual.sha256} differs from the manifest's ${f.sha256} (the file was changed)`);
    else if (actual.size !== f.size) problems.push(`${f.path}: ${actual.size} bytes, the manifest says ${f.size}`);
    result.files++;
  }
  for (const rel of await listFiles(dir, problems)) {
    if (!listed.has(rel) && !UNLISTED.has(rel)) problems.push(`${rel}: not listed in the manifest (added after the archive was sealed)`);
  }

  // 3. The ledger, line by line.
  const ledgerPath = manifest.ledger?.path ?? 'ledger.jsonl';
  const ledgerFile = safeRelativePath(dir, ledgerPath);
  const bySeq = new Map();
  let last = null;
  if (!ledgerFile) {
    problems.push(`manifest.json: refuses the ledger path ${JSON.stringify(ledgerPath)}`);
  } else if (await notARegularFile(dir, ledgerFile)) {
    problems.push(`${ledgerPath}: ${await notARegularFile(dir, ledgerFile)}`);
  } else {
    try {
      const lines = readline.createInterface({ input: createReadStream(ledgerFile), crlfDelay: Infinity });
      let n = 0;
      for await (const line of lines) {
        n++;
        const where = `${ledgerPath} line ${n}`;
        let e;
        try {
          e = JSON.parse(line);
        } catch {
          problems.push(`${where}: not a JSON event`);
          last = null;
          continue;
        }
        const seq = Number(e?.seq);
        const at = `${where} (seq ${e?.seq})`;
        if (!Number.isSafeInteger(seq) || seq < 1) {
          problems.push(`${where}: has no valid seq`);
          last = null;
          continue;
        }
        if (typeof e.prevHash !== 'string' || typeof e.hash !== 'string' || eventHash(e.prevHash, e) !== e.hash) {
          problems.push(`${at}: its hash does not match its content (the event was changed)`);
        }
        if (last && seq <= last.seq) problems.push(`${at}: out of order after seq ${last.seq}`);
        if (last && seq === last.seq + 1 && e.prevHash !== last.hash) problems.push(`${at}: prevHash does not link to seq ${last.seq}, the line before it`);
        if (manifest.roomId && e.roomId !== manifest.roomId) problems.push(`${at}: an event of another room`);
        bySeq.set(seq, e.hash);
        last = { seq, hash: e.hash };
        result.events++;
      }
      if (manifest.ledger && Number(manifest.ledger.lines) !== n) problems.push(`${ledgerPath}: ${n} lines, the manifest says ${manifest.ledger.lines}`);
    } catch {
      problems.push(`${ledgerPath}: missing or unreadable`);
    }
  }

  // 4. The signed checkpoints, and the seal that binds the ledger's tail.
  let checkpoints;
  try {
    checkpoints = JSON.parse((await readOwnFile(dir, 'checkpoints.json')).toString('utf8'));
    if (!Array.isArray(checkpoints)) throw new Error('not a list');
  } catch {
    problems.push('checkpoints.json: missing or not a list of checkpoints');
    checkpoints = [];
  }
  for (const c of checkpoints) {
    const name = `checkpoints.json (seq ${c?.seq})`;
    const message = Buffer.from(CHECKPOINT_SIGNATURE_PREFIX + canonicalJson({ seq: c?.seq, headHash: c?.headHash, at: c?.at, keyId: c?.keyId }), 'utf8');
    let valid;
    try {
      valid = c?.keyId === result.keyId && verifySignature(null, message, publicKey, Buffer.from(String(c.signature), 'base64'));
    } catch {
      valid = false;
    }
    if (!valid) problems.push(`${name}: not signed by the key in ledger-public-key.pem`);
    else if (!bySeq.has(Number(c.seq))) problems.push(`${name}: the ledger has no line of this seq`);
    else if (bySeq.get(Number(c.seq)) !== c.headHash) problems.push(`${name}: the ledger line of this seq has another hash (the event was changed)`);
    result.checkpoints++;
  }
  const seal = manifest.sealed;
  if (!seal || !last || Number(seal.seq) !== last.seq || seal.hash !== last.hash) {
    problems.push(`${ledgerPath}: its last line is not the archive's seal (seq ${seal?.seq}): the ledger's tail was changed or cut`);
  } else if (!checkpoints.some((c) => Number(c?.seq) === last.seq && c.headHash === last.hash)) {
    problems.push(`checkpoints.json: no signed checkpoint of the seal (seq ${seal.seq})`);
  }

  result.ok = problems.length === 0;
  return result;
}

async function main() {
  const dir = path.resolve(process.argv[2] ?? path.dirname(fileURLToPath(import.meta.url)));
  const r = await verifyArchive(dir);
  console.log(`Archive: ${dir}`);
  console.log(`Signing key id: ${r.keyId ?? 'unknown'} (compare it with the key id the Gatehouse server publishes)`);
  if (r.ok) {
    console.log(`OK: ${r.files} files, ${r.events} ledger events and ${r.checkpoints} signed checkpoints verified.`);
    process.exit(0);
  }
  for (const line of r.problems) console.error(`PROBLEM: ${line}`);
  console.error(`FAILED: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}.`);
  process.exit(r.fatal ? 2 : 1);
}

// Run when started as a script (`node verify.mjs`); a program that imports it only gets the functions.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
