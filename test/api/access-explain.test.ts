import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, iso, type Deal } from '../support/world.js';

/**
 * "Why can X see Y": GET /api/rooms/:roomId/access explains a user's level on a document with one
 * reason per condition of the access rule; refusals carry the same reasons into the ledger; managers
 * can view the room as a party sees it.
 */
let t: TestApp;
let deal: Deal;
beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
});
afterEach(() => t.close());

const explain = (userId: string, documentId: string, as = deal.manager) => as.get(`${deal.roomPath}/access?userId=${userId}&documentId=${documentId}`);
const reason = (body: { reasons: Array<{ rule: string; ok: boolean; detail: string }> }, rule: string) => body.reasons.find((r) => r.rule === rule)!;

it('explains an allowed document: every condition holds, naming the covering NDA and the applying grant', async () => {
  const grant = await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'download' });
  const nda = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
  const res = await explain(deal.users.buyerA.id, deal.docs.finance.id);
  expect(res.status).toBe(200);
  expect(res.body.level).toBe('download');
  expect(res.body.reasons.map((r: { rule: string }) => r.rule)).toEqual(['room_open', 'membership', 'ip_allowlist', 'mfa', 'nda_coverage', 'grant', 'clean_team', 'published']);
  expect(res.body.reasons.every((r: { ok: boolean }) => r.ok)).toBe(true);
  expect(reason(res.body, 'nda_coverage').detail).toContain(nda.id);
  expect(reason(res.body, 'grant').detail).toContain(grant.id);
});

it("explains an advisor covered through the acquirer's NDA for representatives", async () => {
  await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'view' });
  const nda = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true });
  const res = await explain(deal.users.advisorA.id, deal.docs.finance.id);
  expect(res.body.level).toBe('view');
  expect(reason(res.body, 'nda_coverage')).toEqual({ rule: 'nda_coverage', ok: true, detail: expect.stringContaining(`${nda.id} of the party's acquirer`) });
});

it('says why no NDA applies: none registered, pending, expired, or another entity', async () => {
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
  const none = await explain(deal.users.buyerA.id, deal.docs.finance.id);
  expect(none.body.level).toBeNull();
  expect(reason(none.body, 'nda_coverage')).toEqual({ rule: 'nda_coverage', ok: false, detail: "no NDA of the user's organisation is registered in this room" });

  const pending = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], confirm: false });
  const expired = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], effectiveAt: iso(-10 * 86_400_000), expiresAt: iso(-86_400_000) });
  const otherEntity = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.ltd.id] });
  const detail = reason((await explain(deal.users.buyerA.id, deal.docs.finance.id)).body, 'nda_coverage').detail;
  expect(detail).toContain(`${pending.id} of the user's organisation: it is pending`);
  expect(detail).toContain(`${expired.id} of the user's organisation: expired at`);
  expect(detail).toContain(`${otherEntity.id} of the user's organisation: its scope does not include entity ${deal.entities.gmbh.id}`);
});

it('lists every grant considered and why each does not apply', async () => {
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
  const legal = await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.legal.id });
  const lowClass = await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, maxClassification: 'standard' });
  const noPersonal = await deal.grant({ partyId: deal.parties.A.id, folderId: null, maxPersonalData: 'pseudonymised' });
  const expired = await deal.grant({ partyId: deal.parties.A.id, folderId: null, expiresAt: iso(-1000) });
  const res = await explain(deal.users.buyerA.id, deal.docs.payroll.id);
  expect(res.body.level).toBeNull();
  const grants = res.body.reasons.filter((r: { rule: string }) => r.rule === 'grant');
  expect(grants).toEqual([
    { rule: 'grant', ok: false, detail: expect.stringContaining(`${legal.id} (download on folder ${deal.folders.legal.id}) does not cover the document's folder`) },
    { rule: 'grant', ok: false, detail: expect.stringContaining(`${lowClass.id} (download on folder ${deal.folders.finance.id}) allows classification up to standard, the document is confidential`) },
    { rule: 'grant', ok: false, detail: expect.stringContaining(`${noPersonal.id} (download on the whole room) allows personal data up to pseudonymised, the document has identified`) },
    { rule: 'grant', ok: false, detail: expect.stringContaining(`${expired.id} (download on the whole room) expired at`) },
  ]);
});

it('explains a closed room, a non-member and a clean-team document', async () => {
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
  const cleanDoc = (await t.db('documents').where({ id: deal.docs.finance.id }).update({ classificationRank: 3 }), deal.docs.finance.id);
  const clean = await explain(deal.users.buyerA.id, cleanDoc);
  expect(clean.body.level).toBeNull();
  expect(reason(clean.body, 'clean_team')).toEqual({ rule: 'clean_team', ok: false, detail: 'clean-team document, and the user is not a clean-team member' });

  const staffUser = await explain(deal.users.counsel.id, cleanDoc);
  expect(staffUser.body).toEqual({ level: 'original', index: '1.1', partyIndex: '1.1', reasons: [{ rule: 'room_staff', ok: true, detail: expect.stringContaining('counsel of the room') }] });

  await deal.manager.delete(`${deal.roomPath}/parties/${deal.parties.A.id}/members/${deal.users.buyerA.id}`).expect(204);
  expect((await explain(deal.users.buyerA.id, cleanDoc)).body.reasons).toEqual([
    { rule: 'room_open', ok: true, detail: 'the room is open' },
    { rule: 'membership', ok: false, detail: 'the user is a member of no party of this room' },
  ]);
  await deal.manager.post(`${deal.roomPath}/close`).expect(200);
  expect(reason((await explain(deal.users.advisorA.id, cleanDoc)).body, 'room_open').ok).toBe(false);
});

it('answers counsel too, refuses external members with 403, and names a bad field with 400', async () => {
  expect((await explain(deal.users.buyerA.id, deal.docs.finance.id, deal.counsel)).status).toBe(200);
  const buyerB = await deal.login('buyerB');
  expect((await explain(deal.users.buyerA.id, deal.docs.finance.id, buyerB)).status).toBe(403);
  const unknownUser = await explain('no-such-user', deal.docs.finance.id);
  expect(unknownUser.status).toBe(400);
  expect(unknownUser.body.error.details).toEqual({ userId: 'no such user' });
  const missing = await deal.manager.get(`${deal.roomPath}/access?userId=${deal.users.buyerA.id}`);
  expect(missing.status).toBe(400);
  expect(Object.keys(missing.body.error.details)).toEqual(['documentId']);
});

/** The explanation recorded after the response for the refusal `refusal` (a ledger row), once it is there. */
async function explanationOf(refusal: { details: string }) {
  const { refusalId } = JSON.parse(refusal.details);
  for (let i = 0; i < 200; i++) {
    const row = await t.db('auditEvents').where({ action: 'document.refusal.explained', subjectType: 'Refusal', subjectId: refusalId }).first();
    if (row) return { ...row, details: JSON.parse(row.details) };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no explanation of refusal ${refusalId}`);
}

it('records the failed conditions in the ledger when a document request is refused, after the response', async () => {
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.legal.id, level: 'view' });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  const buyerA = await deal.login('buyerA');
  expect((await buyerA.get(`/api/documents/${deal.docs.finance.id}`)).status).toBe(404);
  expect((await buyerA.get(`/api/documents/${deal.docs.legal.id}/content`)).status).toBe(403);
  const refusal = (action: string, subjectId: string) => t.db('auditEvents').where({ action, decision: 'deny', subjectType: 'Document', subjectId }).first();
  // The refusal itself is in the ledger before the answer, the same for a hidden and a missing id...
  const hidden = await refusal('document.read', deal.docs.finance.id);
  expect(JSON.parse(hidden.details)).toMatchObject({ reason: 'document not visible to caller', status: 404, refusalId: expect.any(String) });
  expect(JSON.parse(hidden.details).reasons).toBeUndefined();
  // ...and its reasons follow it, in the room's trail since buyerA can see the room.
  const hiddenExplained = await explanationOf(hidden);
  expect(hiddenExplained).toMatchObject({ actorId: deal.users.buyerA.id, decision: 'deny', roomId: deal.room.id });
  expect(hiddenExplained.details).toMatchObject({ event: 'document.read', documentId: deal.docs.finance.id, status: 404 });
  expect(hiddenExplained.details.reasons).toEqual(expect.arrayContaining([{ rule: 'grant', ok: false, detail: expect.stringContaining("does not cover the document's folder") }]));
  const levelDenied = await explanationOf(await refusal('document.download', deal.docs.legal.id));
  expect(levelDenied.details.reasons).toEqual(expect.arrayContaining([{ rule: 'grant', ok: true, detail: expect.stringContaining('(view on folder') }]));
  const audit = await deal.counsel.get(`${deal.roomPath}/audit?limit=1000`).expect(200);
  expect(audit.body.items.filter((e: { action: string }) => e.action === 'document.refusal.explained')).toHaveLength(2);
});

it('lets managers view the room as a party: each member and what they reach, at which level', async () => {
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'view' });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
  const res = await deal.manager.get(`${deal.roomPath}/access/party/${deal.parties.A.id}`);
  expect(res.status).toBe(200);
  const byUser = Object.fromEntries(res.body.members.map((m: { userId: string }) => [m.userId, m]));
  expect(byUser[deal.users.buyerA.id].documents.map((d: { id: string; access: string }) => [d.id, d.access]).sort()).toEqual(
    [[deal.docs.finance.id, 'view'], [deal.docs.payroll.id, 'view']].sort(),
  );
  expect(byUser[deal.users.buyerA.id].coveredEntityIds).toEqual([deal.entities.gmbh.id]);
  // The advisor's firm has no NDA of its own, and the acquirer's does not answer for representatives.
  expect(byUser[deal.users.advisorA.id].documents).toEqual([]);
  expect((await deal.counsel.get(`${deal.roomPath}/access/party/${deal.parties.A.id}`)).status).toBe(403);
  const buyerA = await deal.login('buyerA');
  expect((await buyerA.get(`${deal.roomPath}/access/party/${deal.parties.A.id}`)).status).toBe(403);
  expect((await deal.manager.get(`${deal.roomPath}/access/party/no-such-party`)).status).toBe(404);
});
