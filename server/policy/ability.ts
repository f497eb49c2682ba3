import { AbilityBuilder, createMongoAbility, subject, type MongoAbility, type MongoQuery } from '@casl/ability';
import { CLEAN_TEAM_RANK, LEVELS } from '../ranks.js';
import type { AccessFacts } from './access-facts.js';

/**
 * Actions per subject:
 * - Room: create (seller staff), read (see it), edit (deal team), registerNda (manager, counsel), decideNda (counsel),
 *   oversee (audit trail, disclosures, trace: manager, counsel)
 * - Document: view | download | original (the levels of PRODUCT.md), edit (new versions)
 * - Folder: read, edit
 * - Nda: read, readFile
 * - Grant, Party: read, edit
 * - Directory (organisations, users, entities): read (seller staff), edit (admins)
 * Never "manage": CASL reads it as "every action", which would let a manager confirm NDAs.
 */
export type Action = 'create' | 'read' | 'edit' | 'registerNda' | 'decideNda' | 'oversee' | 'view' | 'download' | 'original' | 'readFile';
export type SubjectType = 'Room' | 'Document' | 'Folder' | 'Nda' | 'Grant' | 'Party' | 'Directory';
export type AppAbility = MongoAbility<[Action, SubjectType | Record<string, unknown>]>;

/** Wraps a row for `ability.can`: a check on a bare type string would ignore the rule's conditions. */
export const asSubject = (type: SubjectType, row: object) => subject(type, { ...row } as Record<string, unknown>);

/**
 * The access rule of PRODUCT.md as one CASL ability. Conditions are plain columns of the subject's
 * table, so `accessibleBy` can turn the very same rules into SQL for lists.
 */
export function buildAbility(facts: AccessFacts): AppAbility {
  const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  const { actor } = facts;

  if (actor.role === 'admin') {
    // Admins act as manager in every room — never as counsel: confirming NDAs stays with counsel.
    can(['read', 'edit', 'registerNda', 'oversee'], 'Room');
    can(['view', 'download', 'original', 'edit'], 'Document');
    can(['read', 'edit'], ['Folder', 'Grant', 'Party']);
    can(['read', 'readFile'], 'Nda');
    can('edit', 'Directory');
  }
  // Seller staff pick organisations and users when they build parties; outsiders see none of it.
  if (actor.role !== 'external') can(['read'], 'Directory');
  if (actor.role !== 'external') can('create', 'Room');

  const managerRooms = facts.staffRooms.filter((s) => s.role === 'manager').map((s) => s.roomId);
  const counselRooms = facts.staffRooms.filter((s) => s.role === 'counsel').map((s) => s.roomId);
  const staffRooms = [...managerRooms, ...counselRooms];
  if (staffRooms.length > 0) {
    can(['read', 'registerNda', 'oversee'], 'Room', { id: { $in: staffRooms } });
    can(['view', 'download', 'original'], 'Document', { roomId: { $in: staffRooms } });
    can('read', ['Folder', 'Grant', 'Party'], { roomId: { $in: staffRooms } });
    can(['read', 'readFile'], 'Nda', { roomId: { $in: staffRooms } });
  }
  if (managerRooms.length > 0) {
    can('edit', 'Room', { id: { $in: managerRooms } });
    can('edit', ['Document', 'Folder', 'Grant', 'Party'], { roomId: { $in: managerRooms } });
  }
  if (counselRooms.length > 0) can('decideNda', 'Room', { id: { $in: counselRooms } });

  for (const m of facts.memberships) {
    // An external member always sees the room itself (its name, status and their NDA status)...
    can('read', 'Room', { id: m.roomId });
    // From outside the party's IP allow-list, or without a second factor where the room requires
    // one, the room itself is all a member sees.
    if (!m.ipAllowed || (m.requireMfa && !actor.mfa)) continue;
    // ...and their own organisation's NDAs in it, without the file.
    can('read', 'Nda', { roomId: m.roomId, orgId: actor.orgId });
    // Rule 1: a closed room gives nothing more. Rule 3: no NDA coverage gives nothing more.
    if (!m.roomOpen || m.coverage.size === 0) continue;
    const coveredEntityIds = [...m.coverage.keys()];
    for (const g of m.grants) {
      const inGrant: MongoQuery = g.folderIds ? { roomId: m.roomId, folderId: { $in: g.folderIds } } : { roomId: m.roomId };
      const grantFolders: MongoQuery = g.folderIds ? { roomId: m.roomId, id: { $in: g.folderIds } } : { roomId: m.roomId };
      can('read', 'Folder', grantFolders);
      // Rule 5: clean-team documents need a clean-team member, whatever the grant allows.
      const maxClassification = m.cleanTeam ? g.maxClassificationRank : Math.min(g.maxClassificationRank, CLEAN_TEAM_RANK - 1);
      // Rule 4: the grant's level and limits; rule 3: only the entities an NDA covers.
      for (const level of LEVELS.slice(0, g.levelRank + 1)) {
        can(level, 'Document', {
          ...inGrant,
          entityId: { $in: coveredEntityIds },
          classificationRank: { $lte: maxClassification },
          personalDataRank: { $lte: g.maxPersonalDataRank },
        });
      }
    }
  }
  return build();
}
