/**
 * One hand-built deal, stored in a fresh migrated SQLite database, for the policy tests that read
 * the database (facts, visible folders, explanations, the room gate). Every name says its role:
 *
 * Room R1 (open; entities E1, E2, E3), staffed by `mgr` (manager) and `cns` (counsel).
 *   Party PA: acquirer ACQ (members a1, and clean-team member cl), advisors ADV (v1) and ADV2 (v2).
 *   Party PB: acquirer ACQB (b1; IP allow-list 10.0.0.0/8), advisor ADVB (vb).
 *   NDAs: N1 ACQ nda, confirmed, answers for its representatives, E1;
 *         N2 ADV2 joinder, confirmed, E2 (the advisor's own);
 *         N3 ACQ nda, pending, E2;
 *         N4 ACQ nda, confirmed, E3, expires exactly at AT;
 *         N5 ACQ clean_team, confirmed, E3, effective only from 2030-07-01;
 *         NB ACQB nda, confirmed, E1 + E2, does not answer for its representatives.
 *   Folders: F1 ⊃ F11; F2; F3 ("side letter" of party B).
 *   Documents: D1 (F1, E1), D11 (F11, E1, confidential, pseudonymised), D2 (F2, E2), D3 (F3, E1),
 *              D4 (F1, E1, clean_team), D5 (F1, E3), D6 (F1, E1, identified personal data).
 *   Grants: GA1 PA on F1, download, up to clean_team and pseudonymised;
 *           GA2 PA on F2, view, standard / none, expires 2030-08-01;
 *           GA3 PA on F3, original, expired exactly at AT;
 *           GB1 PB on F3, original.
 * Room R2 (closed; E1): party PC of ACQ with a1; N6 ACQ confirmed E1; party PE of ACQE (e1).
 * Room R3 (open, requires a second factor; E1): party PD of ACQ with a1; N7 ACQ confirmed E1.
 * `out` is seller staff of no room; `lone` an acquirer user in no party.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrateToLatest, type Db } from '../../../server/db.js';
import { insertWorld } from '../../property/world-store.js';
import type { World, WorldUser } from '../../property/world-model.js';
import type { Actor } from '../../../server/auth/actor.js';
import { AT } from './facts.js';

export { AT };
const LONG_AGO = '2030-01-01T00:00:00.000Z';
const FAR = '2031-01-01T00:00:00.000Z';

export const DEAL: World = {
  at: AT,
  entityIds: ['E1', 'E2', 'E3'],
  orgs: [
    { id: 'SELLER', kind: 'seller' },
    { id: 'ACQ', kind: 'acquirer' }, { id: 'ADV', kind: 'advisor' }, { id: 'ADV2', kind: 'advisor' },
    { id: 'ACQB', kind: 'acquirer' }, { id: 'ADVB', kind: 'advisor' },
    { id: 'ACQE', kind: 'acquirer' }, { id: 'LONE', kind: 'acquirer' },
  ],
  users: [
    { id: 'admin', orgId: 'SELLER', role: 'admin' },
    { id: 'mgr', orgId: 'SELLER', role: 'staff' }, { id: 'cns', orgId: 'SELLER', role: 'staff' }, { id: 'out', orgId: 'SELLER', role: 'staff' },
    { id: 'a1', orgId: 'ACQ', role: 'external' }, { id: 'cl', orgId: 'ACQ', role: 'external' },
    { id: 'v1', orgId: 'ADV', role: 'external' }, { id: 'v2', orgId: 'ADV2', role: 'external' },
    { id: 'b1', orgId: 'ACQB', role: 'external' }, { id: 'vb', orgId: 'ADVB', role: 'external' },
    { id: 'e1', orgId: 'ACQE', role: 'external' }, { id: 'lone', orgId: 'LONE', role: 'external' },
  ],
  rooms: [
    { id: 'R1', status: 'open', entityIds: ['E1', 'E2', 'E3'], requireMfa: false },
    { id: 'R2', status: 'closed', entityIds: ['E1'], requireMfa: false },
    { id: 'R3', status: 'open', entityIds: ['E1'], requireMfa: true },
  ],
  staff: [{ roomId: 'R1', userId: 'mgr', role: 'manager' }, { roomId: 'R1', userId: 'cns', role: 'counsel' }],
  parties: [
    { id: 'PA', roomId: 'R1', acquirerOrgId: 'ACQ', advisorOrgIds: ['ADV', 'ADV2'] },
    { id: 'PB', roomId: 'R1', acquirerOrgId: 'ACQB', advisorOrgIds: ['ADVB'] },
    { id: 'PC', roomId: 'R2', acquirerOrgId: 'ACQ', advisorOrgIds: [] },
    { id: 'PE', roomId: 'R2', acquirerOrgId: 'ACQE', advisorOrgIds: [] },
    { id: 'PD', roomId: 'R3', acquirerOrgId: 'ACQ', advisorOrgIds: [] },
  ],
  members: [
    { partyId: 'PA', roomId: 'R1', userId: 'a1', cleanTeam: false },
    { partyId: 'PA', roomId: 'R1', userId: 'cl', cleanTeam: true },
    { partyId: 'PA', roomId: 'R1', userId: 'v1', cleanTeam: false },
    { partyId: 'PA', roomId: 'R1', userId: 'v2', cleanTeam: false },
    { partyId: 'PB', roomId: 'R1', userId: 'b1', cleanTeam: false },
    { partyId: 'PB', roomId: 'R1', userId: 'vb', cleanTeam: false },
    { partyId: 'PC', roomId: 'R2', userId: 'a1', cleanTeam: false },
    { partyId: 'PE', roomId: 'R2', userId: 'e1', cleanTeam: false },
    { partyId: 'PD', roomId: 'R3', userId: 'a1', cleanTeam: false },
  ],
  ndas: [
    { id: 'N1', roomId: 'R1', orgId: 'ACQ', kind: 'nda', status: 'confirmed', effectiveAt: LONG_AGO, expiresAt: FAR, coversRepresentatives: true, entityIds: ['E1'] },
    { id: 'N2', roomId: 'R1', orgId: 'ADV2', kind: 'joinder', status: 'confirmed', effectiveAt: LONG_AGO, expiresAt: FAR, coversRepresentatives: false, entityIds: ['E2'] },
    { id: 'N3', roomId: 'R1', orgId: 'ACQ', kind: 'nda', status: 'pending', effectiveAt: LONG_AGO, expiresAt: FAR, coversRepresentatives: true, entityIds: ['E2'] },
    { id: 'N4', roomId: 'R1', orgId: 'ACQ', kind: 'nda', status: 'confirmed', effectiveAt: LONG_AGO, expiresAt: AT, coversRepresentatives: true, entityIds: ['E3'] },
    { id: 'N5', roomId: 'R1', orgId: 'ACQ', kind: 'clean_team', status: 'confirmed', effectiveAt: '2030-07-01T00:00:00.000Z', expiresAt: FAR, coversRepresentatives: true, entityIds: ['E3'] },
    { id: 'NB', roomId: 'R1', orgId: 'ACQB', kind: 'nda', status: 'confirmed', effectiveAt: LONG_AGO, expiresAt: FAR, coversRepresentatives: false, entityIds: ['E1', 'E2'] },
    { id: 'N6', roomId: 'R2', orgId: 'ACQ', kind: 'nda', status: 'confirmed', effectiveAt: LONG_AGO, expiresAt: FAR, coversRepresentatives: false, entityIds: ['E1'] },
    { id: 'N7', roomId: 'R3', orgId: 'ACQ', kind: 'nda', status: 'confirmed', effectiveAt: LONG_AGO, expiresAt: FAR, coversRepresentatives: false, entityIds: ['E1'] },
  ],
  folders: [
    { id: 'F1', roomId: 'R1', parentId: null }, { id: 'F11', roomId: 'R1', parentId: 'F1' },
    { id: 'F2', roomId: 'R1', parentId: null }, { id: 'F3', roomId: 'R1', parentId: null },
    { id: 'F21', roomId: 'R2', parentId: null }, { id: 'F31', roomId: 'R3', parentId: null },
  ],
  documents: [
    { id: 'D1', roomId: 'R1', folderId: 'F1', entityId: 'E1', classification: 'standard', personalData: 'none' },
    { id: 'D11', roomId: 'R1', folderId: 'F11', entityId: 'E1', classification: 'confidential', personalData: 'pseudonymised' },
    { id: 'D2', roomId: 'R1', folderId: 'F2', entityId: 'E2', classification: 'standard', personalData: 'none' },
    { id: 'D3', roomId: 'R1', folderId: 'F3', entityId: 'E1', classification: 'standard', personalData: 'none' },
    { id: 'D4', roomId: 'R1', folderId: 'F1', entityId: 'E1', classification: 'clean_team', personalData: 'none' },
    { id: 'D5', roomId: 'R1', folderId: 'F1', entityId: 'E3', classification: 'standard', personalData: 'none' },
    { id: 'D6', roomId: 'R1', folderId: 'F1', entityId: 'E1', classification: 'standard', personalData: 'identified' },
    { id: 'D21', roomId: 'R2', folderId: 'F21', entityId: 'E1', classification: 'standard', personalData: 'none' },
    { id: 'D31', roomId: 'R3', folderId: 'F31', entityId: 'E1', classification: 'standard', personalData: 'none' },
  ],
  grants: [
    { id: 'GA1', roomId: 'R1', partyId: 'PA', folderId: 'F1', level: 'download', maxClassification: 'clean_team', maxPersonalData: 'pseudonymised', expiresAt: null },
    { id: 'GA2', roomId: 'R1', partyId: 'PA', folderId: 'F2', level: 'view', maxClassification: 'standard', maxPersonalData: 'none', expiresAt: '2030-08-01T00:00:00.000Z' },
    { id: 'GA3', roomId: 'R1', partyId: 'PA', folderId: 'F3', level: 'original', maxClassification: 'standard', maxPersonalData: 'none', expiresAt: AT },
    { id: 'GB1', roomId: 'R1', partyId: 'PB', folderId: 'F3', level: 'original', maxClassification: 'standard', maxPersonalData: 'none', expiresAt: null },
    { id: 'GC1', roomId: 'R2', partyId: 'PC', folderId: null, level: 'original', maxClassification: 'standard', maxPersonalData: 'none', expiresAt: null },
    { id: 'GD1', roomId: 'R3', partyId: 'PD', folderId: null, level: 'view', maxClassification: 'standard', maxPersonalData: 'none', expiresAt: null },
  ],
  allowlists: [{ partyId: 'PB', cidr: '10.0.0.0/8' }],
  requests: [],
};

export const actorOf = (id: string, mfa = false): Actor => {
  const u: WorldUser = DEAL.users.find((x) => x.id === id)!;
  return { id: u.id, email: `${u.id}@example.test`, name: u.id, orgId: u.orgId, role: u.role, via: 'token', mfa };
};

/** A fresh migrated SQLite database holding the deal; `close` removes it. */
export async function openDealDb(): Promise<{ db: Db; close(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-policy-'));
  const db = createDb({ dataDir });
  await migrateToLatest(db);
  await insertWorld(db, DEAL);
  return {
    db,
    close: async () => {
      await db.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The deal's database for a suite: opened before its tests, closed after them. `current()` is the
 * open one (inside a test or hook).
 */
export function dealDbOfSuite(): { current(): { db: Db; close(): Promise<void> } } {
  let deal: { db: Db; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    deal = await openDealDb();
  });
  afterAll(async () => {
    await deal?.close();
  });
  return { current: () => deal! };
}
