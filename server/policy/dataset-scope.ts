import type { AccessFacts } from './access-facts.js';
import { membershipGivesContent } from './ability.js';
import { CLEAN_TEAM_RANK, LEVELS, PERSONAL_DATA, type Level, type PersonalData } from '../ranks.js';

/** The document attributes a dataset's scope is decided on. */
export interface DatasetSubject {
  roomId: string;
  folderId: string;
  classificationRank: number;
  status: string;
}

/**
 * What one caller may have of a dataset they may already see at `level` (the ability decided that):
 * - `form`: how its personal-data columns reach them — the highest `maxPersonalData` among their
 *   party's live grants that reach the document at that level (`identified`: as stored;
 *   `pseudonymised`; `none`: left out). The deal team has every dataset as stored.
 * - `entityIds`: the entities whose rows they get — those an NDA covers them for now (rule 3 per
 *   row); null for the deal team, who get every row, rows of unmapped values included.
 * - `partyId`: whose pseudonyms they get (one value, one pseudonym across the party).
 * Null when no membership or grant gives the caller the dataset at that level: deny.
 */
export function datasetScopeFor(
  facts: AccessFacts,
  doc: DatasetSubject,
  level: Level,
): { form: PersonalData; entityIds: string[] | null; partyId: string | null } | null {
  const { actor } = facts;
  if (actor.role === 'admin' || facts.staffRooms.some((s) => s.roomId === doc.roomId)) return { form: 'identified', entityIds: null, partyId: null };
  const m = facts.memberships.find((x) => x.roomId === doc.roomId);
  // Rule 6 again, as the ability has it: a draft or withdrawn dataset is no one's outside the deal team.
  if (!m || !membershipGivesContent(m, actor) || doc.status !== 'published') return null;
  const levelRank = LEVELS.indexOf(level);
  let best = -1;
  for (const g of m.grants) {
    if (g.levelRank < levelRank) continue;
    if (g.folderIds && !g.folderIds.includes(doc.folderId)) continue;
    const maxClassification = m.cleanTeam ? g.maxClassificationRank : Math.min(g.maxClassificationRank, CLEAN_TEAM_RANK - 1);
    if (doc.classificationRank > maxClassification) continue;
    best = Math.max(best, g.maxPersonalDataRank);
  }
  if (best < 0) return null;
  return { form: PERSONAL_DATA[best], entityIds: [...m.coverage.keys()].sort(), partyId: m.partyId };
}
