import { datasetScopeFor } from '../../../server/policy/dataset-scope.js';
import { actorOf, factsOf, grantOf, membershipOf } from './facts.js';

/** What a caller gets of a dataset they may see: the form of its personal data and the rows' entities. */
const dataset = { roomId: 'R1', folderId: 'F11', classificationRank: 1, status: 'published' };
const external = actorOf('external');
const member = (over: Parameters<typeof membershipOf>[0]) => factsOf(external, { memberships: [membershipOf(over)] });

describe('datasetScopeFor', () => {
  it('gives admins and the deal team of the room every row as stored', () => {
    expect(datasetScopeFor(factsOf(actorOf('admin')), dataset, 'download')).toEqual({ form: 'identified', entityIds: null, partyId: null });
    expect(datasetScopeFor(factsOf(actorOf('staff'), { staffRooms: [{ roomId: 'R1', role: 'counsel' }] }), dataset, 'view')).toEqual({ form: 'identified', entityIds: null, partyId: null });
    expect(datasetScopeFor(factsOf(actorOf('staff'), { staffRooms: [{ roomId: 'R2', role: 'manager' }] }), dataset, 'view')).toBeNull();
  });

  it('gives a member the highest personal-data limit among the grants that reach the dataset at that level', () => {
    const facts = member({
      coverage: new Map([['E2', ['N2']], ['E1', ['N1']]]),
      grants: [
        grantOf({ grantId: 'G1', levelRank: 1, maxPersonalDataRank: 0 }),
        grantOf({ grantId: 'G2', folderId: 'F1', folderIds: ['F1', 'F11'], levelRank: 0, maxPersonalDataRank: 2 }),
        grantOf({ grantId: 'G3', folderId: 'F2', folderIds: ['F2'], levelRank: 2, maxPersonalDataRank: 2 }),
      ],
    });
    // To view: G2 reaches F11 with identified data. To download: only G1, with none.
    expect(datasetScopeFor(facts, dataset, 'view')).toEqual({ form: 'identified', entityIds: ['E1', 'E2'], partyId: 'P1' });
    expect(datasetScopeFor(facts, dataset, 'download')).toEqual({ form: 'none', entityIds: ['E1', 'E2'], partyId: 'P1' });
    expect(datasetScopeFor(facts, dataset, 'original')).toBeNull();
  });

  it('counts pseudonymised as its own form', () => {
    expect(datasetScopeFor(member({ grants: [grantOf({ maxPersonalDataRank: 1 })] }), dataset, 'download')?.form).toBe('pseudonymised');
  });

  it('ignores grants whose classification limit is below the dataset, and clean-team datasets without a clean-team member', () => {
    expect(datasetScopeFor(member({ grants: [grantOf({ maxClassificationRank: 0 })] }), dataset, 'view')).toBeNull();
    const cleanTeamDataset = { ...dataset, classificationRank: 3 };
    expect(datasetScopeFor(member({ grants: [grantOf()] }), cleanTeamDataset, 'view')).toBeNull();
    expect(datasetScopeFor(member({ cleanTeam: true, grants: [grantOf()] }), cleanTeamDataset, 'view')?.form).toBe('identified');
  });

  it('gives nothing where the membership gives no content: closed room, no coverage, outside the allow-list, no second factor', () => {
    for (const over of [{ roomOpen: false }, { coverage: new Map() }, { ipAllowed: false }, { requireMfa: true }]) {
      expect(datasetScopeFor(member({ ...over, grants: [grantOf()] }), dataset, 'view')).toBeNull();
    }
    expect(datasetScopeFor(member({ roomId: 'R2', grants: [grantOf()] }), dataset, 'view')).toBeNull();
  });

  it('gives an outsider nothing of a draft or withdrawn dataset, and the deal team all of it (rule 6)', () => {
    for (const status of ['draft', 'withdrawn']) {
      expect(datasetScopeFor(member({ grants: [grantOf()] }), { ...dataset, status }, 'view')).toBeNull();
      expect(datasetScopeFor(factsOf(actorOf('staff'), { staffRooms: [{ roomId: 'R1', role: 'manager' }] }), { ...dataset, status }, 'view')?.entityIds).toBeNull();
    }
  });
});
