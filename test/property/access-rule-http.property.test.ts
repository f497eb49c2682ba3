/**
 * A sample of the random worlds read through the HTTP API, as the users themselves would: the room,
 * its folder and document lists, each document's metadata, and content (stamped download, inline
 * view or original). What the reference allows is served with the reference's level and index;
 * everything else answers the very bytes of the answer to an id that never existed. Worlds include
 * parties with IP allow-lists (fixed and random ranges around the loopback address every request
 * comes from) and rooms that require a second factor (tokens minted with or without one).
 * In about half the worlds the deal team uploads a small census CSV and classifies it (dataset-http.ts):
 * each user's `GET …/rows?limit=1000` and CSV download (their rows as multisets: the order is the
 * viewer's or the download's fingerprint) hold the rows and columns of the plain reference
 * (dataset-reference.ts) — pseudonyms by their shape and consistency (one value, one pseudonym within
 * a party; never the same across parties), generalised values by the rule of docs/http-api.md — and
 * a user who may not have it gets the answer of a missing id, or 403 for a download seen but not granted.
 * Replay with PROPERTY_SEED; PROPERTY_SECONDS or PROPERTY_RUNS size the sample (run-budget.ts), and
 * at least FLOOR worlds are read whatever the budget.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import express from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { makePdf } from '../support/fixtures.js';
import { sha256Hex } from '../../server/auth/secret-hash.js';
import { addressAllowed, contentParty, coveringNdas, referenceAllows, referenceIndexes, referenceLevel, referenceSeesFolder, requestOf } from './access-reference.js';
import { drawWorld } from './world-arbitrary.js';
import { csvRecords, uploadDataset } from './dataset-http.js';
import { referenceDelivery } from './dataset-reference.js';
import { differenceAsMultiset, PseudonymBook } from './dataset-compare.js';
import { insertWorld } from './world-store.js';
import type { Level, World, WorldUser } from './world-model.js';

import { floorOf, runProperty, seeds, settleInFlight, timeoutFor, track } from './run-budget.js';

const SECONDS = 15;
/** Worlds read through the API on each database, at the least. */
const FLOOR = floorOf(25);
const checked = { worlds: 0, contentKinds: new Set<string>(), allowlists: 0, mfaRooms: 0, datasets: 0, deliveries: 0, rows: 0, forms: new Set<string>(), pseudonyms: 0, acrossParties: 0, refused: 0, datasetMs: 0 };

let t: TestApp;
let worldNo = 0;
let pdfKey: string;
let pdfSize: number;
/** The address the server sees supertest's requests come from. */
let loopback: string;
beforeAll(async () => {
  t = await startTestApp();
  // Every document of every world shares one stored PDF: the rule, not the stamping, is under test.
  pdfKey = `versions/property-${randomUUID()}`;
  const pdf = await makePdf('property world document');
  pdfSize = pdf.length;
  await t.store.put(pdfKey, Readable.from(pdf));
  loopback = (await request(express().get('/', (req, res) => void res.send(req.ip))).get('/')).text;
});
afterAll(async () => {
  process.stdout.write(`access-rule HTTP sample: ${checked.worlds} worlds read (${checked.allowlists} allow-list ranges, ${checked.mfaRooms} rooms requiring MFA; content as ${[...checked.contentKinds].sort().join(', ')})\n`);
  process.stdout.write(
    `access-rule HTTP sample: ${checked.datasets} datasets uploaded; ${checked.deliveries} rows pages and CSV downloads to outsiders compared (${checked.rows} rows; forms ${[...checked.forms].sort().join(', ')}; ${checked.pseudonyms} pseudonyms, ${checked.acrossParties} values pseudonymised for several parties), ${checked.refused} refused as the reference refuses them; ${(checked.datasetMs / 1000).toFixed(1)} s on datasets\n`,
  );
  await settleInFlight();
  await t?.close();
});

/**
 * Bearer tokens for every user of the world, stored as the token service stores them (hashed). A
 * user whose drawn request has a second factor is enrolled and gets a token minted with one.
 */
async function tokensFor(world: World): Promise<Map<string, string>> {
  const tokens = new Map(world.users.map((u) => [u.id, `tok-${randomUUID()}`]));
  const withMfa = world.users.filter((u) => requestOf(world, u).mfa).map((u) => u.id);
  if (withMfa.length) await t.db('users').whereIn('id', withMfa).update({ mfaEnabled: true });
  await t.db('apiTokens').insert(
    world.users.map((u) => ({
      id: randomUUID(), userId: u.id, name: 'property', tokenHash: sha256Hex(tokens.get(u.id)!), mfa: requestOf(world, u).mfa,
      createdAt: world.at, expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    })),
  );
  return tokens;
}

/** What the documents and folders lists of `roomId` must answer `user` (statuses and codes from docs/http-api.md). */
function expectedList(world: World, user: WorldUser, roomId: string): { status: number; code?: string } {
  const hidden = { status: 404, code: 'not_found' };
  if (user.role !== 'external') return user.role === 'admin' || world.staff.some((s) => s.roomId === roomId && s.userId === user.id && s.role !== 'expert') ? { status: 200 } : hidden;
  const membership = world.members.find((m) => m.roomId === roomId && m.userId === user.id);
  if (!membership) return hidden;
  const room = world.rooms.find((r) => r.id === roomId)!;
  const req = requestOf(world, user);
  if (!addressAllowed(world, membership.partyId, req.ip)) return { status: 403, code: 'ip_not_allowed' };
  if (room.requireMfa && !req.mfa) return { status: 403, code: 'mfa_required' };
  if (room.status === 'closed') return { status: 403, code: 'room_closed' };
  const covered = room.entityIds.some((e) => coveringNdas(world, user, membership.partyId, roomId, e, world.at).length > 0);
  return covered ? { status: 200 } : { status: 403, code: 'nda_required' };
}

/**
 * Content of a document the user cannot view answers from the user alone: 403 nda_required when
 * no NDA covers them in any open room they belong to, else 404 — for a real id as for a made-up one.
 */
function uncoveredEverywhere(world: World, user: WorldUser): boolean {
  if (user.role !== 'external') return false;
  const open = world.members.filter((m) => m.userId === user.id && world.rooms.find((r) => r.id === m.roomId)!.status === 'open');
  const room = (id: string) => world.rooms.find((r) => r.id === id)!;
  return open.length > 0 && open.every((m) => room(m.roomId).entityIds.every((e) => coveringNdas(world, user, m.partyId, m.roomId, e, world.at).length === 0));
}

const CONTENT: Array<{ kind: string; level: Level; path: (id: string) => string }> = [
  { kind: 'attachment', level: 'download', path: (id) => `/api/documents/${id}/content?disposition=attachment` },
  { kind: 'inline', level: 'view', path: (id) => `/api/documents/${id}/content?disposition=inline` },
  { kind: 'original', level: 'original', path: (id) => `/api/documents/${id}/original` },
];

/** Everything of an answer a client could tell apart, but the per-request ids. */
const observable = (res: request.Response) => ({
  status: res.status,
  body: res.text,
  headers: Object.fromEntries(Object.entries(res.headers).filter(([k]) => !['date', 'x-request-id', 'etag'].includes(k))),
});

const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));

/**
 * One user and the world's dataset: `GET …/rows?limit=1000` against the reference's view, and a CSV
 * download against its download (header, then rows as a multiset); where the
 * reference gives nothing, the answer of a made-up id (or 403 for a download of a dataset seen).
 */
async function compareDataset(world: World, user: WorldUser, datasetId: string, get: (url: string) => request.Test, book: PseudonymBook) {
  const doc = world.documents.find((d) => d.id === datasetId)!;
  const context = { user: user.id, dataset: datasetId };
  const rowsUrl = (id: string) => `/api/documents/${id}/rows?limit=1000`;
  const csvUrl = (id: string) => `/api/documents/${id}/content?format=csv`;

  const view = referenceDelivery(world, user, doc, 'view');
  const page = await get(rowsUrl(datasetId));
  if (view) {
    const [sheet] = view.sheets;
    expect({ ...context, status: page.status, columns: page.body.columns, total: page.body.total }).toEqual({ ...context, status: 200, columns: sheet!.header, total: sheet!.rows.length });
    expect({ ...context, form: view.form, rows: differenceAsMultiset(book, view.partyId, sheet!.rows, page.body.rows) }).toEqual({ ...context, form: view.form, rows: null });
  } else {
    expect({ ...context, ...observable(page) }).toEqual({ ...context, ...observable(await get(rowsUrl(randomUUID()))) });
    checked.refused++;
  }

  const download = referenceDelivery(world, user, doc, 'download');
  const csv = await get(csvUrl(datasetId));
  if (download) {
    const [sheet] = download.sheets;
    expect({ ...context, status: csv.status, type: csv.headers['content-type'] }).toEqual({ ...context, status: 200, type: expect.stringMatching(/^text\/csv/) });
    // Every column left out (form none, every column personal): CSV has no way to write a record of no
    // fields, so each is an empty line, which reads back as one empty field.
    const records = csvRecords(csv.text).map((r) => (sheet!.header.length === 0 && r.length === 1 && r[0] === '' ? [] : r));
    const [header, ...rows] = records;
    expect({ ...context, header }).toEqual({ ...context, header: sheet!.header });
    expect({ ...context, form: download.form, rows: differenceAsMultiset(book, download.partyId, sheet!.rows, rows) }).toEqual({ ...context, form: download.form, rows: null });
  } else if (view) {
    expect({ ...context, status: csv.status, code: csv.body.error?.code }).toEqual({ ...context, status: 403, code: 'forbidden' });
    checked.refused++;
  } else {
    expect({ ...context, ...observable(csv) }).toEqual({ ...context, ...observable(await get(csvUrl(randomUUID()))) });
  }

  for (const d of [view, download]) {
    if (!d?.partyId) continue;
    checked.deliveries++;
    checked.rows += d.sheets[0]!.rows.length;
    checked.forms.add(d.form);
  }
}

describe.each(seeds)('random worlds through the HTTP API (seed %i)', (seed) => {
  beforeAll(() => {
    process.stdout.write(`access-rule HTTP sample: seed ${seed} (replay: PROPERTY_SEED=${seed})\n`);
  });

  it('lists, reads and delivers exactly what the reference allows, numbered as the reference numbers it; hidden is the byte-identical answer of a missing id', async () => {
    await runProperty(
      fc.asyncProperty(fc.gen(), (g) => track((async () => {
        // A minute ago, so every instant the world was drawn with keeps its side of "now" while requests run.
        const at = new Date(Date.now() - 60_000).toISOString();
        // Half the worlds are drawn focused on datasets (outsiders mostly covered and granted) and get
        // one, uploaded through the API below as the deal team does it (never inserted with a PDF).
        const withDataset = g(fc.boolean);
        const world = drawWorld(g, `h${(worldNo++).toString(36)}-`, at, {
          address: loopback,
          datasets: false,
          ...(withDataset ? { focus: 'datasets' as const, requestConditions: g(fc.boolean) } : {}),
        });
        await insertWorld(t.db, world, () => pdfKey);
        // The original goes out as stored, with its stored size as Content-Length.
        await t.db('documentVersions').whereIn('documentId', world.documents.map((d) => d.id)).update({ size: pdfSize });
        const tokens = await tokensFor(world);
        const started = performance.now();
        const dataset = withDataset ? await uploadDataset(t.app, g, world, tokens.get(world.staff[0]!.userId)!) : null;
        checked.datasetMs += performance.now() - started;
        if (dataset) checked.datasets++;
        const book = new PseudonymBook();
        for (const user of world.users) {
          const get = (url: string) => request(t.app).get(url).set('Authorization', `Bearer ${tokens.get(user.id)}`);
          const missingRead = await get(`/api/documents/${randomUUID()}`);
          expect(missingRead.status).toBe(404);

          for (const room of world.rooms) {
            const context = { user: user.id, room: room.id };
            // The room itself: its name and the user's NDA status to any member; what it targets only once it gives them content.
            const roomRes = await get(`/api/rooms/${room.id}`);
            const member = world.members.some((m) => m.roomId === room.id && m.userId === user.id);
            // An expert finds the room whose questions they answer (its name and status), nothing of what is for sale.
            const roomStaff = world.staff.filter((s) => s.roomId === room.id && s.userId === user.id);
            const seesRoom = user.role === 'admin' || roomStaff.length > 0 || (user.role === 'external' && member);
            expect({ ...context, status: roomRes.status }).toEqual({ ...context, status: seesRoom ? 200 : 404 });
            if (user.role !== 'admin' && roomStaff.length > 0 && roomStaff.every((s) => s.role === 'expert')) {
              const { can: _can, ...summary } = roomRes.body;
              expect({ ...context, fields: Object.keys(summary).sort() }).toEqual({ ...context, fields: ['codeName', 'id', 'name', 'status'] });
            }
            if (user.role === 'external' && member) {
              const fields = contentParty(world, user, room.id) ? ['codeName', 'createdAt', 'entityIds', 'id', 'name', 'nda', 'questionLimitPerParty', 'status'] : ['codeName', 'id', 'name', 'nda', 'status'];
              expect({ ...context, fields: Object.keys(roomRes.body).sort() }).toEqual({ ...context, fields });
            }

            const list = await get(`/api/rooms/${room.id}/documents?limit=1000`);
            const folders = await get(`/api/rooms/${room.id}/folders`);
            const expected = expectedList(world, user, room.id);
            expect({ ...context, status: list.status, code: list.body.error?.code }).toEqual({ ...context, ...expected, code: expected.code });
            expect({ ...context, status: folders.status, code: folders.body.error?.code }).toEqual({ ...context, ...expected, code: expected.code });
            if (expected.status !== 200) continue;
            const indexes = referenceIndexes(world, user, room.id);
            const expectedItems = world.documents
              .filter((d) => d.roomId === room.id && referenceLevel(world, user, d) !== null)
              .map((d) => ({ id: d.id, access: referenceLevel(world, user, d), index: indexes.get(d.id) }));
            const listed = (list.body.items as Array<{ id: string; access: string; index: string }>).map((d) => ({ id: d.id, access: d.access, index: d.index }));
            expect({ ...context, listed: byId(listed) }).toEqual({ ...context, listed: byId(expectedItems) });
            const expectedFolders = world.folders.filter((f) => f.roomId === room.id && referenceSeesFolder(world, user, f)).map((f) => ({ id: f.id, index: indexes.get(f.id) }));
            const listedFolders = (folders.body.items as Array<{ id: string; index: string }>).map((f) => ({ id: f.id, index: f.index }));
            expect({ ...context, folders: byId(listedFolders) }).toEqual({ ...context, folders: byId(expectedFolders) });
          }

          for (const doc of world.documents) {
            const read = await get(`/api/documents/${doc.id}`);
            if (referenceAllows(world, user, doc, 'view')) {
              const expected = { status: 200, access: referenceLevel(world, user, doc), index: referenceIndexes(world, user, doc.roomId).get(doc.id) };
              expect({ doc: doc.id, user: user.id, status: read.status, access: read.body.access, index: read.body.index }).toEqual({ doc: doc.id, user: user.id, ...expected });
            } else {
              expect({ doc: doc.id, user: user.id, ...observable(read) }).toEqual({ doc: doc.id, user: user.id, ...observable(missingRead) });
            }
          }

          // Content of one document per user, as one of the three kinds (stamping is real work): 200
          // at a level held, 403 for a level not held on a document seen, else the made-up id's answer.
          const doc = world.documents[g(fc.integer, { min: 0, max: world.documents.length - 1 })];
          const content = CONTENT[g(fc.integer, { min: 0, max: CONTENT.length - 1 })];
          checked.contentKinds.add(content.kind);
          const res = await get(content.path(doc.id));
          const missing = await get(content.path(randomUUID()));
          const context = { doc: doc.id, user: user.id, kind: content.kind };
          expect({ ...context, status: missing.status, code: missing.body.error?.code }).toEqual({ ...context, ...(uncoveredEverywhere(world, user) ? { status: 403, code: 'nda_required' } : { status: 404, code: 'not_found' }) });
          if (referenceAllows(world, user, doc, content.level)) expect({ ...context, status: res.status }).toEqual({ ...context, status: 200 });
          else if (referenceAllows(world, user, doc, 'view')) expect({ ...context, status: res.status, code: res.body.error?.code }).toEqual({ ...context, status: 403, code: 'forbidden' });
          else expect({ ...context, ...observable(res) }).toEqual({ ...context, ...observable(missing) });

          if (dataset) {
            const comparing = performance.now();
            await compareDataset(world, user, dataset.id, get, book);
            checked.datasetMs += performance.now() - comparing;
          }
        }
        checked.worlds++;
        checked.pseudonyms += book.size;
        checked.acrossParties += book.valuesAcrossParties();
        checked.allowlists += world.allowlists.length;
        checked.mfaRooms += world.rooms.filter((r) => r.requireMfa).length;
      })())),
      // PROPERTY_RUNS=60 (the mutation run) reads 30 worlds: above the floor too.
      { seed, share: 1, defaultSeconds: SECONDS, runsShare: 0.25, floor: Math.ceil((FLOOR * (seeds.indexOf(seed) + 1)) / seeds.length), checked: () => checked.worlds },
    );
  }, timeoutFor(1, SECONDS, 600));
});

it(`read at least ${FLOOR} worlds through the API, with allow-lists, rooms requiring MFA, every kind of content and datasets`, () => {
  expect(checked.worlds).toBeGreaterThanOrEqual(FLOOR);
  if (FLOOR >= 25) {
    expect(checked.datasets).toBeGreaterThan(0);
    expect(checked.deliveries).toBeGreaterThan(0);
    expect(checked.refused).toBeGreaterThan(0);
    expect(checked.allowlists).toBeGreaterThan(0);
    expect(checked.mfaRooms).toBeGreaterThan(0);
    expect([...checked.contentKinds].sort()).toEqual(['attachment', 'inline', 'original']);
  }
});
