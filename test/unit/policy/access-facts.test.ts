/**
 * The facts of the rule as loaded from the database (access-facts.ts, visible-folders.ts) and the
 * per-request ability with its cache (load-access.ts, ability-cache.ts), on the hand-built deal of
 * deal-world.ts. Expected facts are read off the deal by docs/access-rule.md's rule 3 (NDA coverage at t:
 * confirmed, effectiveAt ≤ t < expiresAt, own organisation or the acquirer answering for its
 * representatives) and rule 4 (live grants, their folder subtrees).
 */
import { loadAccessFacts, type AccessFacts, type MembershipFact } from '../../../server/policy/access-facts.js';
import { loadAccess } from '../../../server/policy/load-access.js';
import { cachedAccess, currentPolicyVersion, rememberAccess } from '../../../server/policy/ability-cache.js';
import { asSubject, buildAbility } from '../../../server/policy/ability.js';
import type { Db } from '../../../server/db.js';
import { AT, actorOf, dealDbOfSuite } from './deal-world.js';

const suiteDb = dealDbOfSuite();
let db: Db;
beforeAll(() => {
  db = suiteDb.current().db;
});

/** A membership as plain data, coverage sorted, to compare with what the rule says. */
const plain = (m: MembershipFact) => ({
  ...m,
  coverage: Object.fromEntries([...m.coverage.entries()].map(([e, ns]) => [e, [...ns].sort()]).sort()),
  grants: m.grants.map((g) => ({ ...g, folderIds: g.folderIds ? [...g.folderIds].sort() : null })).sort((a, b) => a.grantId.localeCompare(b.grantId)),
});
const membershipsOf = (facts: AccessFacts) => Object.fromEntries(facts.memberships.map((m) => [m.roomId, plain(m)]));
const facts = (userId: string, at = AT, ip: string | null = null, mfa = false) => loadAccessFacts(db, actorOf(userId, mfa), at, { ip });

const GA1 = { grantId: 'GA1', folderId: 'F1', folderIds: ['F1', 'F11'], levelRank: 1, maxClassificationRank: 3, maxPersonalDataRank: 1 };
const GA2 = { grantId: 'GA2', folderId: 'F2', folderIds: ['F2'], levelRank: 0, maxClassificationRank: 0, maxPersonalDataRank: 0 };

describe('loadAccessFacts for an external member', () => {
  it('a1 of the acquirer: covered by its own confirmed NDA only, with the live grants of its party, in each room it belongs to', async () => {
    const f = await facts('a1');
    expect(f.actor.id).toBe('a1');
    expect(f.at).toBe(AT);
    expect(f.staffRooms).toEqual([]);
    expect(f.directory).toBeNull();
    expect(membershipsOf(f)).toEqual({
      R1: {
        roomId: 'R1', roomOpen: true, partyId: 'PA', cleanTeam: false, requireMfa: false, ipAllowed: true,
        // N3 is pending, N4 expired at AT exactly, N5 takes effect only later.
        coverage: { E1: ['N1'] },
        // GA3 expired at AT exactly.
        grants: [GA1, GA2],
        // F1 and F11 hold documents a1 may view; GA2 names F2.
        visibleFolderIds: ['F1', 'F11', 'F2'],
        datasetIds: [],
      },
      R2: {
        roomId: 'R2', roomOpen: false, partyId: 'PC', cleanTeam: false, requireMfa: false, ipAllowed: true,
        coverage: { E1: ['N6'] },
        grants: [{ grantId: 'GC1', folderId: null, folderIds: null, levelRank: 2, maxClassificationRank: 0, maxPersonalDataRank: 0 }],
        visibleFolderIds: [], // closed
        datasetIds: [],
      },
      R3: {
        roomId: 'R3', roomOpen: true, partyId: 'PD', cleanTeam: false, requireMfa: true, ipAllowed: true,
        coverage: { E1: ['N7'] },
        grants: [{ grantId: 'GD1', folderId: null, folderIds: null, levelRank: 0, maxClassificationRank: 0, maxPersonalDataRank: 0 }],
        visibleFolderIds: [], // no second factor
        datasetIds: [],
      },
    });
  });

  it('with a second factor, the room that requires one shows the folders holding what they may view (a whole-room grant names no folder)', async () => {
    expect(membershipsOf(await facts('a1', AT, null, true)).R3.visibleFolderIds).toEqual(['F31']);
  });

  it('an NDA covers from its effectiveAt on (inclusive) and until its expiresAt (exclusive); a grant until its expiresAt (exclusive)', async () => {
    const july = '2030-07-01T00:00:00.000Z';
    expect(membershipsOf(await facts('a1', '2030-06-30T23:59:59.999Z')).R1.coverage).toEqual({ E1: ['N1'] });
    expect(membershipsOf(await facts('a1', july)).R1.coverage).toEqual({ E1: ['N1'], E3: ['N5'] });
    expect(membershipsOf(await facts('a1', '2030-07-31T23:59:59.999Z')).R1.grants).toEqual([GA1, GA2]);
    expect(membershipsOf(await facts('a1', '2030-08-01T00:00:00.000Z')).R1.grants).toEqual([GA1]);
    expect(membershipsOf(await facts('a1', '2031-01-01T00:00:00.000Z')).R1.coverage).toEqual({}); // N1 and N5 both end then
    // Before AT, N4 and GA3 were still live.
    const before = membershipsOf(await facts('a1', '2030-06-15T11:59:59.999Z')).R1;
    expect(before.coverage).toEqual({ E1: ['N1'], E3: ['N4'] });
    expect(before.grants.map((g) => g.grantId)).toEqual(['GA1', 'GA2', 'GA3']);
  });

  it('says until when the facts hold: the first NDA taking effect, NDA or grant expiring after the instant', async () => {
    expect((await facts('a1')).validUntil).toBe('2030-07-01T00:00:00.000Z'); // N5 takes effect
    expect((await facts('a1', '2030-07-01T00:00:00.000Z')).validUntil).toBe('2030-08-01T00:00:00.000Z'); // GA2 expires
    expect((await facts('a1', '2030-08-01T00:00:00.000Z')).validUntil).toBe('2031-01-01T00:00:00.000Z'); // N1, N5, N6, N7 expire
    expect((await facts('a1', '2031-01-01T00:00:00.000Z')).validUntil).toBeNull();
    expect((await facts('lone')).validUntil).toBeNull();
  });

  it("an advisor is covered by the acquirer's NDA that answers for its representatives, and by its own", async () => {
    expect(membershipsOf(await facts('v1')).R1.coverage).toEqual({ E1: ['N1'] });
    const v2 = membershipsOf(await facts('v2')).R1;
    expect(v2.coverage).toEqual({ E1: ['N1'], E2: ['N2'] });
    expect(v2.partyId).toBe('PA');
    // v2 may view D2 (GA2, E2 by its own joinder): F2 holds it and GA2 names it anyway.
    expect(v2.visibleFolderIds).toEqual(['F1', 'F11', 'F2']);
  });

  it("an advisor is not covered by an acquirer's NDA that does not answer for its representatives", async () => {
    const vb = membershipsOf(await facts('vb')).R1;
    expect(vb.coverage).toEqual({});
    expect(vb.visibleFolderIds).toEqual([]);
  });

  it('a clean-team member sees the same folders, and the facts say they are clean team', async () => {
    const cl = membershipsOf(await facts('cl')).R1;
    expect(cl.cleanTeam).toBe(true);
    expect(cl.coverage).toEqual({ E1: ['N1'] });
  });

  it("judges the party's IP allow-list against the request's address: inside it, outside it, or no address", async () => {
    const inside = membershipsOf(await facts('b1', AT, '10.1.2.3')).R1;
    expect(inside).toMatchObject({ partyId: 'PB', ipAllowed: true, coverage: { E1: ['NB'], E2: ['NB'] }, visibleFolderIds: ['F3'] });
    expect(inside.grants).toEqual([{ grantId: 'GB1', folderId: 'F3', folderIds: ['F3'], levelRank: 2, maxClassificationRank: 0, maxPersonalDataRank: 0 }]);
    expect(membershipsOf(await facts('b1', AT, '192.168.1.1')).R1).toMatchObject({ ipAllowed: false, visibleFolderIds: [] });
    expect(membershipsOf(await facts('b1', AT, null)).R1).toMatchObject({ ipAllowed: false, visibleFolderIds: [] });
    // Party PA has no allow-list: any address, or none, is admitted.
    expect(membershipsOf(await facts('a1', AT, '192.168.1.1')).R1.ipAllowed).toBe(true);
  });

  it('a member whose organisation registered no NDA is covered for nothing; a user in no party has no memberships', async () => {
    expect(membershipsOf(await facts('e1')).R2.coverage).toEqual({});
    const lone = await facts('lone');
    expect(lone.memberships).toEqual([]);
    expect(lone.directory).toBeNull();
  });
});

describe('loadAccessFacts for seller staff', () => {
  it('the rooms they staff, and the party organisations of those rooms and of every room', async () => {
    const mgr = await facts('mgr');
    expect(mgr.staffRooms).toEqual([{ roomId: 'R1', role: 'manager' }]);
    expect(mgr.memberships).toEqual([]);
    expect(mgr.validUntil).toBeNull();
    expect(mgr.directory).toEqual({ staffedPartyOrgIds: ['ACQ', 'ACQB', 'ADV', 'ADV2', 'ADVB'], partyOrgIds: ['ACQ', 'ACQB', 'ACQE', 'ADV', 'ADV2', 'ADVB'] });
    expect((await facts('cns')).staffRooms).toEqual([{ roomId: 'R1', role: 'counsel' }]);
    expect((await facts('out')).directory).toEqual({ staffedPartyOrgIds: [], partyOrgIds: ['ACQ', 'ACQB', 'ACQE', 'ADV', 'ADV2', 'ADVB'] });
  });
  it('an admin needs no directory facts', async () => {
    const admin = await facts('admin');
    expect(admin.directory).toBeNull();
    expect(admin.memberships).toEqual([]);
  });
});

describe('loadAccess and its cache', () => {
  it('gives the facts of the instant and the ability built from them, and the policy version read first', async () => {
    const actor = actorOf('a1');
    const got = await loadAccess(db, actor, AT);
    expect(got.policyVersion).toBe(await currentPolicyVersion(db));
    expect(membershipsOf(got.facts)).toEqual(membershipsOf(await facts('a1')));
    expect(got.ability.can('download', asSubject('Document', { id: 'D1', roomId: 'R1', folderId: 'F1', entityId: 'E1', classificationRank: 0, personalDataRank: 0, status: 'published' }))).toBe(true);
  });

  it('a revocation committed to the database is seen on the very next load', async () => {
    const actor = actorOf('v1');
    const before = await loadAccess(db, actor, AT);
    expect(before.facts.memberships.map((m) => m.roomId)).toEqual(['R1']);
    await db('partyMembers').where({ userId: 'v1' }).delete();
    try {
      const after = await loadAccess(db, actor, AT);
      expect(after.policyVersion).not.toBe(before.policyVersion);
      expect(after.facts.memberships).toEqual([]);
    } finally {
      await db('partyMembers').insert({ partyId: 'PA', roomId: 'R1', userId: 'v1', cleanTeam: false, createdAt: '2020-01-01T00:00:00.000Z' });
    }
  });

  it('time passing validUntil is seen without any change in the database', async () => {
    const actor = actorOf('a1');
    const early = await loadAccess(db, actor, AT);
    expect(membershipsOf(early.facts).R1.coverage).toEqual({ E1: ['N1'] });
    const later = await loadAccess(db, actor, '2030-07-01T00:00:00.000Z');
    expect(later.facts.at).toBe('2030-07-01T00:00:00.000Z');
    expect(membershipsOf(later.facts).R1.coverage).toEqual({ E1: ['N1'], E3: ['N5'] });
    // ...and going back before the facts were loaded is never served from them.
    const back = await loadAccess(db, actor, AT);
    expect(membershipsOf(back.facts).R1.coverage).toEqual({ E1: ['N1'] });
  });

  it('the second factor and the address of the request are part of what is cached', async () => {
    expect(membershipsOf((await loadAccess(db, actorOf('a1', false), AT)).facts).R3.visibleFolderIds).toEqual([]);
    expect(membershipsOf((await loadAccess(db, actorOf('a1', true), AT)).facts).R3.visibleFolderIds).toEqual(['F31']);
    expect(membershipsOf((await loadAccess(db, actorOf('b1'), AT, { ip: '10.1.2.3' })).facts).R1.ipAllowed).toBe(true);
    expect(membershipsOf((await loadAccess(db, actorOf('b1'), AT, { ip: '192.168.1.1' })).facts).R1.ipAllowed).toBe(false);
  });

  describe('cachedAccess', () => {
    const actor = actorOf('a1');
    const client = { ip: null };
    const remembered = (validUntil: string | null) => {
      const f: AccessFacts = { actor, at: AT, staffRooms: [], memberships: [], directory: null, validUntil };
      const ability = buildAbility(f);
      return { f, ability };
    };
    let cacheDb: Db;
    beforeEach(() => {
      cacheDb = {} as Db; // a cache per database handle: a fresh one starts empty
    });

    it('serves what was remembered under the same version, for the same actor, address and second factor, from its instant on', () => {
      const { f, ability } = remembered('2030-07-01T00:00:00.000Z');
      expect(cachedAccess(cacheDb, actor, client, '7', AT)).toBeNull();
      rememberAccess(cacheDb, actor, client, '7', f, ability);
      const later = '2030-06-20T00:00:00.000Z';
      const hit = cachedAccess(cacheDb, actor, client, '7', later);
      expect(hit?.ability).toBe(ability);
      expect(hit?.facts.at).toBe(later);
      expect(cachedAccess(cacheDb, actor, client, '7', AT)?.ability).toBe(ability);
      expect(cachedAccess(cacheDb, actor, client, '7', '2030-06-30T23:59:59.999Z')?.ability).toBe(ability);
    });
    it('never serves it under another version, before its instant, or at or after validUntil', () => {
      const { f, ability } = remembered('2030-07-01T00:00:00.000Z');
      rememberAccess(cacheDb, actor, client, '7', f, ability);
      expect(cachedAccess(cacheDb, actor, client, '8', AT)).toBeNull();
      expect(cachedAccess(cacheDb, actor, client, '7', '2030-06-15T11:59:59.999Z')).toBeNull();
      expect(cachedAccess(cacheDb, actor, client, '7', '2030-07-01T00:00:00.000Z')).toBeNull();
      expect(cachedAccess(cacheDb, actor, client, '7', '2030-09-01T00:00:00.000Z')).toBeNull();
    });
    it('never serves it to another user, role, organisation, second factor or address', () => {
      const { f, ability } = remembered(null);
      rememberAccess(cacheDb, actor, client, '7', f, ability);
      expect(cachedAccess(cacheDb, actor, client, '7', '2099-01-01T00:00:00.000Z')?.ability).toBe(ability);
      expect(cachedAccess(cacheDb, { ...actor, id: 'other' }, client, '7', AT)).toBeNull();
      expect(cachedAccess(cacheDb, { ...actor, role: 'staff' }, client, '7', AT)).toBeNull();
      expect(cachedAccess(cacheDb, { ...actor, orgId: 'ACQB' }, client, '7', AT)).toBeNull();
      expect(cachedAccess(cacheDb, { ...actor, mfa: true }, client, '7', AT)).toBeNull();
      expect(cachedAccess(cacheDb, actor, { ip: '10.1.2.3' }, '7', AT)).toBeNull();
      expect(cachedAccess({} as Db, actor, client, '7', AT)).toBeNull();
    });
    it('the newest remembered entry wins', () => {
      const first = remembered(null);
      const second = remembered(null);
      rememberAccess(cacheDb, actor, client, '7', first.f, first.ability);
      rememberAccess(cacheDb, actor, client, '8', second.f, second.ability);
      expect(cachedAccess(cacheDb, actor, client, '8', AT)?.ability).toBe(second.ability);
      expect(cachedAccess(cacheDb, actor, client, '7', AT)).toBeNull();
    });
  });
});
