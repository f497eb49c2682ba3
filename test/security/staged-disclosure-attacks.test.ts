import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ParsedMail } from 'mailparser';
import { Client, createTestDatabase, startTestApp, type TestApp, type TestDatabase } from '../support/test-app.js';
import { PASSWORD } from '../support/world.js';
import { binary } from '../support/binary.js';
import { makePdf } from '../support/fixtures.js';
import { storedObjectKeys } from '../support/stored-objects.js';
import { holdNextStoreRead } from '../support/held-store-read.js';
import { startSmtpSink, to, type SmtpSink } from '../support/smtp-sink.js';
import { BearerClient, buildStagedDeal, expectStatus, listedIn, observableAnswer, type StagedDeal } from '../support/staged-deal.js';

/*
 * Staged disclosure (docs/http-api.md, "Staged disclosure and the document lifecycle"; rule 6 of
 * docs/access-rule.md) attacked by a careful bidder, a careless one, a hostile insider holding an API
 * token, and a misconfigured operator. The promises:
 * - external users never see, count, search or get mail about a draft or a withdrawn document: it is
 *   the 404 of an id that never existed, on every channel;
 * - links to a withdrawn document already handed out stop working;
 * - index numbers shown to a party never reveal hidden documents;
 * - only what never left the deal team can be deleted.
 * Every bidder here holds a grant and an NDA that would cover the document but for its stage.
 */

type Answer = Parameters<typeof observableAnswer>[0];
type Caller = Client | BearerClient;

/** GET as raw bytes, so that a leaked file and a JSON error are compared alike. */
const getRaw = (client: Caller, url: string, range?: string) => {
  const req = client.get(url);
  if (range) req.set('Range', range);
  return req.buffer(true).parse(binary);
};

/** The two answers cannot be told apart: status, every byte of the body, every lasting header. */
function expectIndistinguishable(what: string, hidden: Answer, missing: Answer) {
  expect([what, hidden.status]).toEqual([what, 404]);
  expect([what, observableAnswer(hidden)]).toEqual([what, observableAnswer(missing)]);
}

/**
 * Two answers that may differ only by echoing the id the caller sent (a 400 naming an unknown id):
 * with each id replaced by a placeholder they cannot be told apart. The ETag hashes the body, so it
 * goes too; both ids are UUIDs, so lengths stay comparable.
 */
function expectSameButForId(what: string, a: Answer, aId: string, b: Answer, bId: string) {
  const norm = (res: Answer, id: string) => {
    const o = observableAnswer(res);
    const { etag: _etag, ...headers } = o.headers;
    return { ...o, headers, body: o.body.split(id).join('<id>') };
  };
  expect([what, norm(a, aId)]).toEqual([what, norm(b, bId)]);
}

const ids = (items: Array<{ id: string }> | number) => (typeof items === 'number' ? items : items.map((d) => d.id));
/** A list in the order of its index numbers (lists come in upload order). */
const byIndex = (items: Array<{ id: string; index: string }> | number) =>
  typeof items === 'number' ? items : [...items].sort((a, b) => a.index.localeCompare(b.index, 'en', { numeric: true }));

describe('staged disclosure under attack', () => {
  let t: TestApp;
  let s: StagedDeal;
  let tokenA: BearerClient;

  beforeAll(async () => {
    t = await startTestApp();
    s = await buildStagedDeal(t);
    tokenA = await BearerClient.mint(t.app, s.buyerA);
  }, 120_000);
  afterAll(() => t?.close());

  /** The bidder's own folder list: id → index as they read it. */
  const bidderFolders = async (client: Caller = s.buyerA) => {
    const res = await expectStatus<{ items: Array<{ id: string; parentId: string | null; index: string }> }>(client.get(`${s.roomPath}/folders`), 200);
    return res.items;
  };
  const bidderFolderIndex = async (folderId: string, client: Caller = s.buyerA) => (await bidderFolders(client)).find((f) => f.id === folderId)?.index;

  describe('a draft or a withdrawn document is the 404 of a missing id on every channel', () => {
    let folderId: string;
    /** Published: the control that shows the bidder's grant and NDA would reach the others. */
    let published: { id: string; versionId: string };
    let draft: { id: string; versionId: string };
    /** Published, downloaded by buyerA (a whole copy and the first range of another), then withdrawn. */
    let withdrawn: { id: string; versionId: string };
    let leakedCopy: { bytes: Buffer; downloadId: string };
    let rangeDownloadId: string;
    let draftDataset: { id: string };
    /** Published, a page read by buyerA, then withdrawn. */
    let withdrawnDataset: { id: string };

    beforeAll(async () => {
      folderId = (await s.folder('Channels')).id;
      published = await s.upload({ title: 'Control memo', folderId });
      withdrawn = await s.upload({ title: 'Wombat withdrawn', folderId });
      draft = await s.upload({ title: 'Quokka draft', folderId });
      draftDataset = await s.uploadDataset({ title: 'Draft census', folderId });
      withdrawnDataset = await s.uploadDataset({ title: 'Withdrawn census', folderId });
      expect(await s.publish({ documentIds: [published.id, withdrawn.id, withdrawnDataset.id] })).toEqual({ published: 3 });

      const whole = await getRaw(s.buyerA, `/api/documents/${withdrawn.id}/content`);
      expect(whole.status).toBe(200);
      leakedCopy = { bytes: whole.body, downloadId: whole.headers['x-download-id'] };
      const first = await getRaw(s.buyerA, `/api/documents/${withdrawn.id}/content`, 'bytes=0-99');
      expect(first.status).toBe(206);
      rangeDownloadId = first.headers['x-download-id'];
      const resumed = await getRaw(s.buyerA, `/api/documents/${withdrawn.id}/content?download=${rangeDownloadId}`, 'bytes=100-199');
      expect([resumed.status, resumed.headers['x-download-id']]).toEqual([206, rangeDownloadId]);
      expect((await s.buyerA.get(`/api/documents/${withdrawnDataset.id}/rows?limit=5`)).status).toBe(200);

      await s.withdraw(withdrawn.id, 'wrong year of accounts');
      await s.withdraw(withdrawnDataset.id, 'personal data not cleared');
    }, 120_000);

    const stateOf = (state: 'draft' | 'withdrawn') => (state === 'draft' ? draft : withdrawn);
    const datasetOf = (state: 'draft' | 'withdrawn') => (state === 'draft' ? draftDataset : withdrawnDataset);

    it('shows the bidder the published control document: their grant and NDA would cover the others', async () => {
      expect((await s.buyerA.get(`/api/documents/${published.id}`)).status).toBe(200);
      expect((await getRaw(s.buyerA, `/api/documents/${published.id}/original`)).status).toBe(200);
      expect((await s.manager.get(`/api/documents/${draft.id}`)).body.status).toBe('draft');
      expect((await s.manager.get(`/api/documents/${withdrawn.id}`)).body).toMatchObject({ status: 'withdrawn', withdrawnReason: 'wrong year of accounts' });
    });

    it.each(['draft', 'withdrawn'] as const)('%s: metadata, content, inline view, original and a byte range answer exactly as an id that does not exist', async (state) => {
      const doc = stateOf(state);
      const missing = randomUUID();
      for (const client of [s.buyerA, s.advisorA, tokenA] as Caller[]) {
        for (const [what, url, range] of [
          ['metadata', (id: string) => `/api/documents/${id}`, undefined],
          ['content (attachment)', (id: string) => `/api/documents/${id}/content`, undefined],
          ['content (explicit attachment)', (id: string) => `/api/documents/${id}/content?disposition=attachment`, undefined],
          ['inline view', (id: string) => `/api/documents/${id}/content?disposition=inline`, undefined],
          ['original', (id: string) => `/api/documents/${id}/original`, undefined],
          ['a byte range', (id: string) => `/api/documents/${id}/content`, 'bytes=0-99'],
          ['an inline byte range', (id: string) => `/api/documents/${id}/content?disposition=inline`, 'bytes=100-199'],
          ['version history', (id: string) => `/api/documents/${id}/versions`, undefined],
        ] as const) {
          expectIndistinguishable(`${state} ${what}`, await getRaw(client, url(doc.id), range), await getRaw(client, url(missing), range));
        }
        expectIndistinguishable(
          `${state} version original`,
          await getRaw(client, `/api/documents/${doc.id}/versions/${doc.versionId}/original`),
          await getRaw(client, `/api/documents/${missing}/versions/${randomUUID()}/original`),
        );
      }
    });

    it.each(['draft', 'withdrawn'] as const)('%s dataset: its description, its rows and its CSV or XLSX delivery answer exactly as an id that does not exist', async (state) => {
      const doc = datasetOf(state);
      const missing = randomUUID();
      for (const [what, url] of [
        ['description', (id: string) => `/api/documents/${id}/dataset`],
        ['rows', (id: string) => `/api/documents/${id}/rows`],
        ['a page of rows', (id: string) => `/api/documents/${id}/rows?offset=10&limit=5`],
        ['CSV delivery', (id: string) => `/api/documents/${id}/content?format=csv`],
        ['XLSX delivery', (id: string) => `/api/documents/${id}/content?format=xlsx`],
        ['inline delivery', (id: string) => `/api/documents/${id}/content?disposition=inline`],
      ] as const) {
        expectIndistinguishable(`${state} dataset ${what}`, await getRaw(s.buyerA, url(doc.id)), await getRaw(s.buyerA, url(missing)));
      }
    });

    it.each(['draft', 'withdrawn'] as const)('%s: rename, move, withdraw, delete and a new version by the bidder answer exactly as an id that does not exist, and change nothing', async (state) => {
      const doc = stateOf(state);
      const before = await s.staffView(doc.id);
      const missing = randomUUID();
      const pdf = { data: await makePdf('bidder overwrite'), name: 'overwrite.pdf' };
      for (const client of [s.buyerA, tokenA] as Caller[]) {
        const writes: Array<[string, (id: string) => PromiseLike<Answer>]> = [
          ['rename', (id) => client.patch(`/api/documents/${id}`, { title: 'owned' })],
          ['move', (id) => client.patch(`/api/documents/${id}`, { folderId: s.folders.finance.id })],
          ['reorder', (id) => client.patch(`/api/documents/${id}`, { position: 1 })],
          ['withdraw', (id) => client.post(`/api/documents/${id}/withdraw`, { reason: 'bidder wants it gone' })],
          ['delete', (id) => client.delete(`/api/documents/${id}`)],
          ['new version', (id) => client.upload(`/api/documents/${id}/versions`, pdf)],
        ];
        for (const [what, write] of writes) expectIndistinguishable(`${state} ${what}`, await write(doc.id), await write(missing));
      }
      const after = await s.staffView(doc.id);
      expect(after).toMatchObject({ status: before.status, version: before.version, folderId: before.folderId, index: before.index });
      expect((after as unknown as { title: string }).title).not.toBe('owned');
    });

    it('a published document the bidder can see: their writes are 403, its version history and a version original are the 404 of a random id', async () => {
      const missing = randomUUID();
      for (const client of [s.buyerA, tokenA] as Caller[]) {
        expect((await client.patch(`/api/documents/${published.id}`, { title: 'owned' })).status).toBe(403);
        expect((await client.post(`/api/documents/${published.id}/withdraw`, { reason: 'bidder wants it gone' })).status).toBe(403);
        expect((await client.delete(`/api/documents/${published.id}`)).status).toBe(403);
        expect((await client.upload(`/api/documents/${published.id}/versions`, { data: await makePdf('overwrite'), name: 'o.pdf' })).status).toBe(403);
        // That the document has a history, and who received each version, is the deal team's business.
        expectIndistinguishable('version history', await getRaw(client, `/api/documents/${published.id}/versions`), await getRaw(client, `/api/documents/${missing}/versions`));
        expectIndistinguishable(
          'version original',
          await getRaw(client, `/api/documents/${published.id}/versions/${published.versionId}/original`),
          await getRaw(client, `/api/documents/${missing}/versions/${published.versionId}/original`),
        );
      }
      expect(await s.staffView(published.id)).toMatchObject({ status: 'published', version: 1 });
    });

    it('a download begun while the document was published cannot be resumed once it is withdrawn: the answer of a made-up document', async () => {
      const resumed = await getRaw(s.buyerA, `/api/documents/${withdrawn.id}/content?download=${rangeDownloadId}`, 'bytes=200-299');
      const missing = await getRaw(s.buyerA, `/api/documents/${randomUUID()}/content?download=${rangeDownloadId}`, 'bytes=200-299');
      expectIndistinguishable('resumed download', resumed, missing);
      // The whole copy's id is no key either.
      const whole = await getRaw(s.buyerA, `/api/documents/${withdrawn.id}/content?download=${leakedCopy.downloadId}`, 'bytes=0-99');
      expectIndistinguishable('resumed whole copy', whole, await getRaw(s.buyerA, `/api/documents/${randomUUID()}/content?download=${leakedCopy.downloadId}`, 'bytes=0-99'));
    });

    it('the document list, its title search and its status filter never show or count a draft or a withdrawn document', async () => {
      expect(ids(await listedIn(s, s.buyerA, folderId))).toEqual([published.id]);
      const all = await expectStatus<{ items: Array<{ id: string; status: string }>; nextCursor: string | null }>(s.buyerA.get(`${s.roomPath}/documents?limit=1000`), 200);
      for (const hidden of [draft.id, withdrawn.id, draftDataset.id, withdrawnDataset.id]) expect(all.items.map((d) => d.id)).not.toContain(hidden);
      expect(new Set(all.items.map((d) => d.status))).toEqual(new Set(['published']));

      // A unique word of a draft's or a withdrawn document's title finds what a word that exists nowhere finds.
      const nowhere = await s.buyerA.get(`${s.roomPath}/documents?q=xylophonic`);
      for (const word of ['quokka', 'Wombat', 'Draft census', 'withdrawn']) {
        const found = await s.buyerA.get(`${s.roomPath}/documents?q=${encodeURIComponent(word)}`);
        expect([word, observableAnswer(found)]).toEqual([word, observableAnswer(nowhere)]);
      }
      // The deal team's filter by stage gives an outsider nothing to count.
      const empty = await s.buyerA.get(`${s.roomPath}/documents?folderId=${randomUUID()}`);
      for (const status of ['draft', 'withdrawn']) {
        const filtered = await s.buyerA.get(`${s.roomPath}/documents?status=${status}`);
        expect([status, filtered.status, filtered.body]).toEqual([status, 200, { items: [], nextCursor: null }]);
        expect(observableAnswer(await tokenA.get(`${s.roomPath}/documents?status=${status}&folderId=${folderId}`))).toEqual(observableAnswer(await tokenA.get(`${s.roomPath}/documents?folderId=${randomUUID()}`)));
      }
      expect(empty.body).toEqual({ items: [], nextCursor: null });
      // Staff see all three stages.
      expect(ids(await listedIn(s, s.manager, folderId))).toEqual(expect.arrayContaining([published.id, draft.id, withdrawn.id, draftDataset.id, withdrawnDataset.id]));
    });

    it('paging ends on the last document the bidder may see: no further cursor for drafts and withdrawn documents after it', async () => {
      const pagingFolder = (await s.folder('Paging')).id;
      const first = await s.upload({ title: 'Paging first', folderId: pagingFolder });
      await s.upload({ title: 'Paging draft between', folderId: pagingFolder });
      const second = await s.upload({ title: 'Paging second', folderId: pagingFolder });
      const later = await s.upload({ title: 'Paging withdrawn after', folderId: pagingFolder });
      await s.upload({ title: 'Paging draft after', folderId: pagingFolder });
      await s.publish({ documentIds: [first.id, second.id, later.id] });
      await s.withdraw(later.id);

      const page1 = await expectStatus<{ items: Array<{ id: string }>; nextCursor: string | null }>(s.buyerA.get(`${s.roomPath}/documents?folderId=${pagingFolder}&limit=1`), 200);
      expect(page1.items.map((d) => d.id)).toEqual([first.id]);
      expect(page1.nextCursor).toEqual(expect.any(String));
      const page2 = await expectStatus<{ items: Array<{ id: string }>; nextCursor: string | null }>(s.buyerA.get(`${s.roomPath}/documents?folderId=${pagingFolder}&limit=1&cursor=${page1.nextCursor}`), 200);
      expect(page2).toEqual({ items: [expect.objectContaining({ id: second.id })], nextCursor: null });
      const both = await expectStatus<{ items: Array<{ id: string }>; nextCursor: string | null }>(s.buyerA.get(`${s.roomPath}/documents?folderId=${pagingFolder}&limit=2`), 200);
      expect([both.items.map((d) => d.id), both.nextCursor]).toEqual([[first.id, second.id], null]);
      // The deal team pages on through all five.
      const staff = await expectStatus<{ nextCursor: string | null }>(s.manager.get(`${s.roomPath}/documents?folderId=${pagingFolder}&limit=2`), 200);
      expect(staff.nextCursor).toEqual(expect.any(String));
    });

    it('index numbers: a draft between two published documents leaves no gap, and withdrawing the first renumbers the next', async () => {
      const folder = await s.folder('Numbering');
      const one = await s.upload({ title: 'Numbered one', folderId: folder.id });
      const between = await s.upload({ title: 'Numbered draft', folderId: folder.id });
      const two = await s.upload({ title: 'Numbered two', folderId: folder.id });
      await s.publish({ documentIds: [one.id, two.id] });
      // The deal team's numbering counts the draft.
      expect([(await s.staffView(one.id)).index, (await s.staffView(between.id)).index, (await s.staffView(two.id)).index]).toEqual([`${folder.index}.1`, `${folder.index}.2`, `${folder.index}.3`]);

      const x = await bidderFolderIndex(folder.id);
      expect(x).toBeDefined();
      expect(byIndex(await listedIn(s, s.buyerA, folder.id))).toEqual([{ id: one.id, index: `${x}.1` }, { id: two.id, index: `${x}.2` }]);
      expect((await s.buyerA.get(`/api/documents/${two.id}`)).body.index).toBe(`${x}.2`);
      expect((await tokenA.get(`/api/documents/${two.id}`)).body.index).toBe(`${x}.2`);

      await s.withdraw(one.id);
      expect(await listedIn(s, s.buyerA, folder.id)).toEqual([{ id: two.id, index: `${x}.1` }]);
      expect((await s.buyerA.get(`/api/documents/${two.id}`)).body.index).toBe(`${x}.1`);
      // The deal team finds the party's number of a document as the party quotes it; a draft has none.
      const explained = await expectStatus<{ partyIndex: string | null; index: string }>(s.counsel.get(`${s.roomPath}/access?userId=${s.users.buyerA.id}&documentId=${two.id}`), 200);
      expect(explained).toMatchObject({ index: `${folder.index}.3`, partyIndex: `${x}.1` });
      const ofDraft = await expectStatus<{ partyIndex: string | null }>(s.counsel.get(`${s.roomPath}/access?userId=${s.users.buyerA.id}&documentId=${between.id}`), 200);
      expect(ofDraft.partyIndex).toBeNull();
    });

    it('a folder holding only drafts is hidden from the bidder and leaves no gap in their folder numbers; it shows once one document in it is published, and hides again when that is withdrawn', async () => {
      const onlyDrafts = await s.folder('Side letter drafts');
      const draftInside = await s.upload({ title: 'Side letter', folderId: onlyDrafts.id });
      const after = await s.folder('After the drafts folder');
      await s.publish({ documentIds: [(await s.upload({ title: 'After doc', folderId: after.id })).id] });

      const contiguousChildren = async (client: Caller) => {
        const folders = await bidderFolders(client);
        const parentIndex = folders.find((f) => f.id === s.dataRoom.id)!.index;
        const children = folders.filter((f) => f.parentId === s.dataRoom.id).map((f) => f.index);
        expect(children).toEqual(children.map((_, i) => `${parentIndex}.${i + 1}`));
        return folders.map((f) => f.id);
      };
      for (const client of [s.buyerA, s.advisorA, tokenA] as Caller[]) {
        const visible = await contiguousChildren(client);
        expect(visible).not.toContain(onlyDrafts.id);
        expect(visible).toContain(after.id);
      }
      // Listing the hidden folder by id is listing a folder that does not exist.
      expect(observableAnswer(await s.buyerA.get(`${s.roomPath}/documents?folderId=${onlyDrafts.id}`))).toEqual(observableAnswer(await s.buyerA.get(`${s.roomPath}/documents?folderId=${randomUUID()}`)));

      await s.publish({ documentIds: [draftInside.id] });
      expect(await contiguousChildren(s.buyerA)).toContain(onlyDrafts.id);
      expect(ids(await listedIn(s, s.buyerA, onlyDrafts.id))).toEqual([draftInside.id]);

      await s.withdraw(draftInside.id);
      expect(await contiguousChildren(s.buyerA)).not.toContain(onlyDrafts.id);
    });

    it('the access explanation names the published condition: a draft and a withdrawn document fail it alone', async () => {
      const explain = (documentId: string) => expectStatus<{ level: string | null; reasons: Array<{ rule: string; ok: boolean; detail: string }> }>(
        s.manager.get(`${s.roomPath}/access?userId=${s.users.buyerA.id}&documentId=${documentId}`),
        200,
      );
      for (const [doc, detail] of [[draft, /draft/], [withdrawn, /withdrawn/]] as const) {
        const res = await explain(doc.id);
        expect(res.level).toBeNull();
        expect(res.reasons.find((r) => r.rule === 'published')).toEqual({ rule: 'published', ok: false, detail: expect.stringMatching(detail) });
        // Every other condition holds: rule 6 alone keeps the document in.
        const others = res.reasons.filter((r) => r.rule !== 'published' && r.rule !== 'grant');
        expect(others.every((r) => r.ok)).toBe(true);
        expect(res.reasons.some((r) => r.rule === 'grant' && r.ok)).toBe(true);
      }
      const control = await explain(published.id);
      expect(control.level).toBe('original');
      expect(control.reasons.find((r) => r.rule === 'published')).toMatchObject({ ok: true });
    });

    it('a leaked copy of a withdrawn document is still traced to its download, and the disclosure register and version history keep its deliveries', async () => {
      const traced = await s.counsel.upload(`${s.roomPath}/trace`, { data: leakedCopy.bytes, name: 'found-on-a-forum.pdf' });
      expect(traced.status).toBe(200);
      expect(traced.body).toMatchObject({ downloadId: leakedCopy.downloadId, documentId: withdrawn.id, user: { id: s.users.buyerA.id }, org: { id: s.orgs.alpha.id } });

      const register = await expectStatus<{ items: Array<{ orgId: string; documentId: string; count: number }> }>(s.counsel.get(`${s.roomPath}/disclosures`), 200);
      const ofWithdrawn = register.items.filter((d) => d.documentId === withdrawn.id);
      expect(ofWithdrawn).toEqual([expect.objectContaining({ orgId: s.orgs.alpha.id })]);
      expect(ofWithdrawn[0]!.count).toBeGreaterThanOrEqual(2);
      expect(register.items.some((d) => d.documentId === withdrawnDataset.id && d.orgId === s.orgs.alpha.id)).toBe(true);
      expect(register.items.some((d) => d.documentId === draft.id || d.documentId === draftDataset.id)).toBe(false);

      const history = await expectStatus<{ items: Array<{ receivedBy: Array<{ partyId: string }> }> }>(s.manager.get(`/api/documents/${withdrawn.id}/versions`), 200);
      expect(history.items[0]!.receivedBy.map((r) => r.partyId)).toEqual([s.parties.A.id]);
    });

    it("the bidder's room and the bidder's publish attempts tell nothing of how the deal team stages uploads", async () => {
      const room = await expectStatus<Record<string, unknown>>(s.buyerA.get(s.roomPath), 200);
      expect(room).not.toHaveProperty('uploadsStartAs');
      expect((await s.manager.get(s.roomPath)).body.uploadsStartAs).toBe('draft');

      const missing = randomUUID();
      for (const client of [s.buyerA, tokenA] as Caller[]) {
        const publish = (id: string) => client.post(`${s.roomPath}/publish`, { documentIds: [id] });
        const preview = (id: string) => client.get(`${s.roomPath}/publish/preview?documentIds=${id}`);
        for (const [what, call] of [['publish', publish], ['preview', preview]] as const) {
          const real = await call(draft.id);
          const fake = await call(missing);
          expect([what, real.status]).toEqual([what, 403]);
          expect([what, observableAnswer(real)]).toEqual([what, observableAnswer(fake)]);
        }
        expect((await client.post(`${s.roomPath}/publish`, { all: true })).status).toBe(403);
      }
      expect((await s.staffView(draft.id)).status).toBe('draft');
      expect((await s.staffView(withdrawn.id)).status).toBe('withdrawn');
    });

    it("an outsider's view of a published document carries none of the deal team's lifecycle record", async () => {
      const res = await expectStatus<Record<string, unknown>>(s.buyerA.get(`/api/documents/${published.id}`), 200);
      expect(res.status).toBe('published');
      for (const field of ['publishedAt', 'publishedBy', 'withdrawnAt', 'withdrawnBy', 'withdrawnReason', 'lifecycle', 'deliveryNotes']) expect(res).not.toHaveProperty(field);
      const listed = await expectStatus<{ items: Array<Record<string, unknown>> }>(s.buyerA.get(`${s.roomPath}/documents?folderId=${folderId}`), 200);
      for (const field of ['publishedBy', 'withdrawnReason']) expect(listed.items[0]).not.toHaveProperty(field);
    });
  });

  describe('the stage of a document is set by the room and by the deal team alone', () => {
    it('a room created without uploadsStartAs starts every upload as a draft that no bidder sees', async () => {
      const room = await expectStatus<{ id: string; uploadsStartAs: string }>(
        s.manager.post('/api/rooms', { name: 'Sale of Falcon II', entityIds: [s.entities.gmbh.id] }),
        201,
      );
      expect(room.uploadsStartAs).toBe('draft');
      const folder = await expectStatus<{ id: string }>(s.manager.post(`/api/rooms/${room.id}/folders`, { name: 'Finance' }), 201);
      const doc = await expectStatus<{ id: string }>(
        s.manager.upload(`/api/rooms/${room.id}/documents`, { data: await makePdf('second room'), name: 'second.pdf' }, { folderId: folder.id, entityId: s.entities.gmbh.id, classification: 'standard', personalData: 'none' }),
        201,
      );
      expect((await s.staffView(doc.id)).status).toBe('draft');
    });

    it('the stage changes through publish and withdraw alone: a status in an upload, a new version or a PATCH is refused naming it', async () => {
      const folder = await s.folder('Mass assignment');
      const upload = await s.manager.upload(`${s.roomPath}/documents`, { data: await makePdf('sneaky'), name: 'sneaky.pdf' }, {
        folderId: folder.id, entityId: s.entities.gmbh.id, classification: 'standard', personalData: 'none', status: 'published',
      });
      expect([upload.status, upload.body.error?.details?.status]).toEqual([400, 'unknown field']);
      const doc = await s.upload({ title: 'Stays a draft', folderId: folder.id });
      const patched = await s.manager.patch(`/api/documents/${doc.id}`, { status: 'published' });
      expect([patched.status, patched.body.error?.details?.status]).toEqual([400, 'unknown field']);
      const published = await s.manager.patch(`/api/documents/${doc.id}`, { title: 'Renamed', publishedAt: new Date().toISOString() });
      expect([published.status, published.body.error?.details?.publishedAt]).toEqual([400, 'unknown field']);
      const version = await s.manager
        .upload(`/api/documents/${doc.id}/versions`, { data: await makePdf('v2'), name: 'v2.pdf' }, { status: 'published' });
      expect([version.status, version.body.error?.details?.status]).toEqual([400, 'unknown field']);
      const room = await s.manager.patch(s.roomPath, { uploadsStartAs: 'public' });
      expect([room.status, Object.keys(room.body.error?.details ?? {})]).toEqual([400, ['uploadsStartAs']]);
      // A bidder cannot make the room publish uploads at once.
      for (const client of [s.buyerA, tokenA] as Caller[]) expect([403, 404]).toContain((await client.patch(s.roomPath, { uploadsStartAs: 'published' })).status);
      expect((await s.manager.get(s.roomPath)).body.uploadsStartAs).toBe('draft');
      expect(await s.staffView(doc.id)).toMatchObject({ status: 'draft', version: 1 });
      expect((await s.buyerA.get(`/api/documents/${doc.id}`)).status).toBe(404);
    });

    it('publishing an empty selection publishes nothing: an empty list of documents never stands for the whole room', async () => {
      // A room of its own: were the empty list taken for "everything", the damage stays in it.
      const room = await expectStatus<{ id: string }>(s.manager.post('/api/rooms', { name: 'Sale of Falcon III', entityIds: [s.entities.gmbh.id] }), 201);
      const folder = await expectStatus<{ id: string }>(s.manager.post(`/api/rooms/${room.id}/folders`, { name: 'Unselected' }), 201);
      const drafts: Array<{ id: string }> = [];
      for (const title of ['Unselected one', 'Unselected two']) {
        drafts.push(
          await expectStatus<{ id: string }>(
            s.manager.upload(`/api/rooms/${room.id}/documents`, { data: await makePdf(title), name: `${title}.pdf` }, { folderId: folder.id, entityId: s.entities.gmbh.id, classification: 'standard', personalData: 'none', title }),
            201,
          ),
        );
      }
      const res = await s.manager.post(`/api/rooms/${room.id}/publish`, { documentIds: [] });
      // Either refused naming the field, or nothing published; never every draft of the room.
      if (res.status === 400) expect(res.body.error.details).toHaveProperty('documentIds');
      else expect([res.status, res.body]).toEqual([200, { published: 0 }]);
      for (const d of drafts) expect((await s.staffView(d.id)).status).toBe('draft');
    });

    it('publishing a folder publishes its drafts and never brings back what the deal team withdrew', async () => {
      const folder = await s.folder('Republish');
      const taken = await s.upload({ title: 'Taken back', folderId: folder.id });
      await s.publish({ documentIds: [taken.id] });
      await s.withdraw(taken.id, 'superseded');
      const fresh = await s.upload({ title: 'Fresh draft', folderId: folder.id });
      const sub = await s.folder('Republish sub', folder.id);
      const nested = await s.upload({ title: 'Nested draft', folderId: sub.id });

      expect(await s.publish({ folderId: folder.id })).toEqual({ published: 2 });
      expect((await s.staffView(taken.id)).status).toBe('withdrawn');
      expect((await s.buyerA.get(`/api/documents/${taken.id}`)).status).toBe(404);
      expect((await s.buyerA.get(`/api/documents/${fresh.id}`)).status).toBe(200);
      expect((await s.buyerA.get(`/api/documents/${nested.id}`)).status).toBe(200);
    });

    it('a new version keeps the stage: of a withdrawn document it stays withdrawn, of a draft a draft, of a published document it is published at once', async () => {
      const folder = await s.folder('Versions');
      const withdrawn = await s.upload({ title: 'Versioned withdrawn', folderId: folder.id });
      const draft = await s.upload({ title: 'Versioned draft', folderId: folder.id });
      const published = await s.upload({ title: 'Versioned published', folderId: folder.id });
      await s.publish({ documentIds: [withdrawn.id, published.id] });
      await s.withdraw(withdrawn.id);

      for (const doc of [withdrawn, draft, published]) {
        await expectStatus(s.manager.upload(`/api/documents/${doc.id}/versions`, { data: await makePdf(`v2 of ${doc.id}`), name: 'v2.pdf' }), 201);
      }
      expect([(await s.staffView(withdrawn.id)).status, (await s.staffView(draft.id)).status, (await s.staffView(published.id)).status]).toEqual(['withdrawn', 'draft', 'published']);
      for (const doc of [withdrawn, draft]) {
        expectIndistinguishable('metadata', await getRaw(s.buyerA, `/api/documents/${doc.id}`), await getRaw(s.buyerA, `/api/documents/${randomUUID()}`));
        expectIndistinguishable('content', await getRaw(s.buyerA, `/api/documents/${doc.id}/content`), await getRaw(s.buyerA, `/api/documents/${randomUUID()}/content`));
      }
      const seen = await expectStatus<{ version: number; status: string }>(s.buyerA.get(`/api/documents/${published.id}`), 200);
      expect(seen).toMatchObject({ version: 2, status: 'published' });
      expect(ids(await listedIn(s, s.buyerA, folder.id))).toEqual([published.id]);
    });

    it('a link handed out before a withdrawal stays dead when the deal team republishes a corrected version: the withdrawn bytes never resume', async () => {
      const folder = await s.folder('Corrected');
      const doc = await s.upload({ title: 'Management accounts', folderId: folder.id });
      await s.publish({ documentIds: [doc.id] });
      const first = await getRaw(s.buyerA, `/api/documents/${doc.id}/content?disposition=inline`, 'bytes=0-99');
      expect(first.status).toBe(206);
      const downloadId = first.headers['x-download-id'];

      await s.withdraw(doc.id, 'page 7 holds an employee list');
      await expectStatus(s.manager.upload(`/api/documents/${doc.id}/versions`, { data: await makePdf('Management accounts, corrected'), name: 'corrected.pdf' }), 201);
      await s.publish({ documentIds: [doc.id] });
      expect((await s.buyerA.get(`/api/documents/${doc.id}`)).body).toMatchObject({ version: 2, status: 'published' });

      // The bidder may have the corrected version; the link of the withdrawn one must not give them the rest of it.
      const resumed = await getRaw(s.buyerA, `/api/documents/${doc.id}/content?disposition=inline&download=${downloadId}`, 'bytes=100-199');
      // The ledger says which version's bytes a resumed range sent.
      const resumedWithdrawn = (await s.ledgerOf(doc.id)).filter((e) => e.action.endsWith('.resume') && e.details.downloadId === downloadId && e.details.versionId === doc.versionId);
      expect({ status: resumed.status, withdrawnVersionResumed: resumed.status === 206 && resumedWithdrawn.length > 0 }).toEqual({ status: expect.any(Number), withdrawnVersionResumed: false });
      expect([400, 404, 409]).toContain(resumed.status);
    });
  });

  describe('state races', () => {
    it('publish and withdraw at once: the status, what the bidder gets and the ledger agree', async () => {
      const folder = await s.folder('Publish against withdraw');
      for (let round = 0; round < 6; round++) {
        const doc = await s.upload({ title: `Contested ${round}`, folderId: folder.id });
        const publish = s.manager.post(`${s.roomPath}/publish`, { documentIds: [doc.id] });
        const withdraw = s.manager.post(`/api/documents/${doc.id}/withdraw`, { reason: `round ${round}` });
        const [p, w] = round % 2 === 0 ? await Promise.all([publish, withdraw]) : (await Promise.all([withdraw, publish])).reverse();
        expect([round, p.status, w.status]).toEqual([round, 200, 200]);

        const status = (await s.staffView(doc.id)).status;
        expect(['published', 'withdrawn']).toContain(status);
        const seen = await s.buyerA.get(`/api/documents/${doc.id}`);
        expect([round, status, seen.status]).toEqual([round, status, status === 'published' ? 200 : 404]);
        // Replaying the ledger gives the status stored: no change went unrecorded, none was recorded twice.
        let replayed = 'draft';
        for (const e of await s.ledgerOf(doc.id)) {
          if (e.action === 'document.publish') replayed = 'published';
          if (e.action === 'document.withdraw' && e.details.changed) replayed = 'withdrawn';
        }
        expect([round, replayed]).toEqual([round, status]);
      }
    });

    it('two publishes at once publish each document once, with one ledger event each', async () => {
      const folder = await s.folder('Double publish');
      const docs = [];
      for (let i = 0; i < 6; i++) docs.push(await s.upload({ title: `Twice ${i}`, folderId: folder.id }));
      const [byFolder, byIds, again] = await Promise.all([
        s.manager.post(`${s.roomPath}/publish`, { folderId: folder.id }),
        s.manager.post(`${s.roomPath}/publish`, { documentIds: docs.map((d) => d.id) }),
        s.manager.post(`${s.roomPath}/publish`, { documentIds: docs.slice(0, 3).map((d) => d.id) }),
      ]);
      expect([byFolder.status, byIds.status, again.status]).toEqual([200, 200, 200]);
      expect(byFolder.body.published + byIds.body.published + again.body.published).toBe(docs.length);
      for (const doc of docs) {
        const events = (await s.ledgerOf(doc.id)).filter((e) => e.action === 'document.publish');
        expect([doc.id, events.length]).toEqual([doc.id, 1]);
      }
      expect(ids(await listedIn(s, s.buyerA, folder.id))).toHaveLength(docs.length);
    });

    /**
     * Rounds of a bidder's download and the manager's delete of the same published document at
     * once, the delete started a little later each round so that it lands at every step of the
     * delivery. Each round: what each side was answered, and what stayed of the document.
     */
    async function raceDeleteAgainstDownload(name: string, rounds = 8) {
      const folder = await s.folder(name);
      const outcomes: Array<{ round: number; download: number; removal: number; kept: boolean; onRecord: boolean }> = [];
      for (let round = 0; round < rounds; round++) {
        const doc = await s.upload({ title: `${name} ${round}`, folderId: folder.id });
        await s.publish({ documentIds: [doc.id] });
        const [download, removal] = await Promise.all([
          getRaw(s.buyerA, `/api/documents/${doc.id}/content`),
          (async () => {
            await sleep(round * 2);
            return s.manager.delete(`/api/documents/${doc.id}`);
          })(),
        ]);
        const kept = (await s.manager.get(`/api/documents/${doc.id}`)).status === 200;
        const register = (await s.counsel.get(`${s.roomPath}/disclosures`)).body.items as Array<{ documentId: string }>;
        outcomes.push({ round, download: download.status, removal: removal.status, kept, onRecord: register.some((d) => d.documentId === doc.id) });
      }
      return outcomes;
    }

    it("a delete racing a bidder's download never deletes a delivered document: what left the room stays, on the record", async () => {
      for (const o of await raceDeleteAgainstDownload('Delivered stays')) {
        if (o.download === 200) expect(o).toMatchObject({ kept: true, onRecord: true });
        if (o.removal === 204) expect(o).toMatchObject({ kept: false, onRecord: false });
        expect([o.round, o.download === 200 && o.removal === 204]).toEqual([o.round, false]);
      }
    });

    it("a delete landing in the middle of a bidder's download: the delete goes through (nothing has left yet) and the download is the 404 of a missing id, never a 500 and never a byte", async () => {
      const folder = await s.folder('Delete mid-download');
      const doc = await s.upload({ title: 'Deleted mid-download', folderId: folder.id });
      await s.publish({ documentIds: [doc.id] });
      // The download has found the document and reads its stamp index from the store when the delete lands.
      const hold = holdNextStoreRead(t.store);
      const download = getRaw(s.buyerA, `/api/documents/${doc.id}/content`).then((r) => r);
      const patience = new AbortController();
      let removal: Answer;
      try {
        const timedOut = sleep(20_000, undefined, { signal: patience.signal }).then(() => Promise.reject(new Error('the download never read the store')));
        timedOut.catch(() => undefined);
        await Promise.race([hold.reached, timedOut]);
        removal = await s.manager.delete(`/api/documents/${doc.id}`);
      } finally {
        patience.abort();
        hold.release();
      }
      const answered = await download;
      expect(removal.status).toBe(204);
      expect(answered.body.subarray(0, 5).toString('latin1')).not.toBe('%PDF-');
      expectIndistinguishable('download of a document deleted meanwhile', answered, await getRaw(s.buyerA, `/api/documents/${randomUUID()}/content`));
      const register = (await s.counsel.get(`${s.roomPath}/disclosures`)).body.items as Array<{ documentId: string }>;
      expect(register.some((d) => d.documentId === doc.id)).toBe(false);
    });
  });

  describe('delete only what never left the deal team', () => {
    it('a document a bidder viewed inline once is not deletable (409 delivered), even withdrawn, and stays', async () => {
      const folder = await s.folder('Viewed once');
      const doc = await s.upload({ title: 'Seen once', folderId: folder.id });
      await s.publish({ documentIds: [doc.id] });
      expect((await getRaw(s.buyerA, `/api/documents/${doc.id}/content?disposition=inline`)).status).toBe(200);
      const refused = await s.manager.delete(`/api/documents/${doc.id}`);
      expect([refused.status, refused.body.error?.code]).toEqual([409, 'delivered']);
      await s.withdraw(doc.id);
      expect((await s.manager.delete(`/api/documents/${doc.id}`)).status).toBe(409);
      expect((await s.staffView(doc.id)).status).toBe('withdrawn');
    });

    it('a dataset of which a bidder read one page of rows is not deletable', async () => {
      const folder = await s.folder('Dataset page');
      const dataset = await s.uploadDataset({ title: 'Paged census', folderId: folder.id });
      await s.publish({ documentIds: [dataset.id] });
      expect((await s.buyerA.get(`/api/documents/${dataset.id}/rows?limit=3`)).status).toBe(200);
      const refused = await s.manager.delete(`/api/documents/${dataset.id}`);
      expect([refused.status, refused.body.error?.code]).toEqual([409, 'delivered']);
      expect((await s.manager.get(`/api/documents/${dataset.id}`)).status).toBe(200);
    });

    it('a document only the deal team downloaded is deleted: 404 for staff too, its stored objects gone, the ledger still verifies', async () => {
      const folder = await s.folder('Deal team only');
      const outsideLedger = (keys: string[]) => keys.filter((k) => !k.startsWith('ledger'));
      const before = new Set(outsideLedger(storedObjectKeys(t)));
      const doc = await s.upload({ title: 'Internal working paper', folderId: folder.id });
      await expectStatus(s.manager.upload(`/api/documents/${doc.id}/versions`, { data: await makePdf('working paper v2'), name: 'v2.pdf' }), 201);
      await s.publish({ documentIds: [doc.id] });
      expect((await getRaw(s.manager, `/api/documents/${doc.id}/content`)).status).toBe(200);
      expect((await getRaw(s.counsel, `/api/documents/${doc.id}/original`)).status).toBe(200);
      expect((await getRaw(s.manager, `/api/documents/${doc.id}/versions/${doc.versionId}/original`)).status).toBe(200);
      const added = outsideLedger(storedObjectKeys(t)).filter((k) => !before.has(k));
      expect(added.length).toBeGreaterThanOrEqual(2);

      expect((await s.manager.delete(`/api/documents/${doc.id}`)).status).toBe(204);
      expect((await s.manager.get(`/api/documents/${doc.id}`)).status).toBe(404);
      expect((await getRaw(s.manager, `/api/documents/${doc.id}/original`)).status).toBe(404);
      expect((await s.manager.get(`/api/documents/${doc.id}/versions`)).status).toBe(404);
      expect(ids(await listedIn(s, s.manager, folder.id))).toEqual([]);
      const left = new Set(storedObjectKeys(t));
      expect(added.filter((k) => left.has(k))).toEqual([]);

      const deletion = (await s.ledgerOf(doc.id)).filter((e) => e.action === 'document.delete');
      expect(deletion).toHaveLength(1);
      expect((deletion[0]!.details.versions as unknown[]).length).toBe(2);
      expect((await s.admin.get('/api/audit/verify')).body).toMatchObject({ ok: true });
    });
  });

  describe('moves', () => {
    it("moving a published document or its folder outside the bidder's grant hides it on the very next request", async () => {
      const folder = await s.folder('Moving');
      const outside = await expectStatus<{ id: string }>(s.manager.post(`${s.roomPath}/folders`, { name: 'Seller only' }), 201);
      const doc = await s.upload({ title: 'Moved away', folderId: folder.id });
      await s.publish({ documentIds: [doc.id] });
      expect((await s.buyerA.get(`/api/documents/${doc.id}`)).status).toBe(200);
      expect((await tokenA.get(`/api/documents/${doc.id}`)).status).toBe(200);

      await expectStatus(s.manager.patch(`/api/documents/${doc.id}`, { folderId: outside.id }), 200);
      for (const client of [s.buyerA, tokenA] as Caller[]) {
        expectIndistinguishable('moved document', await getRaw(client, `/api/documents/${doc.id}`), await getRaw(client, `/api/documents/${randomUUID()}`));
        expectIndistinguishable('moved content', await getRaw(client, `/api/documents/${doc.id}/content`), await getRaw(client, `/api/documents/${randomUUID()}/content`));
      }
      expect(ids(await listedIn(s, s.buyerA, folder.id))).toEqual([]);

      // A folder moved out of the granted subtree takes its documents with it.
      const sub = await s.folder('Moving folder');
      const inside = await s.upload({ title: 'Inside moving folder', folderId: sub.id });
      await s.publish({ documentIds: [inside.id] });
      expect((await s.buyerA.get(`/api/documents/${inside.id}`)).status).toBe(200);
      await expectStatus(s.manager.patch(`${s.roomPath}/folders/${sub.id}`, { parentId: null }), 200);
      expect((await s.buyerA.get(`/api/documents/${inside.id}`)).status).toBe(404);
      expect((await bidderFolders()).map((f) => f.id)).not.toContain(sub.id);
    });

    it("reclassifying a published document above the bidder's limit hides it from that bidder on the next request", async () => {
      const folder = await s.folder('Reclassified');
      const doc = await s.upload({ title: 'Pricing memo', folderId: folder.id });
      await s.publish({ documentIds: [doc.id] });
      expect((await s.buyerB.get(`/api/documents/${doc.id}`)).status).toBe(200);
      await expectStatus(s.manager.patch(`/api/documents/${doc.id}`, { classification: 'confidential' }), 200);
      expectIndistinguishable('reclassified', await getRaw(s.buyerB, `/api/documents/${doc.id}`), await getRaw(s.buyerB, `/api/documents/${randomUUID()}`));
      expect((await s.buyerA.get(`/api/documents/${doc.id}`)).status).toBe(200);
    });

    it('a folder cannot move into itself or its own subtree: 400 naming parentId, and the tree is unchanged', async () => {
      const top = await s.folder('Tree top');
      const child = await s.folder('Tree child', top.id);
      const grandchild = await s.folder('Tree grandchild', child.id);
      for (const parentId of [top.id, child.id, grandchild.id]) {
        const res = await s.manager.patch(`${s.roomPath}/folders/${top.id}`, { parentId });
        expect([parentId, res.status]).toEqual([parentId, 400]);
        expect(res.body.error.details).toHaveProperty('parentId');
      }
      const folders = (await s.manager.get(`${s.roomPath}/folders`)).body.items as Array<{ id: string; parentId: string | null }>;
      expect(folders.find((f) => f.id === top.id)!.parentId).toBe(s.dataRoom.id);
      expect(folders.find((f) => f.id === child.id)!.parentId).toBe(top.id);
    });

    it('positions 0, -1, 1.5, 10^9, past the end, and a string are refused naming position, for documents and folders alike', async () => {
      const folder = await s.folder('Positions');
      const a = await s.upload({ title: 'Position a', folderId: folder.id });
      await s.upload({ title: 'Position b', folderId: folder.id });
      const sub = await s.folder('Position sub', folder.id);
      await s.folder('Position sub 2', folder.id);
      for (const position of [0, -1, 1.5, 1e9, 3, 99, '1', null, true]) {
        const doc = await s.manager.patch(`/api/documents/${a.id}`, { position });
        expect([position, doc.status, Object.keys(doc.body.error?.details ?? {})]).toEqual([position, 400, ['position']]);
        const fold = await s.manager.patch(`${s.roomPath}/folders/${sub.id}`, { position });
        expect([position, fold.status, Object.keys(fold.body.error?.details ?? {})]).toEqual([position, 400, ['position']]);
      }
      expect((await s.staffView(a.id)).index).toBe(`${folder.index}.1`);
    });

    it("another room's folder or document id is refused exactly as an id that does not exist", async () => {
      const erikUser = await expectStatus<{ id: string }>(s.admin.post('/api/users', { email: 'erik@seller.example', name: 'Erik Eagle', password: PASSWORD, orgId: s.orgs.sellerOrgId, role: 'staff' }), 201);
      expect(erikUser.id).toBeTruthy();
      const erik = await Client.login(t.app, 'erik@seller.example', PASSWORD);
      const eagle = await expectStatus<{ id: string }>(erik.post('/api/rooms', { name: 'Sale of Eagle', entityIds: [s.entities.outside.id] }), 201);
      const eaglePath = `/api/rooms/${eagle.id}`;
      const eagleFolder = await expectStatus<{ id: string }>(erik.post(`${eaglePath}/folders`, { name: 'Eagle finance' }), 201);
      const eagleDoc = await expectStatus<{ id: string }>(
        erik.upload(`${eaglePath}/documents`, { data: await makePdf('eagle'), name: 'eagle.pdf' }, { folderId: eagleFolder.id, entityId: s.entities.outside.id, classification: 'standard', personalData: 'none' }),
        201,
      );
      const folder = await s.folder('Cross room');
      const doc = await s.upload({ title: 'Cross room doc', folderId: folder.id });
      const fakeFolder = randomUUID();
      const fakeDoc = randomUUID();

      // Falcon's manager reaching into Eagle from Falcon's own routes: 400 naming the field, as for an unknown id.
      expectSameButForId('move a document into another room', await s.manager.patch(`/api/documents/${doc.id}`, { folderId: eagleFolder.id }), eagleFolder.id, await s.manager.patch(`/api/documents/${doc.id}`, { folderId: fakeFolder }), fakeFolder);
      expectSameButForId('move a folder into another room', await s.manager.patch(`${s.roomPath}/folders/${folder.id}`, { parentId: eagleFolder.id }), eagleFolder.id, await s.manager.patch(`${s.roomPath}/folders/${folder.id}`, { parentId: fakeFolder }), fakeFolder);
      expectSameButForId('publish another room\'s document', await s.manager.post(`${s.roomPath}/publish`, { documentIds: [eagleDoc.id] }), eagleDoc.id, await s.manager.post(`${s.roomPath}/publish`, { documentIds: [fakeDoc] }), fakeDoc);
      expectSameButForId('publish another room\'s folder', await s.manager.post(`${s.roomPath}/publish`, { folderId: eagleFolder.id }), eagleFolder.id, await s.manager.post(`${s.roomPath}/publish`, { folderId: fakeFolder }), fakeFolder);
      expectSameButForId('preview another room\'s document', await s.manager.get(`${s.roomPath}/publish/preview?documentIds=${eagleDoc.id}`), eagleDoc.id, await s.manager.get(`${s.roomPath}/publish/preview?documentIds=${fakeDoc}`), fakeDoc);
      expectIndistinguishable('another room\'s folder by this room\'s path', await s.manager.patch(`${s.roomPath}/folders/${eagleFolder.id}`, { name: 'x' }), await s.manager.patch(`${s.roomPath}/folders/${fakeFolder}`, { name: 'x' }));
      // Erik, a manager elsewhere, on Falcon's draft: the 404 of nothing.
      for (const [what, call] of [
        ['read', (id: string) => erik.get(`/api/documents/${id}`)],
        ['rename', (id: string) => erik.patch(`/api/documents/${id}`, { title: 'x' })],
        ['withdraw', (id: string) => erik.post(`/api/documents/${id}/withdraw`, { reason: 'x' })],
        ['delete', (id: string) => erik.delete(`/api/documents/${id}`)],
        ['history', (id: string) => erik.get(`/api/documents/${id}/versions`)],
      ] as const) {
        expectIndistinguishable(`another room's manager: ${what}`, await call(doc.id), await call(fakeDoc));
      }
      expect((await s.staffView(doc.id)).status).toBe('draft');
      expect((await erik.get(`/api/documents/${eagleDoc.id}`)).body).toMatchObject({ status: 'draft', folderId: eagleFolder.id });
    });
  });

  describe('the publish preview', () => {
    it("a manager of another room gets the 404 of a random room for this room's preview; counsel gets 403", async () => {
      const folder = await s.folder('Preview guard');
      const doc = await s.upload({ title: 'Preview guarded', folderId: folder.id });
      await expectStatus(s.admin.post('/api/users', { email: 'olga@seller.example', name: 'Olga Other', password: PASSWORD, orgId: s.orgs.sellerOrgId, role: 'staff' }), 201);
      const olga = await Client.login(t.app, 'olga@seller.example', PASSWORD);
      await expectStatus(olga.post('/api/rooms', { name: 'Sale of Osprey', entityIds: [s.entities.outside.id] }), 201);
      const q = `?documentIds=${doc.id}`;
      expectIndistinguishable('preview of a room not theirs', await olga.get(`${s.roomPath}/publish/preview${q}`), await olga.get(`/api/rooms/${randomUUID()}/publish/preview${q}`));
      expectIndistinguishable('publish in a room not theirs', await olga.post(`${s.roomPath}/publish`, { documentIds: [doc.id] }), await olga.post(`/api/rooms/${randomUUID()}/publish`, { documentIds: [doc.id] }));
      expect((await s.counsel.get(`${s.roomPath}/publish/preview${q}`)).status).toBe(403);
      expect((await s.counsel.post(`${s.roomPath}/publish`, { documentIds: [doc.id] })).status).toBe(403);
      expect((await s.staffView(doc.id)).status).toBe('draft');
    });

    it("the preview's counts per party equal what each party lists once published; a party without NDA coverage counts 0", async () => {
      const folder = await s.folder('Preview');
      const upload = (title: string, o: { entity?: 'gmbh' | 'ltd'; classification?: string; personalData?: string } = {}) => s.upload({ title, folderId: folder.id, ...o });
      // A and its advisor: all five (original level, every classification, both entities).
      // B: standard documents of Falcon GmbH without personal data only — the first.
      // C: no NDA — nothing.
      const docs = [
        await upload('Preview standard'),
        await upload('Preview confidential', { classification: 'confidential' }),
        await upload('Preview of Falcon Ltd', { entity: 'ltd' }),
        await upload('Preview payroll', { personalData: 'identified' }),
        await upload('Preview highly confidential', { classification: 'highly_confidential', personalData: 'pseudonymised' }),
      ];
      const alreadyOut = await upload('Preview already out');
      await s.publish({ documentIds: [alreadyOut.id] });
      const clean = await upload('Preview clean team', { classification: 'clean_team' });

      const preview = await expectStatus<{ parties: Array<{ partyId: string; documents: number; personalData: number; highlyConfidential: number }> }>(
        s.manager.get(`${s.roomPath}/publish/preview?folderId=${folder.id}`),
        200,
      );
      const of = (partyId: string) => preview.parties.find((p) => p.partyId === partyId)!;
      expect(of(s.parties.A.id)).toMatchObject({ documents: 5, personalData: 2, highlyConfidential: 1 });
      expect(of(s.parties.B.id)).toMatchObject({ documents: 1, personalData: 0, highlyConfidential: 0 });
      expect(of(s.parties.C.id)).toMatchObject({ documents: 0, personalData: 0, highlyConfidential: 0 });
      // Naming documents counts the same drafts; a published one is out already and not counted.
      const named = await expectStatus<{ parties: Array<{ partyId: string; documents: number }> }>(
        s.manager.get(`${s.roomPath}/publish/preview?documentIds=${[...docs, alreadyOut].map((d) => d.id).join(',')}`),
        200,
      );
      expect(named.parties.find((p) => p.partyId === s.parties.A.id)!.documents).toBe(5);
      // The preview changes nothing.
      expect(ids(await listedIn(s, s.buyerA, folder.id))).toEqual([alreadyOut.id]);

      expect(await s.publish({ folderId: folder.id })).toEqual({ published: docs.length + 1 });
      const listedNew = async (client: Client) => {
        const items = await listedIn(s, client, folder.id);
        return typeof items === 'number' ? items : items.filter((d) => d.id !== alreadyOut.id).length;
      };
      expect(await listedNew(s.buyerA)).toBe(of(s.parties.A.id).documents);
      expect(await listedNew(s.advisorA)).toBe(of(s.parties.A.id).documents);
      expect(await listedNew(s.buyerB)).toBe(of(s.parties.B.id).documents);
      // Party C lists nothing at all: no NDA covers them.
      expect(await listedIn(s, s.buyerC, folder.id)).toBe(403);
      // The clean-team draft published with the rest is no one's without a clean-team member.
      expect((await s.buyerA.get(`/api/documents/${clean.id}`)).status).toBe(404);
    });
  });
});

describe('mail digests never name a draft or a withdrawn document', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  let s: StagedDeal;
  const readable = (m: ParsedMail) => `${m.subject}\n${m.text}\n${m.html || ''}`;
  /** Two passes: runOnce joins a pass under way, which may have begun before the last change. */
  const settle = async () => {
    await t.mail!.runOnce();
    await t.mail!.runOnce();
  };
  const mailsTo = (address: string) => smtp.messages.filter(to(address));

  beforeAll(async () => {
    smtp = await startSmtpSink();
    // The worker polls rarely: each test makes the digests when it chooses, with no settle time.
    t = await startTestApp({ SMTP_URL: smtp.url, MAIL_POLL_SECONDS: '3600' }, { mailWorker: { digestSettleMs: 0 } });
    s = await buildStagedDeal(t);
    await settle();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  it('a draft is never named; once published it is named to those who may view it, and to no one else', async () => {
    const folder = await s.folder('Digest');
    const before = smtp.messages.length;
    const narwhal = await s.upload({ title: 'Narwhal draft', folderId: folder.id });
    const okapi = await s.upload({ title: 'Okapi confidential', folderId: folder.id, classification: 'confidential' });
    await settle();
    await sleep(300);
    const draftMail = smtp.messages.slice(before);
    expect(draftMail.filter((m) => /Narwhal|Okapi/.test(readable(m)))).toEqual([]);

    await s.publish({ documentIds: [narwhal.id, okapi.id] });
    await settle();
    const toA = await smtp.waitFor((m) => to(s.users.buyerA.email)(m) && readable(m).includes('Narwhal draft'));
    expect(readable(toA)).toContain('Okapi confidential');
    await smtp.waitFor((m) => to(s.users.advisorA.email)(m) && readable(m).includes('Narwhal draft'));
    const toB = await smtp.waitFor((m) => to(s.users.buyerB.email)(m) && readable(m).includes('Narwhal draft'));
    // B's grant stops at standard: the confidential one is not theirs to hear of.
    expect(readable(toB)).not.toContain('Okapi');
    await settle();
    await sleep(300);
    expect(mailsTo(s.users.buyerC.email).filter((m) => /Narwhal|Okapi/.test(readable(m)))).toEqual([]);
    expect(mailsTo(s.users.buyerB.email).filter((m) => readable(m).includes('Okapi'))).toEqual([]);
  });

  it('a document published and withdrawn before the digest is made is named to no bidder', async () => {
    const folder = await s.folder('Digest withdrawn');
    await settle();
    const before = smtp.messages.length;
    const doc = await s.upload({ title: 'Platypus retracted', folderId: folder.id });
    const kept = await s.upload({ title: 'Quetzal kept', folderId: folder.id });
    await s.publish({ documentIds: [doc.id, kept.id] });
    await s.withdraw(doc.id, 'sent by mistake');
    await settle();
    await smtp.waitFor((m) => to(s.users.buyerA.email)(m) && readable(m).includes('Quetzal kept'));
    // A new version of the withdrawn document, and of a draft, is news to no bidder either.
    const draft = await s.upload({ title: 'Platypus draft', folderId: folder.id });
    for (const d of [doc, draft]) await expectStatus(s.manager.upload(`/api/documents/${d.id}/versions`, { data: await makePdf('Platypus v2'), name: 'v2.pdf' }), 201);
    await settle();
    await sleep(300);
    const bidderMail = smtp.messages.slice(before).filter((m) => [s.users.buyerA.email, s.users.advisorA.email, s.users.buyerB.email, s.users.buyerC.email].some((a) => to(a)(m)));
    expect(bidderMail.filter((m) => readable(m).includes('Platypus'))).toEqual([]);
  });
});

describe('a second app on the same database (two processes behind one balancer)', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let s: StagedDeal;
  /** Party A's buyer, signed in on the second app. */
  let buyerOnB: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startTestApp({}, { database });
    b = await startTestApp({}, { database });
    s = await buildStagedDeal(a);
    buyerOnB = await Client.login(b.app, s.users.buyerA.email, PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('a publish and a withdrawal through one app are seen by the bidder through the other at once: document, list, folder and numbering', async () => {
    const folder = await s.folder('Across apps');
    const later = await s.upload({ title: 'Across later', folderId: folder.id });
    await s.publish({ documentIds: [later.id] });
    // Warm the second app's caches: the ability, the bidder's folders and numbering.
    for (let i = 0; i < 2; i++) {
      expect((await buyerOnB.get(`/api/documents/${later.id}`)).status).toBe(200);
      expect((await buyerOnB.get(`${s.roomPath}/folders`)).status).toBe(200);
    }
    const x = (await buyerOnB.get(`${s.roomPath}/folders`)).body.items.find((f: { id: string }) => f.id === folder.id).index as string;
    expect(await listedIn(s, buyerOnB, folder.id)).toEqual([{ id: later.id, index: `${x}.1` }]);

    // A draft placed before it, published through the first app: the second renumbers at once.
    const earlier = await s.upload({ title: 'Across earlier', folderId: folder.id });
    await expectStatus(s.manager.patch(`/api/documents/${earlier.id}`, { position: 1 }), 200);
    expect(await listedIn(s, buyerOnB, folder.id)).toEqual([{ id: later.id, index: `${x}.1` }]);
    expect((await buyerOnB.get(`/api/documents/${earlier.id}`)).status).toBe(404);
    await s.publish({ documentIds: [earlier.id] });
    expect(byIndex(await listedIn(s, buyerOnB, folder.id))).toEqual([{ id: earlier.id, index: `${x}.1` }, { id: later.id, index: `${x}.2` }]);
    expect((await buyerOnB.get(`/api/documents/${earlier.id}`)).status).toBe(200);

    // Withdrawn through the first app: gone on the second, with its link.
    const first = await getRaw(buyerOnB, `/api/documents/${later.id}/content`, 'bytes=0-99');
    expect(first.status).toBe(206);
    await s.withdraw(later.id);
    expect((await buyerOnB.get(`/api/documents/${later.id}`)).status).toBe(404);
    expect((await getRaw(buyerOnB, `/api/documents/${later.id}/content?download=${first.headers['x-download-id']}`, 'bytes=100-199')).status).toBe(404);
    expect(await listedIn(s, buyerOnB, folder.id)).toEqual([{ id: earlier.id, index: `${x}.1` }]);

    // A folder whose only document is withdrawn disappears from the second app's folder list at once.
    const lone = await s.folder('Across lone');
    const loneDoc = await s.upload({ title: 'Across lone doc', folderId: lone.id });
    await s.publish({ documentIds: [loneDoc.id] });
    expect((await buyerOnB.get(`${s.roomPath}/folders`)).body.items.map((f: { id: string }) => f.id)).toContain(lone.id);
    await s.withdraw(loneDoc.id);
    expect((await buyerOnB.get(`${s.roomPath}/folders`)).body.items.map((f: { id: string }) => f.id)).not.toContain(lone.id);
  });
});
