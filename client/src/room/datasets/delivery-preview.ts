import { CLASSIFICATIONS, PERSONAL_DATA, type DocumentItem, type Folder, type Grant, type Nda, type Org, type Party, type PersonalData } from '../../api.js';
import type { ColumnRole } from './dataset-api.js';

/**
 * What each party would receive of a dataset, worked out in the client from the same facts the
 * server decides on (docs/PRODUCT.md, the access rule; server/policy/dataset-scope.ts): the form of
 * its personal-data columns from the party's grants, the rows from its NDA coverage. A preview for
 * the deal team before they save; the server still decides every delivery.
 */

/** How a column reaches a recipient. */
export type ColumnTreatment = 'stored' | 'pseudonymised' | 'generalised' | 'left out';

export function treatmentOf(role: ColumnRole, form: PersonalData): ColumnTreatment {
  if (role === 'none' || form === 'identified') return 'stored';
  if (form === 'none') return 'left out';
  return role === 'direct' ? 'pseudonymised' : 'generalised';
}

/** People of a party whose NDAs cover the same entities: an advisor may be covered otherwise than the acquirer. */
export interface CoverageGroup {
  orgIds: string[];
  entityIds: string[];
}

export interface PartyDelivery {
  party: Party;
  /**
   * The form its grants give the dataset in (the highest `maxPersonalData` of a live grant that
   * reaches the document's folder and classification); null: no grant reaches it, nothing is delivered.
   */
  form: PersonalData | null;
  /** A clean-team document reaches only the party's clean-team members. */
  cleanTeamOnly: boolean;
  coverage: CoverageGroup[];
}

type DatasetDocument = Pick<DocumentItem, 'folderId' | 'classification'>;

/** A grant on a folder covers the folder and everything below it; one without a folder, the room. */
function grantReaches(grant: Grant, folder: Folder | undefined, folders: Map<string, Folder>): boolean {
  if (!grant.folderId) return true;
  if (!folder) return false;
  const top = folders.get(grant.folderId);
  return grant.folderId === folder.id || (!!top && folder.index.startsWith(`${top.index}.`));
}

function formFor(party: Party, doc: DatasetDocument, grants: Grant[], folders: Map<string, Folder>, now: number, cleanTeam: boolean): PersonalData | null {
  const classification = CLASSIFICATIONS.indexOf(doc.classification);
  const folder = folders.get(doc.folderId);
  let best = -1;
  for (const g of grants) {
    if (g.partyId !== party.id || (g.expiresAt && Date.parse(g.expiresAt) <= now) || !grantReaches(g, folder, folders)) continue;
    // Clean-team material needs a clean-team member, whatever the grant says.
    const max = cleanTeam ? CLASSIFICATIONS.indexOf(g.maxClassification) : Math.min(CLASSIFICATIONS.indexOf(g.maxClassification), CLASSIFICATIONS.indexOf('clean_team') - 1);
    if (classification > max) continue;
    best = Math.max(best, PERSONAL_DATA.indexOf(g.maxPersonalData));
  }
  return best < 0 ? null : PERSONAL_DATA[best];
}

/** A confirmed NDA in force now: effective, not expired, not terminated. */
const inForce = (nda: Nda, now: number) => nda.status === 'confirmed' && !nda.expired && Date.parse(nda.effectiveAt) <= now && now < Date.parse(nda.expiresAt);

/**
 * Rule 3 per organisation of the party: the acquirer by its own NDAs; an advisor by its own NDAs or
 * joinders, or by the acquirer's where it covers its representatives.
 */
function coverageOf(party: Party, ndas: Nda[], now: number): CoverageGroup[] {
  const live = ndas.filter((n) => inForce(n, now));
  const entitiesOf = (orgId: string, viaAcquirer: boolean) =>
    [...new Set(live.filter((n) => n.orgId === orgId || (viaAcquirer && n.orgId === party.acquirerOrgId && n.coversRepresentatives)).flatMap((n) => n.entityIds))].sort();
  const groups: CoverageGroup[] = [];
  for (const [orgId, entityIds] of [[party.acquirerOrgId, entitiesOf(party.acquirerOrgId, false)] as const, ...party.advisorOrgIds.map((o) => [o, entitiesOf(o, true)] as const)]) {
    const same = groups.find((g) => g.entityIds.join() === entityIds.join());
    if (same) same.orgIds.push(orgId);
    else groups.push({ orgIds: [orgId], entityIds });
  }
  return groups;
}

export function partyDeliveries(doc: DatasetDocument, parties: Party[], grants: Grant[], ndas: Nda[], folders: Folder[], now = Date.now()): PartyDelivery[] {
  const byId = new Map(folders.map((f) => [f.id, f]));
  const cleanTeamOnly = doc.classification === 'clean_team';
  return parties.map((party) => ({
    party,
    form: formFor(party, doc, grants, byId, now, cleanTeamOnly),
    cleanTeamOnly,
    coverage: coverageOf(party, ndas, now),
  }));
}

/** Organisation names for a coverage group: "Alpha Capital and Lex & Co". */
export function orgNames(orgIds: string[], orgs: Map<string, Org>): string {
  const names = orgIds.map((id) => orgs.get(id)?.name ?? 'an organisation');
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
