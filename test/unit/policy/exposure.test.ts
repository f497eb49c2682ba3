/**
 * partyReach (server/policy/exposure.ts): what each party of a room could view, by its members' own
 * abilities — the figure behind the publish preview and the permission import's dry run. Judged on
 * the hand-built deal of deal-world.ts, whose comment lists who is covered for what.
 */
import { partyReach } from '../../../server/policy/exposure.js';
import type { ExplainedDocument } from '../../../server/policy/explain-access.js';
import type { GrantFact } from '../../../server/policy/access-facts.js';
import type { Db } from '../../../server/db.js';
import { AT, DEAL, dealDbOfSuite } from './deal-world.js';

const suiteDb = dealDbOfSuite();
let db: Db;
beforeAll(() => {
  db = suiteDb.current().db;
});

const RANK = { standard: 0, confidential: 1, highly_confidential: 2, clean_team: 3, none: 0, pseudonymised: 1, identified: 2 } as const;
/** The deal's documents of a room as the rule reads them, with the status given (as published, for a preview). */
const documentsOf = (roomId: string, status = 'published'): ExplainedDocument[] =>
  DEAL.documents
    .filter((d) => d.roomId === roomId)
    .map((d) => ({ id: d.id, roomId: d.roomId, folderId: d.folderId, entityId: d.entityId, classificationRank: RANK[d.classification], personalDataRank: RANK[d.personalData], kind: 'document', status }));
const reachOf = (reach: Awaited<ReturnType<typeof partyReach>>) => Object.fromEntries(reach.map((p) => [p.partyId, [...p.documentIds].sort()]));

describe('partyReach', () => {
  it("gives each party the union of what its members' own abilities let them view, every party of the room listed", async () => {
    // PA: a1 and v1 through N1 (E1) and GA1 on F1: D1, D11; cl also the clean-team D4; v2's own joinder
    // (E2) opens D2 through GA2. PB: b1 through NB and GB1 on F3: D3 — from outside its allow-list too,
    // since where a member connects from says how, not what. D5 (E3, N4 expired at AT) and D6
    // (identified, above GA1's pseudonymised) reach no one.
    const reach = await partyReach(db, 'R1', AT, documentsOf('R1'));
    expect(reach.map((p) => p.partyId)).toEqual(['PA', 'PB']);
    expect(reachOf(reach)).toEqual({ PA: ['D1', 'D11', 'D2', 'D4'], PB: ['D3'] });
  });

  it('counts nothing of drafts or withdrawn documents as they are: a preview must pass them as they would be', async () => {
    for (const status of ['draft', 'withdrawn']) {
      expect(reachOf(await partyReach(db, 'R1', AT, documentsOf('R1', status)))).toEqual({ PA: [], PB: [] });
    }
  });

  it("judges a room requiring a second factor as members who have one; a closed room gives no one anything", async () => {
    expect(reachOf(await partyReach(db, 'R3', AT, documentsOf('R3')))).toEqual({ PD: ['D31'] });
    expect(reachOf(await partyReach(db, 'R2', AT, documentsOf('R2')))).toEqual({ PC: [], PE: [] });
  });

  it('under the grants a party would hold instead of its own', async () => {
    const wholeRoom: GrantFact = { grantId: 'G-new', folderId: null, folderIds: null, levelRank: 0, maxClassificationRank: 0, maxPersonalDataRank: 0 };
    const onF1: GrantFact = { grantId: 'G-f1', folderId: 'F1', folderIds: ['F1', 'F11'], levelRank: 1, maxClassificationRank: 3, maxPersonalDataRank: 2 };
    const reach = await partyReach(db, 'R1', AT, documentsOf('R1'), { grantsOf: (partyId) => (partyId === 'PB' ? [wholeRoom] : [onF1]) });
    // PB, covered for E1 and E2 (NB, own organisation only): every standard, personal-data-free document of those.
    // PA on F1 alone, up to identified: GA2's D2 is gone, D6 comes in; D4 still only for the clean team.
    expect(reachOf(reach)).toEqual({ PA: ['D1', 'D11', 'D4', 'D6'], PB: ['D1', 'D2', 'D3'] });
    expect(reachOf(await partyReach(db, 'R1', AT, documentsOf('R1'), { grantsOf: () => [] }))).toEqual({ PA: [], PB: [] });
  });

  it('leaves disabled members out: they reach nothing', async () => {
    await db('users').where({ id: 'v2' }).update({ disabledAt: AT });
    try {
      expect(reachOf(await partyReach(db, 'R1', AT, documentsOf('R1')))).toEqual({ PA: ['D1', 'D11', 'D4'], PB: ['D3'] });
    } finally {
      await db('users').where({ id: 'v2' }).update({ disabledAt: null });
    }
  });

  it('reads the facts at the instant asked: once N5 takes effect PA gains E3 (D5), once GA2 expires it loses D2', async () => {
    const later = '2030-08-02T00:00:00.000Z';
    expect(reachOf(await partyReach(db, 'R1', later, documentsOf('R1')))).toEqual({ PA: ['D1', 'D11', 'D4', 'D5'], PB: ['D3'] });
  });
});
