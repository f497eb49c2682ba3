/**
 * The explanation of a decision (explain-access.ts), the room gate (room-gate.ts) and the checked
 * act (assert-allowed.ts) on the hand-built deal of deal-world.ts. Expected reasons, levels and
 * answer codes (docs/http-api.md: nda_required, room_closed, ip_not_allowed, mfa_required) are read off the
 * deal by docs/access-rule.md's rule; the wording of details is not pinned, the facts they name are.
 */
import { loadAccessFacts } from '../../../server/policy/access-facts.js';
import { buildAbility } from '../../../server/policy/ability.js';
import { abilityLevel, explainAccess, explainRefusal, roomGateReasons, type AccessReason, type ExplainedDocument } from '../../../server/policy/explain-access.js';
import { assertRoomContentOpen, findVisibleRoom, hiddenContentRefusal, type RoomRow } from '../../../server/policy/room-gate.js';
import { assertAllowed } from '../../../server/policy/assert-allowed.js';
import { DeniedError, HttpError } from '../../../server/errors.js';
import type { ServiceContext } from '../../../server/service-context.js';
import type { Db } from '../../../server/db.js';
import { AT, DEAL, actorOf, dealDbOfSuite } from './deal-world.js';
import { actorOf as handActorOf, factsOf, membershipOf } from './facts.js';

const suiteDb = dealDbOfSuite();
let db: Db;
beforeAll(() => {
  db = suiteDb.current().db;
});

const RANK = { standard: 0, confidential: 1, highly_confidential: 2, clean_team: 3, none: 0, pseudonymised: 1, identified: 2 } as const;
const docOf = (id: string): ExplainedDocument => {
  const d = DEAL.documents.find((x) => x.id === id)!;
  return { id: d.id, roomId: d.roomId, folderId: d.folderId, entityId: d.entityId, classificationRank: RANK[d.classification], personalDataRank: RANK[d.personalData], status: d.status ?? 'published' };
};
async function contextOf(userId: string, { at = AT, ip = null as string | null, mfa = false } = {}) {
  const actor = actorOf(userId, mfa);
  const facts = await loadAccessFacts(db, actor, at, { ip });
  return { db, actor, facts, ability: buildAbility(facts), at, client: { ip, userAgent: null } } as unknown as ServiceContext;
}
async function explain(userId: string, doc: ExplainedDocument | string, opts: Parameters<typeof contextOf>[1] = {}) {
  const ctx = await contextOf(userId, opts);
  return explainAccess(db, ctx.facts, ctx.ability, typeof doc === 'string' ? docOf(doc) : doc);
}
/** Each reason as `rule: ok`, grants as `grant GA1: ok` (the id the detail names). */
const outcomes = (reasons: AccessReason[]) =>
  reasons.map((r) => (r.rule === 'grant' ? `grant ${/\bG[A-Z]\d\b/.exec(r.detail)?.[0] ?? '-'}: ${r.ok}` : `${r.rule}: ${r.ok}`));
const reasonOf = (reasons: AccessReason[], rule: string) => reasons.find((r) => r.rule === rule)!;

describe('explainAccess', () => {
  it('seller staff: one reason, whether they staff the room; the level is what the ability gives', async () => {
    expect(await explain('mgr', 'D1')).toEqual({ level: 'original', reasons: [expect.objectContaining({ rule: 'room_staff', ok: true })] });
    expect(await explain('cns', 'D4')).toEqual({ level: 'original', reasons: [expect.objectContaining({ rule: 'room_staff', ok: true })] });
    expect(await explain('admin', 'D21')).toEqual({ level: 'original', reasons: [expect.objectContaining({ rule: 'room_staff', ok: true })] });
    expect(await explain('out', 'D1')).toEqual({ level: null, reasons: [expect.objectContaining({ rule: 'room_staff', ok: false })] });
    expect(await explain('mgr', 'D21')).toEqual({ level: null, reasons: [expect.objectContaining({ rule: 'room_staff', ok: false })] });
  });

  it('a covered member with a grant on the folder: every condition in the order of the rule, each grant its own reason', async () => {
    const e = await explain('a1', 'D1');
    expect(e.level).toBe('download');
    expect(outcomes(e.reasons).sort()).toEqual([
      'clean_team: true', 'grant GA1: true', 'grant GA2: false', 'grant GA3: false', 'ip_allowlist: true', 'membership: true', 'mfa: true', 'nda_coverage: true', 'published: true', 'room_open: true',
    ]);
    expect(e.reasons.slice(0, 5).map((r) => r.rule)).toEqual(['room_open', 'membership', 'ip_allowlist', 'mfa', 'nda_coverage']);
    expect(e.reasons.at(-1)!.rule).toBe('published');
    expect(e.reasons.at(-2)!.rule).toBe('clean_team');
    expect(reasonOf(e.reasons, 'membership').detail).toContain('PA');
    expect(reasonOf(e.reasons, 'nda_coverage').detail).toContain('N1');
  });

  it('a grant on a folder above the document covers it', async () => {
    const e = await explain('a1', 'D11');
    expect(e.level).toBe('download');
    expect(outcomes(e.reasons)).toContain('grant GA1: true');
  });

  it('an expired grant, a grant on another folder, a classification or personal data above the grant: each grant says no', async () => {
    // D3 in F3: GA3 names F3 but expired at AT exactly; GA1 and GA2 name other folders.
    const d3 = await explain('a1', 'D3');
    expect(d3.level).toBeNull();
    expect(outcomes(d3.reasons).filter((o) => o.startsWith('grant')).sort()).toEqual(['grant GA1: false', 'grant GA2: false', 'grant GA3: false']);
    expect(outcomes((await explain('a1', 'D3', { at: '2030-06-15T11:59:59.999Z' })).reasons)).toContain('grant GA3: true');
    // D6 has identified personal data; GA1 allows pseudonymised at most.
    const d6 = await explain('a1', 'D6');
    expect(d6.level).toBeNull();
    expect(outcomes(d6.reasons)).toContain('grant GA1: false');
    expect(reasonOf(d6.reasons, 'nda_coverage').ok).toBe(true);
    // A confidential document in F2: GA2 allows standard only (v2 is covered for E2 by its own joinder N2).
    const confidential = await explain('v2', { ...docOf('D2'), id: 'X', classificationRank: 1 });
    expect(confidential.level).toBeNull();
    expect(outcomes(confidential.reasons)).toContain('grant GA2: false');
    const d2 = await explain('v2', 'D2');
    expect(d2.level).toBe('view');
    expect(outcomes(d2.reasons)).toContain('grant GA2: true');
    expect(reasonOf(d2.reasons, 'nda_coverage').detail).toContain('N2');
  });

  it('NDA coverage: names why each candidate NDA does not cover the entity', async () => {
    // D5 is of E3: N4 expired at AT exactly, N5 is not effective yet, N3 pending, N1 scoped to E1.
    const e = await explain('a1', 'D5');
    expect(e.level).toBeNull();
    const nda = reasonOf(e.reasons, 'nda_coverage');
    expect(nda.ok).toBe(false);
    for (const id of ['N1', 'N3', 'N4', 'N5']) expect(nda.detail).toContain(id);
    // An hour before AT, N4 still covered E3.
    const before = await explain('a1', 'D5', { at: '2030-06-15T11:00:00.000Z' });
    expect(reasonOf(before.reasons, 'nda_coverage')).toEqual(expect.objectContaining({ ok: true, detail: expect.stringContaining('N4') }));
    expect(before.level).toBe('download');
    // From its effective date on, N5 (a clean-team NDA) covers by the same terms.
    const july = await explain('a1', 'D5', { at: '2030-07-01T00:00:00.000Z' });
    expect(reasonOf(july.reasons, 'nda_coverage')).toEqual(expect.objectContaining({ ok: true, detail: expect.stringContaining('N5') }));
  });

  it("an advisor: the acquirer's NDA covers when it answers for representatives, not otherwise", async () => {
    const v1 = await explain('v1', 'D1');
    expect(v1.level).toBe('download');
    expect(reasonOf(v1.reasons, 'nda_coverage')).toEqual(expect.objectContaining({ ok: true, detail: expect.stringContaining('N1') }));
    // vb's acquirer ACQB signed NB without covering its representatives.
    const vb = await explain('vb', 'D3');
    expect(vb.level).toBeNull();
    expect(reasonOf(vb.reasons, 'nda_coverage')).toEqual(expect.objectContaining({ ok: false, detail: expect.stringContaining('NB') }));
    expect(outcomes(vb.reasons)).toContain('grant GB1: true');
    // v1 on E2: only the acquirer's NDAs are candidates, none covers E2.
    expect(reasonOf((await explain('v1', 'D2')).reasons, 'nda_coverage').ok).toBe(false);
  });

  it('a member whose organisation has no NDA in the room; a closed room', async () => {
    const e = await explain('e1', 'D21');
    expect(e.level).toBeNull();
    expect(outcomes(e.reasons)).toEqual(['room_open: false', 'membership: true', 'ip_allowlist: true', 'mfa: true', 'nda_coverage: false', 'grant -: false', 'clean_team: true', 'published: true']);
    const closed = await explain('a1', 'D21');
    expect(closed.level).toBeNull();
    expect(outcomes(closed.reasons)).toEqual(['room_open: false', 'membership: true', 'ip_allowlist: true', 'mfa: true', 'nda_coverage: true', 'grant GC1: true', 'clean_team: true', 'published: true']);
  });

  it('a user of no party of the room: the room, then membership, and nothing more', async () => {
    const e = await explain('lone', 'D1');
    expect(e).toEqual({ level: null, reasons: [expect.objectContaining({ rule: 'room_open', ok: true }), expect.objectContaining({ rule: 'membership', ok: false })] });
  });

  it('clean-team documents: only for clean-team members', async () => {
    const a1 = await explain('a1', 'D4');
    expect(a1.level).toBeNull();
    expect(reasonOf(a1.reasons, 'clean_team').ok).toBe(false);
    expect(outcomes(a1.reasons)).toContain('grant GA1: true');
    const cl = await explain('cl', 'D4');
    expect(cl.level).toBe('download');
    expect(reasonOf(cl.reasons, 'clean_team').ok).toBe(true);
  });

  it("the party's IP allow-list and the room's second factor, as judged for the request", async () => {
    expect(outcomes((await explain('b1', 'D3', { ip: '10.9.9.9' })).reasons)).toEqual(
      ['room_open: true', 'membership: true', 'ip_allowlist: true', 'mfa: true', 'nda_coverage: true', 'grant GB1: true', 'clean_team: true', 'published: true'],
    );
    expect((await explain('b1', 'D3', { ip: '10.9.9.9' })).level).toBe('original');
    const outside = await explain('b1', 'D3', { ip: '192.168.0.1' });
    expect(outside.level).toBeNull();
    expect(reasonOf(outside.reasons, 'ip_allowlist').ok).toBe(false);
    const noMfa = await explain('a1', 'D31');
    expect(noMfa.level).toBeNull();
    expect(reasonOf(noMfa.reasons, 'mfa').ok).toBe(false);
    const mfa = await explain('a1', 'D31', { mfa: true });
    expect(mfa.level).toBe('view');
    expect(reasonOf(mfa.reasons, 'mfa').ok).toBe(true);
  });

  it('abilityLevel: the highest level the ability gives, or null', () => {
    const ability = buildAbility(factsOf(handActorOf('admin')));
    expect(abilityLevel(ability, docOf('D1'))).toBe('original');
    expect(abilityLevel(buildAbility(factsOf(handActorOf('external'))), docOf('D1'))).toBeNull();
  });

  it('explainRefusal: the room and the reasons for a real document, nothing for an id that does not exist', async () => {
    const ctx = await contextOf('a1');
    expect(await explainRefusal(db, ctx.facts, ctx.ability, 'no-such-document')).toBeUndefined();
    const got = await explainRefusal(db, ctx.facts, ctx.ability, 'D3');
    expect(got?.roomId).toBe('R1');
    expect(outcomes(got!.reasons).sort()).toEqual(outcomes((await explain('a1', 'D3')).reasons).sort());
  });
});

describe('roomGateReasons', () => {
  const rulesOf = (reasons: AccessReason[]) => reasons.map((r) => `${r.rule}: ${r.ok}`);
  const external = handActorOf('external');
  it('a user of no party of the room: not a member', () => {
    expect(rulesOf(roomGateReasons(factsOf(external, { memberships: [membershipOf()] }), 'R2'))).toEqual(['membership: false']);
  });
  it('a member: membership, the request conditions, the room, and the NDA coverage naming entities and NDAs', () => {
    const covered = roomGateReasons(factsOf(external, { memberships: [membershipOf({ coverage: new Map([['E1', ['N1', 'N2']], ['E2', ['N3']]]) })] }), 'R1');
    expect(rulesOf(covered)).toEqual(['membership: true', 'ip_allowlist: true', 'mfa: true', 'room_open: true', 'nda_coverage: true']);
    for (const id of ['P1', 'E1', 'N1', 'N2', 'E2', 'N3']) expect(covered.map((r) => r.detail).join(' ')).toContain(id);
    const shut = roomGateReasons(factsOf(external, { memberships: [membershipOf({ roomOpen: false, coverage: new Map(), ipAllowed: false, requireMfa: true })] }), 'R1');
    expect(rulesOf(shut)).toEqual(['membership: true', 'ip_allowlist: false', 'mfa: false', 'room_open: false', 'nda_coverage: false']);
    const withMfa = roomGateReasons(factsOf(handActorOf('external', { mfa: true }), { memberships: [membershipOf({ requireMfa: true })] }), 'R1');
    expect(rulesOf(withMfa)).toContain('mfa: true');
  });
});

/** The refusal a gate threw, as the ledger will record it (the error handler writes it). */
const refusalOf = async (run: () => unknown) => {
  try {
    await run();
  } catch (err) {
    if (err instanceof DeniedError) return { ...err.refusal, status: err.status };
    throw err;
  }
  throw new Error('not refused');
};

describe('the room gate', () => {
  const R = (id: string): RoomRow => ({ id, name: id, codeName: null, status: 'open', createdBy: 'mgr', createdAt: AT, closedAt: null, uploadsStartAs: 'draft' });
  /** The answer's status and code, or 'passes'. */
  const answer = async (run: () => unknown) => {
    try {
      await run();
      return 'passes';
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      return `${err.status} ${err.code}`;
    }
  };

  it('findVisibleRoom: the room for whom may see it, else a recorded 404', async () => {
    expect((await findVisibleRoom(await contextOf('mgr'), 'R1', 'room.read')).id).toBe('R1');
    expect((await findVisibleRoom(await contextOf('admin'), 'R2', 'room.read')).id).toBe('R2');
    expect((await findVisibleRoom(await contextOf('vb'), 'R1', 'room.read')).id).toBe('R1');
    expect(await answer(async () => findVisibleRoom(await contextOf('out'), 'R1', 'room.read'))).toBe('404 not_found');
    const denial = await refusalOf(async () => findVisibleRoom(await contextOf('out'), 'R1', 'room.read'));
    expect(denial).toMatchObject({ action: 'room.read', subjectType: 'Room', subjectId: 'R1', roomId: null, status: 404 });
    expect(await answer(async () => findVisibleRoom(await contextOf('lone'), 'R1', 'room.read'))).toBe('404 not_found');
    expect(await answer(async () => findVisibleRoom(await contextOf('mgr'), 'no-such-room', 'room.read'))).toBe('404 not_found');
  });

  it('assertRoomContentOpen: staff pass; a member learns which of their own conditions is missing', async () => {
    expect(await answer(async () => assertRoomContentOpen(await contextOf('mgr'), R('R1'), 'documents.list'))).toBe('passes');
    expect(await answer(async () => assertRoomContentOpen(await contextOf('a1'), R('R1'), 'documents.list'))).toBe('passes');
    expect(await answer(async () => assertRoomContentOpen(await contextOf('lone'), R('R1'), 'documents.list'))).toBe('403 forbidden');
    expect(await answer(async () => assertRoomContentOpen(await contextOf('vb', { ip: '10.0.0.5' }), R('R1'), 'documents.list'))).toBe('403 nda_required');
    expect(await answer(async () => assertRoomContentOpen(await contextOf('a1'), R('R2'), 'documents.list'))).toBe('403 room_closed');
    expect(await answer(async () => assertRoomContentOpen(await contextOf('a1'), R('R3'), 'documents.list'))).toBe('403 mfa_required');
    expect(await answer(async () => assertRoomContentOpen(await contextOf('a1', { mfa: true }), R('R3'), 'documents.list'))).toBe('passes');
    expect(await answer(async () => assertRoomContentOpen(await contextOf('b1', { ip: '192.168.0.1' }), R('R1'), 'documents.list'))).toBe('403 ip_not_allowed');
    expect(await answer(async () => assertRoomContentOpen(await contextOf('b1', { ip: '10.0.0.1' }), R('R1'), 'documents.list'))).toBe('passes');
  });

  it('assertRoomContentOpen: the allow-list is answered before the second factor, both before the closed room, all before the NDA', async () => {
    const ctx = { ...(await contextOf('a1')), facts: factsOf(actorOf('a1'), { memberships: [membershipOf({ ipAllowed: false, requireMfa: true, roomOpen: false, coverage: new Map() })] }) } as ServiceContext;
    expect(await answer(() => assertRoomContentOpen(ctx, R('R1'), 'documents.list'))).toBe('403 ip_not_allowed');
    ctx.facts = factsOf(actorOf('a1'), { memberships: [membershipOf({ requireMfa: true, roomOpen: false, coverage: new Map() })] });
    expect(await answer(() => assertRoomContentOpen(ctx, R('R1'), 'documents.list'))).toBe('403 mfa_required');
    ctx.facts = factsOf(actorOf('a1'), { memberships: [membershipOf({ roomOpen: false, coverage: new Map() })] });
    expect(await answer(() => assertRoomContentOpen(ctx, R('R1'), 'documents.list'))).toBe('403 room_closed');
  });

  it('records the refusal with the room and the gate reasons', async () => {
    const denial = await refusalOf(async () => assertRoomContentOpen(await contextOf('vb', { ip: '10.0.0.5' }), R('R1'), 'documents.list'));
    expect(denial).toMatchObject({ action: 'documents.list', subjectType: 'Room', subjectId: 'R1', roomId: 'R1', status: 403 });
    const details = denial.details as { reasons: AccessReason[] };
    expect(details.reasons.map((r: AccessReason) => `${r.rule}: ${r.ok}`)).toEqual(['membership: true', 'ip_allowlist: true', 'mfa: true', 'room_open: true', 'nda_coverage: false']);
  });

  it('hiddenContentRefusal: nda_required for an external user whom no NDA covers in any open room they belong to, else the 404 of a missing id', async () => {
    const code = (facts: ReturnType<typeof factsOf>) => { const { error } = hiddenContentRefusal(facts); return `${error.status} ${error.code}`; };
    const external = handActorOf('external');
    expect(code((await contextOf('vb')).facts)).toBe('403 nda_required');
    expect(code((await contextOf('e1')).facts)).toBe('404 not_found'); // its only room is closed
    expect(code((await contextOf('a1')).facts)).toBe('404 not_found');
    expect(code((await contextOf('lone')).facts)).toBe('404 not_found');
    expect(code((await contextOf('mgr')).facts)).toBe('404 not_found');
    expect(code(factsOf(external, { memberships: [membershipOf({ coverage: new Map() }), membershipOf({ roomId: 'R2', coverage: new Map() })] }))).toBe('403 nda_required');
    expect(code(factsOf(external, { memberships: [membershipOf({ coverage: new Map() }), membershipOf({ roomId: 'R2' })] }))).toBe('404 not_found');
    expect(code(factsOf(external, { memberships: [membershipOf({ coverage: new Map() }), membershipOf({ roomId: 'R2', roomOpen: false })] }))).toBe('403 nda_required');
    expect(code(factsOf(handActorOf('staff'), { memberships: [membershipOf({ coverage: new Map() })] }))).toBe('404 not_found');
  });
});

describe('assertAllowed', () => {
  const refusal = { event: 'room.edit', subjectId: 'R1', roomId: 'R1', reason: 'test refusal' };
  const outcome = async (run: () => unknown) => Promise.resolve().then(run).then(() => 'allowed', (err: HttpError) => `${err.status} ${err.code}`);

  it('checks a row with its conditions, a bare type for acts on no single row', async () => {
    const mgr = await contextOf('mgr');
    expect(await outcome(() => assertAllowed(mgr, 'edit', 'Room', { id: 'R1' }, refusal))).toBe('allowed');
    expect(await outcome(() => assertAllowed(mgr, 'edit', 'Room', { id: 'R2' }, refusal))).toBe('403 forbidden');
    expect(await outcome(() => assertAllowed(mgr, 'create', 'Room', null, refusal))).toBe('allowed');
    expect(await outcome(async () => assertAllowed(await contextOf('a1'), 'create', 'Room', null, refusal))).toBe('403 forbidden');
    expect(await outcome(() => assertAllowed(mgr, 'decideNda', 'Room', { id: 'R1' }, refusal))).toBe('403 forbidden');
  });

  it('refuses with a value naming its event and reason, answered with the error given; it writes nothing itself', async () => {
    const cns = await contextOf('cns');
    const before = await db('auditEvents').count({ n: '*' }).first();
    expect(await outcome(() => assertAllowed(cns, 'edit', 'Room', { id: 'R1' }, { ...refusal, error: new HttpError(404, 'not_found', 'x') }))).toBe('404 not_found');
    expect(await refusalOf(() => assertAllowed(cns, 'edit', 'Room', { id: 'R1' }, { ...refusal, error: new HttpError(404, 'not_found', 'x') }))).toMatchObject({
      action: 'room.edit', subjectType: 'Room', subjectId: 'R1', roomId: 'R1', reason: 'test refusal', status: 404,
    });
    expect(await outcome(() => assertAllowed(cns, 'edit', 'Directory', null, { event: 'org.create', reason: 'r' }))).toBe('403 forbidden');
    expect(await refusalOf(() => assertAllowed(cns, 'edit', 'Directory', null, { event: 'org.create', reason: 'r' }))).toMatchObject({ action: 'org.create', subjectType: 'Directory', subjectId: null, roomId: null, status: 403 });
    expect(await db('auditEvents').count({ n: '*' }).first()).toEqual(before);
  });
});
