import type { Db } from '../db.js';
import type { DocumentRow } from '../documents/repository.js';
import { partyReach } from '../policy/exposure.js';
import { folderSubtrees, toGrantFact, type GrantFact, type GrantFactSource } from '../policy/access-facts.js';
import { classificationRank } from '../ranks.js';
import type { MatrixPlan, MatrixState } from './matrix-plan.js';

/** Highly confidential and above (clean-team documents too), as the publish preview counts them. */
const HIGHLY_CONFIDENTIAL_RANK = classificationRank('highly_confidential');

/** Per party: the published documents it could view before and after the import, and what it gains and loses. */
export interface MatrixExposure {
  partyId: string;
  name: string;
  gained: number;
  lost: number;
  gainedPersonalData: number;
  gainedHighlyConfidential: number;
  lostPersonalData: number;
  lostHighlyConfidential: number;
  viewableBefore: number;
  viewableAfter: number;
}

type ExposedDocument = Pick<DocumentRow, 'id' | 'roomId' | 'folderId' | 'entityId' | 'classificationRank' | 'personalDataRank' | 'kind' | 'status'>;

/**
 * What the import would change in what each party can view, by the access rule itself: each
 * member's own facts (NDA coverage, clean team, the room's state) with the party's grants as they are
 * and as they would be (partyReach, twice). Only published documents count (rule 6): a draft is no
 * one's outside the deal team, whatever the grants say. A party none of whose members an NDA covers
 * yet gains nothing now; its grants count from its first confirmed NDA.
 */
export async function matrixExposure(db: Db, roomId: string, at: string, state: MatrixState, plan: MatrixPlan): Promise<MatrixExposure[]> {
  if (plan.changes.length === 0) return state.parties.map((p) => ({ partyId: p.id, name: p.name, ...counts([], [], []) }));

  const documents: ExposedDocument[] = await db('documents')
    .where({ roomId, status: 'published' })
    .select('id', 'roomId', 'folderId', 'entityId', 'classificationRank', 'personalDataRank', 'kind', 'status');
  const subtree = folderSubtrees(state.folders);
  const deleted = new Set(plan.deletes.map((g) => g.id));
  const before = factsByParty(state.grants, subtree, at);
  const after = factsByParty([...state.grants.filter((g) => !deleted.has(g.id)), ...plan.creates], subtree, at);

  const reachBefore = await partyReach(db, roomId, at, documents, { grantsOf: (partyId) => before.get(partyId) ?? [] });
  const reachAfter = new Map((await partyReach(db, roomId, at, documents, { grantsOf: (partyId) => after.get(partyId) ?? [] })).map((p) => [p.partyId, p.documentIds]));
  return reachBefore.map((p) => {
    const then = p.documentIds;
    const next = reachAfter.get(p.partyId) ?? new Set<string>();
    return {
      partyId: p.partyId,
      name: p.name,
      ...counts(
        documents.filter((d) => next.has(d.id) && !then.has(d.id)),
        documents.filter((d) => then.has(d.id) && !next.has(d.id)),
        [then.size, next.size],
      ),
    };
  });
}

function counts(gained: ExposedDocument[], lost: ExposedDocument[], [viewableBefore, viewableAfter]: number[]) {
  const personal = (docs: ExposedDocument[]) => docs.filter((d) => Number(d.personalDataRank) > 0).length;
  const highlyConfidential = (docs: ExposedDocument[]) => docs.filter((d) => Number(d.classificationRank) >= HIGHLY_CONFIDENTIAL_RANK).length;
  return {
    gained: gained.length,
    lost: lost.length,
    gainedPersonalData: personal(gained),
    gainedHighlyConfidential: highlyConfidential(gained),
    lostPersonalData: personal(lost),
    lostHighlyConfidential: highlyConfidential(lost),
    viewableBefore: viewableBefore ?? 0,
    viewableAfter: viewableAfter ?? 0,
  };
}

/** The live grants (not expired at `at`, as loadAccessFacts reads them) of each party, as facts of the rule. */
function factsByParty(grants: Array<GrantFactSource & { partyId: string; expiresAt: string | null }>, subtree: (rootId: string) => string[], at: string): Map<string, GrantFact[]> {
  const byParty = new Map<string, GrantFact[]>();
  for (const g of grants) {
    if (g.expiresAt !== null && !(g.expiresAt > at)) continue;
    byParty.set(g.partyId, [...(byParty.get(g.partyId) ?? []), toGrantFact(g, subtree)]);
  }
  return byParty;
}
