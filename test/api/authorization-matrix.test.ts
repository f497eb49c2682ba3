/**
 * The authorization matrix (docs/quality.md security 2): every route × every role × a target that is the
 * caller's own, another party's, in another room, or missing → the status the contract promises.
 * A walk of the express router fails the suite when a served route has no row here, so a new route
 * cannot ship without its authorization being written down and checked.
 *
 * Targets: `own` — room 1, where manager and counsel are staff and `member` is in party A (covered by
 * an NDA, granted download on Finance); `otherParty` — party B's thing in room 1 (for routes that name
 * one); `otherRoom` — room 2, where only the admin acts (as manager); `missing` — an id that never
 * existed (the sub-id, in room 1, for routes that name one; else the main id).
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import request from 'supertest';
import { ADMIN, Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, FUTURE, PAST, PASSWORD, type Deal } from '../support/world.js';
import { makePdf } from '../support/fixtures.js';
import { archiveBuilderOf } from '../../server/archives/archive-builder.js';

const ROLES = ['admin', 'manager', 'counsel', 'member', 'outsider', 'staffOut', 'anonymous'] as const;
type Role = (typeof ROLES)[number];
const TARGETS = ['own', 'otherParty', 'otherRoom', 'missing'] as const;
type Target = (typeof TARGETS)[number];
/** A status, or `status:code` where the code matters (e.g. 404:not_traced is not a hidden 404). */
type Expected = number | string;
/** [own, otherParty, otherRoom, missing]; null where the route has no such target. */
type Row = [Expected | null, Expected | null, Expected | null, Expected | null];

interface Req {
  path: string;
  body?: object;
  multipart?: { fields: Record<string, string>; file: Buffer };
}
interface RouteSpec {
  request: (target: Target, role: Role) => Promise<Req> | Req;
  expect: Partial<Record<Role, Row>>;
}

let t: TestApp;
let deal: Deal;
let pdf: Buffer;
const tokens = {} as Record<Exclude<Role, 'anonymous'>, string>;
const room2 = { id: '', partyId: '', folderId: '', documentId: '', grantId: '', ndaId: '' };
let outsiderOrgId = '';
const ndaFiles = { own: '', otherParty: '' };
let neverDelivered: Buffer;
const OUTSIDER = { email: 'olga@delta.example', password: 'a long enough passphrase 123' };
/** Each role's own password, for the routes that ask for it again (step-up). */
const passwordOf = (role: Role) => (role === 'admin' ? ADMIN.password : role === 'outsider' || role === 'staffOut' ? OUTSIDER.password : PASSWORD);
const userIds = {} as Record<Exclude<Role, 'anonymous'>, string>;
let counter = 0;
const unique = (p: string) => `${p}-${++counter}-${randomUUID().slice(0, 8)}`;
const NOW = () => new Date().toISOString();

// ---- fixtures made straight in the database, so destructive routes get a fresh subject each call

async function freshUser(orgId: string, role: 'staff' | 'external', status: 'active' | 'invited' = 'active') {
  const id = randomUUID();
  await t.db('users').insert({ id, email: `${unique('u')}@example.test`, name: 'Fresh User', orgId, role, passwordHash: 'x', createdAt: NOW(), status });
  return id;
}
async function freshEntity() {
  const id = randomUUID();
  await t.db('entities').insert({ id, name: unique('Entity'), parentId: null, createdAt: NOW() });
  return id;
}
async function freshMail() {
  const id = randomUUID();
  await t.db('mailOutbox').insert({ id, kind: 'account_changed', toAddress: 'x@example.test', subject: 'matrix', textBody: 'matrix', status: 'sent', attempts: 1, nextAttemptAt: NOW(), createdAt: NOW(), sentAt: NOW(), messageId: `<${id}@test>` });
  return id;
}
async function freshNda(roomId: string, orgId: string, status: 'pending' | 'confirmed') {
  const id = randomUUID();
  await t.db('ndas').insert({
    id, roomId, orgId, kind: 'nda', status, signedAt: PAST, effectiveAt: PAST, expiresAt: FUTURE, coversRepresentatives: false,
    objectKey: `ndas/${id}`, sha256: '0'.repeat(64), size: 1, fileName: 'nda.pdf', registeredBy: deal.users.manager.id, registeredAt: NOW(),
    confirmedBy: status === 'confirmed' ? deal.users.counsel.id : null, confirmedAt: status === 'confirmed' ? NOW() : null,
  });
  await t.db('ndaEntities').insert({ ndaId: id, entityId: deal.entities.gmbh.id });
  return id;
}
/** An API token of the user, made straight in the database so that revoking it spoils nothing. */
async function freshToken(userId: string) {
  const id = randomUUID();
  await t.db('apiTokens').insert({ id, userId, name: 'matrix fresh', tokenHash: randomUUID().replace(/-/g, '').padEnd(64, '0'), mfa: false, createdAt: NOW(), expiresAt: FUTURE });
  return id;
}
async function freshGrant(roomId: string, partyId: string) {
  const id = randomUUID();
  await t.db('grants').insert({ id, roomId, partyId, folderId: null, levelRank: 0, maxClassificationRank: 0, maxPersonalDataRank: 0, expiresAt: null, createdBy: deal.users.manager.id, createdAt: NOW() });
  return id;
}
async function freshMember(roomId: string, partyId: string) {
  const party = await t.db('parties').where({ id: partyId }).first('acquirerOrgId');
  const userId = await freshUser(party.acquirerOrgId, 'external');
  await t.db('partyMembers').insert({ partyId, roomId, userId, cleanTeam: false, createdAt: NOW() });
  return userId;
}
/** A room like room 1 (same staff, the member in a party of it), to close without spoiling room 1. */
async function freshRoom(staffed: boolean) {
  const id = randomUUID();
  await t.db('rooms').insert({ id, name: 'Fresh', codeName: null, status: 'open', createdBy: deal.users.manager.id, createdAt: NOW(), closedAt: null });
  await t.db('roomEntities').insert({ roomId: id, entityId: deal.entities.gmbh.id });
  if (staffed) {
    await t.db('roomStaff').insert([{ roomId: id, userId: deal.users.manager.id, role: 'manager', createdAt: NOW() }, { roomId: id, userId: deal.users.counsel.id, role: 'counsel', createdAt: NOW() }]);
    const partyId = randomUUID();
    await t.db('parties').insert({ id: partyId, roomId: id, name: 'Fresh party', acquirerOrgId: deal.orgs.alpha.id, createdAt: NOW() });
    await t.db('partyMembers').insert({ partyId, roomId: id, userId: deal.users.buyerA.id, cleanTeam: false, createdAt: NOW() });
  }
  return id;
}

/**
 * A copy of the target's document (same room, folder, entity and limits, so the same callers see it),
 * for the routes that withdraw or delete one. Its version names an object the store does not hold:
 * deleting it removes nothing another document needs.
 */
async function freshDocument(target: Target) {
  if (target === 'missing') return randomUUID();
  const source = await t.db('documents').where({ id: docOf(target) }).first();
  const version = await t.db('documentVersions').where({ id: source.currentVersionId }).first();
  const id = randomUUID();
  const versionId = randomUUID();
  await t.db('documents').insert({ ...source, id, currentVersionId: null, position: Number(source.position) + 1000 + counter++ });
  await t.db('documentVersions').insert({ ...version, id: versionId, documentId: id, objectKey: `versions/matrix-${versionId}` });
  await t.db('documents').where({ id }).update({ currentVersionId: versionId });
  return id;
}
/** A question of the target's party (A's own, B's, room 2's), in the state a route needs; a fresh one per call. */
async function freshQuestion(target: Target, state: Record<string, unknown> = {}) {
  if (target === 'missing') return randomUUID();
  const id = randomUUID();
  const partyId = partyOf(target);
  await t.db('questions').insert({
    id, roomId: roomHolding(target), partyId, number: 100_000 + ++counter, subject: 'Matrix question', body: 'Matrix', priority: 'normal', status: 'open',
    createdBy: target === 'otherParty' ? deal.users.buyerB.id : deal.users.buyerA.id, createdAt: NOW(), ...state,
  });
  return id;
}
/** An answer awaiting approval, written by a manager none of the matrix's callers is (four eyes holds for everyone). */
async function pendingAnswer(target: Target) {
  const author = await freshUser(deal.orgs.sellerOrgId, 'staff');
  return freshQuestion(target, { status: 'answer_pending', answer: 'Matrix answer', answerDocumentIds: '[]', answeredBy: author, answeredAt: NOW() });
}
const folderOf = (target: Target) => ({ own: deal.folders.finance.id, otherParty: deal.folders.legal.id, otherRoom: room2.folderId, missing: randomUUID() })[target];
const currentVersionOf = async (target: Target) =>
  target === 'missing' ? randomUUID() : ((await t.db('documents').where({ id: docOf(target) }).first('currentVersionId')) as { currentVersionId: string }).currentVersionId;

// ---- the targets of room routes

const roomOf = (target: Target) => (target === 'otherRoom' ? room2.id : target === 'missing' ? randomUUID() : deal.room.id);
/** A party of the target's room: party A (own), party B (otherParty), room 2's party, or a missing id in room 1. */
const partyOf = (target: Target) => ({ own: deal.parties.A.id, otherParty: deal.parties.B.id, otherRoom: room2.partyId, missing: randomUUID() })[target];
/** The room that holds a sub-id target: room 2 for otherRoom, room 1 otherwise. */
const roomHolding = (target: Target) => (target === 'otherRoom' ? room2.id : deal.room.id);
const docOf = (target: Target) => ({ own: deal.docs.finance.id, otherParty: deal.docs.legal.id, otherRoom: room2.documentId, missing: randomUUID() })[target];
const ndaOrgOf = (target: Target) => (target === 'otherParty' ? deal.orgs.beta.id : deal.orgs.alpha.id);
async function ndaOf(target: Target, status: 'pending' | 'confirmed') {
  if (target === 'missing') return randomUUID();
  return freshNda(roomHolding(target), ndaOrgOf(target), status);
}

// ---- expectation presets (rows per role); `o` is the success status

/** Room-level route, no sub-id: [own, -, otherRoom, missing room]. */
/** A return-or-destroy request of the target's party (made once, straight in the database), or a missing id. */
const certifications = new Map<Target, string>();
async function certificationOf(target: Target): Promise<string> {
  if (target === 'missing') return randomUUID();
  let id = certifications.get(target);
  if (!id) {
    id = randomUUID();
    await tDb()('certifications').insert({ id, roomId: roomHolding(target), partyId: partyOf(target), status: 'requested', reason: 'room_closed', requestedAt: NOW(), reminders: 0 });
    certifications.set(target, id);
  }
  return id;
}
/** A view of Finance opened by the member (made once, straight in the database): what their viewer reports pages of. */
let memberViewId = '';
async function memberView(): Promise<string> {
  if (memberViewId) return memberViewId;
  const member: { orgId: string } = await tDb()('users').where({ id: userIds.member }).first('orgId');
  const doc: { currentVersionId: string } = await tDb()('documents').where({ id: deal.docs.finance.id }).first('currentVersionId');
  memberViewId = randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase();
  await tDb()('downloads').insert({ id: memberViewId, roomId: deal.room.id, documentId: deal.docs.finance.id, versionId: doc.currentVersionId, userId: userIds.member, orgId: member.orgId, kind: 'view', at: NOW() });
  return memberViewId;
}
/** A ready archive of the target's room (room 1's of party B for otherParty), stored and recorded straight, or a missing id. */
const archivesMade = new Map<Target, string>();
async function archiveOf(target: Target): Promise<string> {
  if (target === 'missing') return randomUUID();
  let id = archivesMade.get(target);
  if (!id) {
    id = randomUUID();
    const roomId = roomHolding(target);
    const objectKey = `archives/${roomId}/${id}.zip`;
    const put = await t.store.put(objectKey, Readable.from([Buffer.from('PK\u0005\u0006'.padEnd(22, '\u0000'))]));
    await tDb()('archives').insert({
      id, roomId, partyId: target === 'otherParty' ? deal.parties.B.id : null, scope: target === 'otherParty' ? deal.parties.B.id : 'room', status: 'ready', objectKey,
      size: put.size, sha256: put.sha256, documents: 0, filesDone: 0, filesTotal: 0, requestedBy: userIds.admin, createdAt: NOW(), updatedAt: NOW(), completedAt: NOW(), attempts: 1,
    });
    archivesMade.set(target, id);
  }
  return id;
}
/** Archives are the deal team's: everyone else, members included, is answered as for a missing room or archive. */
const archiveRoute = (o: Expected) => roomRoute({
  admin: [o, o, 404], manager: [o, 404, 404], counsel: [o, 404, 404], member: [404, 404, 404], outsider: [404, 404, 404], staffOut: [404, 404, 404], anonymous: [401, 401, 401],
});
const subArchiveRoute = (o: Expected): Partial<Record<Role, Row>> => ({
  admin: [o, o, o, 404], manager: [o, o, 404, 404], counsel: [o, o, 404, 404], member: [404, 404, 404, 404], outsider: [404, 404, 404, 404], staffOut: [404, 404, 404, 404], anonymous: [401, 401, 401, 401],
});
const certificateRead: Partial<Record<Role, Row>> = {
  admin: [200, 200, 200, 404], manager: [200, 200, 404, 404], counsel: [200, 200, 404, 404], member: [200, 404, 404, 404], outsider: [404, 404, 404, 404], staffOut: [404, 404, 404, 404], anonymous: [401, 401, 401, 401],
};
const roomRoute = (rows: Partial<Record<Role, [Expected, Expected, Expected]>>): Partial<Record<Role, Row>> =>
  Object.fromEntries(Object.entries(rows).map(([role, [own, otherRoom, missing]]) => [role, [own, null, otherRoom, missing]]));
const managerWrite = (o: Expected) => roomRoute({
  admin: [o, o, 404], manager: [o, 404, 404], counsel: [403, 404, 404], member: [403, 404, 404], outsider: [404, 404, 404], staffOut: [404, 404, 404], anonymous: [401, 401, 401],
});
const staffRead = (o: Expected) => roomRoute({
  admin: [o, o, 404], manager: [o, 404, 404], counsel: [o, 404, 404], member: [403, 404, 404], outsider: [404, 404, 404], staffOut: [404, 404, 404], anonymous: [401, 401, 401],
});
const memberRead = (o: Expected, memberOwn: Expected = o) => roomRoute({
  admin: [o, o, 404], manager: [o, 404, 404], counsel: [o, 404, 404], member: [memberOwn, 404, 404], outsider: [404, 404, 404], staffOut: [404, 404, 404], anonymous: [401, 401, 401],
});
/** A route naming a party-owned thing of the room: [own party, other party, other room, missing sub-id]. */
const subManagerWrite = (o: Expected): Partial<Record<Role, Row>> => ({
  admin: [o, o, o, 404], manager: [o, o, 404, 404], counsel: [403, 403, 404, 403], member: [403, 403, 404, 403], outsider: [404, 404, 404, 404], staffOut: [404, 404, 404, 404], anonymous: [401, 401, 401, 401],
});
const subStaffRead = (o: Expected): Partial<Record<Role, Row>> => ({
  admin: [o, o, o, 404], manager: [o, o, 404, 404], counsel: [o, o, 404, 404], member: [403, 403, 404, 403], outsider: [404, 404, 404, 404], staffOut: [404, 404, 404, 404], anonymous: [401, 401, 401, 401],
});
/** Counsel's NDA decisions: the NDA is looked up first (hidden → 404), then the decision right (403). */
const ndaDecision = (o: Expected): Partial<Record<Role, Row>> => ({
  admin: [403, 403, 403, 404], manager: [403, 403, 404, 404], counsel: [o, o, 404, 404], member: [403, 404, 404, 404], outsider: [404, 404, 404, 404], staffOut: [404, 404, 404, 404], anonymous: [401, 401, 401, 401],
});
/** A document by id: [visible to the member, party B's only, room 2's, missing]. */
const documentRoute = (o: Expected, memberOwn: Expected, staffWrite = false): Partial<Record<Role, Row>> => ({
  admin: [o, o, o, 404], manager: [o, o, 404, 404], counsel: staffWrite ? [403, 403, 404, 404] : [o, o, 404, 404], member: [memberOwn, 404, 404, 404],
  outsider: [404, 404, 404, 404], staffOut: [404, 404, 404, 404], anonymous: [401, 401, 401, 401],
});
const global = (rows: Partial<Record<Role, Expected>>): Partial<Record<Role, Row>> =>
  Object.fromEntries(Object.entries(rows).map(([role, s]) => [role, [s, null, null, null]]));
const sellerDirectory = (read: boolean, o: Expected) =>
  global({ admin: o, manager: read ? o : 403, counsel: read ? o : 403, staffOut: read ? o : 403, member: 403, outsider: 403, anonymous: 401 });
/** An admin's act on a directory record by id: [an existing one, -, -, missing]; the right is checked before the lookup. */
const adminById = (o: Expected): Partial<Record<Role, Row>> => ({
  admin: [o, null, null, 404], manager: [403, null, null, 403], counsel: [403, null, null, 403], staffOut: [403, null, null, 403], member: [403, null, null, 403], outsider: [403, null, null, 403], anonymous: [401, null, null, 401],
});
const anyUser = (o: Expected) => global({ admin: o, manager: o, counsel: o, member: o, outsider: o, staffOut: o, anonymous: 401 });
const anyone = (o: Expected) => global({ admin: o, manager: o, counsel: o, member: o, outsider: o, staffOut: o, anonymous: o });

const uploadPdf = (fields: Record<string, string>): Req['multipart'] => ({ fields, file: pdf });

/** Every route the app serves, with its expected status per role and target. */
const MATRIX: Record<string, RouteSpec> = {
  // Good credentials (the outsider's): failed sign-ins are throttled per IP, and would starve the rows after.
  'POST /api/auth/login': { request: () => ({ path: '/api/auth/login', body: { email: OUTSIDER.email, password: OUTSIDER.password } }), expect: anyone(200) },
  'POST /api/auth/logout': { request: () => ({ path: '/api/auth/logout' }), expect: anyUser(204) },
  'GET /api/auth/csrf': { request: () => ({ path: '/api/auth/csrf' }), expect: anyUser(200) },
  'GET /api/me': { request: () => ({ path: '/api/me' }), expect: anyUser(200) },
  'POST /api/auth/tokens': { request: (_t, role) => ({ path: '/api/auth/tokens', body: { name: 'matrix', currentPassword: passwordOf(role) } }), expect: anyUser(201) },
  'GET /api/auth/tokens': { request: () => ({ path: '/api/auth/tokens' }), expect: anyUser(200) },
  // [the caller's own token, another user's, -, missing]: tokens are their owner's alone, whatever the role.
  'DELETE /api/auth/tokens/:tokenId': {
    request: async (target, role) => {
      const owner = role === 'anonymous' || role === 'admin' ? (target === 'own' ? userIds.admin : userIds.manager) : target === 'own' ? userIds[role] : userIds.admin;
      return { path: `/api/auth/tokens/${target === 'missing' ? randomUUID() : await freshToken(owner)}` };
    },
    expect: Object.fromEntries(ROLES.map((role) => [role, role === 'anonymous' ? [401, 401, null, 401] : [204, 404, null, 404]])),
  },
  'GET /api/auth/mfa': { request: () => ({ path: '/api/auth/mfa' }), expect: anyUser(200) },
  'POST /api/auth/mfa/setup': { request: () => ({ path: '/api/auth/mfa/setup' }), expect: anyUser(200) },
  'POST /api/auth/mfa/enable': { request: (_t, role) => ({ path: '/api/auth/mfa/enable', body: { otp: '000000', currentPassword: passwordOf(role) } }), expect: anyUser('400:invalid_request') },
  // Without the current password (step-up): a right one would end the role's token for the rest of the matrix.
  'POST /api/auth/mfa/disable': { request: () => ({ path: '/api/auth/mfa/disable', body: {} }), expect: anyUser('403:reauthentication_required') },
  'POST /api/auth/password': { request: () => ({ path: '/api/auth/password', body: { newPassword: 'a fresh long passphrase 456' } }), expect: anyUser('403:reauthentication_required') },
  'GET /api/health': { request: () => ({ path: '/api/health' }), expect: anyone(200) },
  'GET /api/health/ready': { request: () => ({ path: '/api/health/ready' }), expect: anyone(200) },
  'GET /api/openapi.json': { request: () => ({ path: '/api/openapi.json' }), expect: anyone(200) },

  'POST /api/orgs': { request: () => ({ path: '/api/orgs', body: { name: unique('Org'), kind: 'advisor' } }), expect: sellerDirectory(false, 201) },
  'GET /api/orgs': { request: () => ({ path: '/api/orgs' }), expect: sellerDirectory(true, 200) },
  'POST /api/users': {
    request: () => ({ path: '/api/users', body: { email: `${unique('new')}@example.test`, name: 'New User', password: 'a long enough passphrase 123', orgId: outsiderOrgId, role: 'external' } }),
    expect: sellerDirectory(false, 201),
  },
  'GET /api/users': { request: () => ({ path: '/api/users' }), expect: sellerDirectory(true, 200) },
  // A dry run (writes nothing, so every call finds the same directory) of a one-person CSV.
  'POST /api/users/import': {
    request: () => ({ path: '/api/users/import?dryRun=true', multipart: { fields: {}, file: Buffer.from(`email,name,organisation,kind,role\n${unique('imported')}@example.test,Ina Imported,Delta Capital,acquirer,external\n`) } }),
    expect: sellerDirectory(false, 200),
  },
  'POST /api/users/:userId/disable': {
    request: async (target) => ({ path: `/api/users/${target === 'missing' ? randomUUID() : await freshUser(outsiderOrgId, 'external')}/disable` }),
    expect: { admin: [200, null, null, 404], manager: [403, null, null, 403], counsel: [403, null, null, 403], staffOut: [403, null, null, 403], member: [403, null, null, 403], outsider: [403, null, null, 403], anonymous: [401, null, null, 401] },
  },
  'POST /api/users/:userId/erase': {
    request: async (target) => ({ path: `/api/users/${target === 'missing' ? randomUUID() : await freshUser(outsiderOrgId, 'external')}/erase` }),
    expect: { admin: [200, null, null, 404], manager: [403, null, null, 403], counsel: [403, null, null, 403], staffOut: [403, null, null, 403], member: [403, null, null, 403], outsider: [403, null, null, 403], anonymous: [401, null, null, 401] },
  },
  'PATCH /api/users/:userId': {
    request: async (target) => ({ path: `/api/users/${target === 'missing' ? randomUUID() : await freshUser(outsiderOrgId, 'external')}`, body: { name: 'Renamed User' } }),
    expect: adminById(200),
  },
  'POST /api/users/:userId/invitation': {
    request: async (target) => ({ path: `/api/users/${target === 'missing' ? randomUUID() : await freshUser(outsiderOrgId, 'external', 'invited')}/invitation` }),
    expect: adminById(202),
  },
  'PATCH /api/orgs/:orgId': {
    request: (target) => ({ path: `/api/orgs/${target === 'missing' ? randomUUID() : outsiderOrgId}`, body: { name: unique('Delta Partners') } }),
    expect: adminById(200),
  },
  'PATCH /api/entities/:entityId': {
    request: async (target) => ({ path: `/api/entities/${target === 'missing' ? randomUUID() : await freshEntity()}`, body: { name: unique('Renamed Entity') } }),
    expect: adminById(200),
  },
  'GET /api/admin/mail': { request: () => ({ path: '/api/admin/mail' }), expect: sellerDirectory(false, 200) },
  'GET /api/admin/mail/:mailId': { request: async (target) => ({ path: `/api/admin/mail/${target === 'missing' ? randomUUID() : await freshMail()}` }), expect: adminById(200) },
  'GET /api/me/settings': { request: () => ({ path: '/api/me/settings' }), expect: anyUser(200) },
  'PUT /api/me/settings': { request: () => ({ path: '/api/me/settings', body: { notify: 'daily' } }), expect: anyUser(200) },
  // Links from mails: anyone may try one; a made-up token is the one invalid_token answer.
  'POST /api/auth/invitation/accept': { request: () => ({ path: '/api/auth/invitation/accept', body: { token: randomUUID(), password: 'a long enough passphrase 789' } }), expect: anyone('400:invalid_token') },
  'POST /api/auth/password/reset': { request: () => ({ path: '/api/auth/password/reset', body: { token: randomUUID(), password: 'a long enough passphrase 789' } }), expect: anyone('400:invalid_token') },
  'POST /api/auth/password/forgot': { request: () => ({ path: '/api/auth/password/forgot', body: { email: `${unique('forgot')}@example.test` } }), expect: anyone(202) },
  'POST /api/entities': { request: () => ({ path: '/api/entities', body: { name: unique('Entity') } }), expect: sellerDirectory(false, 201) },
  'GET /api/entities': { request: () => ({ path: '/api/entities' }), expect: sellerDirectory(true, 200) },
  'GET /api/audit/verify': { request: () => ({ path: '/api/audit/verify' }), expect: global({ admin: 200, manager: 403, counsel: 403, staffOut: 403, member: 403, outsider: 403, anonymous: 401 }) },

  'GET /api/rooms': { request: () => ({ path: '/api/rooms' }), expect: anyUser(200) },
  'POST /api/rooms': {
    request: () => ({ path: '/api/rooms', body: { name: unique('Room'), entityIds: [deal.entities.gmbh.id] } }),
    expect: global({ admin: 201, manager: 201, counsel: 201, staffOut: 201, member: 403, outsider: 403, anonymous: 401 }),
  },
  'GET /api/rooms/:roomId': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}` }), expect: memberRead(200) },
  'POST /api/rooms/:roomId/staff': {
    request: async (t) => ({ path: `/api/rooms/${roomOf(t)}/staff`, body: { userId: await freshUser(deal.orgs.sellerOrgId, 'staff'), role: 'counsel' } }),
    expect: managerWrite(201),
  },
  'GET /api/rooms/:roomId/staff': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/staff` }), expect: staffRead(200) },
  'POST /api/rooms/:roomId/close': {
    request: async (t) => ({ path: `/api/rooms/${t === 'own' ? await freshRoom(true) : t === 'otherRoom' ? await freshRoom(false) : randomUUID()}/close` }),
    expect: managerWrite(200),
  },
  'GET /api/rooms/:roomId/settings': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/settings` }), expect: staffRead(200) },
  // A fresh closed room per call (room 1 stays whole): an administrator's act, in any room, closed or not (409 room_open).
  'POST /api/rooms/:roomId/purge': {
    request: async (t) => {
      const id = t === 'own' ? await freshRoom(true) : t === 'otherRoom' ? await freshRoom(false) : randomUUID();
      await tDb()('rooms').where({ id }).update({ status: 'closed', closedAt: NOW() });
      return { path: `/api/rooms/${id}/purge` };
    },
    expect: roomRoute({
      admin: [200, 200, 404], manager: [403, 404, 404], counsel: [403, 404, 404], member: [403, 404, 404], outsider: [404, 404, 404], staffOut: [404, 404, 404], anonymous: [401, 401, 401],
    }),
  },
  // Return-or-destroy: the deal team reads every party's request and never certifies for one (403);
  // a member reads and certifies their own party's, and another party's reads as a missing id.
  'GET /api/rooms/:roomId/certifications': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/certifications` }), expect: memberRead(200) },
  'POST /api/rooms/:roomId/certifications/:certificationId/certify': {
    request: async (t) => ({ path: `/api/rooms/${roomHolding(t)}/certifications/${await certificationOf(t)}/certify`, body: { statement: 'We returned or destroyed every copy.' } }),
    expect: {
      admin: [403, 403, 403, 404], manager: [403, 403, 404, 404], counsel: [403, 403, 404, 404], member: [200, 404, 404, 404], outsider: [404, 404, 404, 404], staffOut: [404, 404, 404, 404], anonymous: [401, 401, 401, 401],
    },
  },
  'GET /api/rooms/:roomId/certifications/:certificationId/certificate': {
    request: async (t) => ({ path: `/api/rooms/${roomHolding(t)}/certifications/${await certificationOf(t)}/certificate` }),
    expect: certificateRead,
  },
  'GET /api/rooms/:roomId/certifications/:certificationId/certificate.pdf': {
    request: async (t) => ({ path: `/api/rooms/${roomHolding(t)}/certifications/${await certificationOf(t)}/certificate.pdf` }),
    expect: certificateRead,
  },
  'GET /api/rooms/:roomId/purge': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/purge` }), expect: staffRead(200) },
  'PATCH /api/rooms/:roomId/settings': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/settings`, body: { requireMfa: false } }), expect: managerWrite(200) },
  // Room 1 publishes at upload already: the change keeps it so for the rows after.
  'PATCH /api/rooms/:roomId': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}`, body: { uploadsStartAs: 'published' } }), expect: managerWrite(200) },
  'GET /api/rooms/:roomId/publish/preview': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/publish/preview?all=true` }), expect: managerWrite(200) },
  // Every draft of the room (there are none in room 1, whose uploads are published at once).
  'POST /api/rooms/:roomId/publish': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/publish`, body: { all: true } }), expect: managerWrite(200) },

  'POST /api/rooms/:roomId/parties': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/parties`, body: { name: unique('Bidder'), acquirerOrgId: deal.orgs.alpha.id } }), expect: managerWrite(201) },
  'GET /api/rooms/:roomId/parties': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/parties` }), expect: staffRead(200) },
  'POST /api/rooms/:roomId/parties/:partyId/members': {
    request: async (t) => {
      const partyId = partyOf(t);
      const party: { acquirerOrgId: string } | undefined = await tDb()('parties').where({ id: partyId }).first('acquirerOrgId');
      return { path: `/api/rooms/${roomHolding(t)}/parties/${partyId}/members`, body: { userId: await freshUser(party?.acquirerOrgId ?? deal.orgs.alpha.id, 'external') } };
    },
    expect: subManagerWrite(201),
  },
  'POST /api/rooms/:roomId/parties/:partyId/invitations': {
    request: async (t) => {
      const partyId = partyOf(t);
      const party: { acquirerOrgId: string } | undefined = await tDb()('parties').where({ id: partyId }).first('acquirerOrgId');
      return { path: `/api/rooms/${roomHolding(t)}/parties/${partyId}/invitations`, body: { email: `${unique('invitee')}@example.test`, name: 'Invited Bidder', orgId: party?.acquirerOrgId ?? deal.orgs.alpha.id } };
    },
    expect: subManagerWrite(201),
  },
  'DELETE /api/rooms/:roomId/parties/:partyId/members/:userId': {
    request: async (t) => {
      if (t === 'missing') return { path: `/api/rooms/${deal.room.id}/parties/${deal.parties.A.id}/members/${randomUUID()}` };
      const partyId = partyOf(t);
      return { path: `/api/rooms/${roomHolding(t)}/parties/${partyId}/members/${await freshMember(roomHolding(t), partyId)}` };
    },
    expect: subManagerWrite(204),
  },
  'GET /api/rooms/:roomId/parties/:partyId/ip-allowlist': { request: (t) => ({ path: `/api/rooms/${roomHolding(t)}/parties/${partyOf(t)}/ip-allowlist` }), expect: subStaffRead(200) },
  'PUT /api/rooms/:roomId/parties/:partyId/ip-allowlist': {
    // An empty list: no restriction, so the member keeps their access for the rest of the matrix.
    request: (t) => ({ path: `/api/rooms/${roomHolding(t)}/parties/${partyOf(t)}/ip-allowlist`, body: { cidrs: [] } }),
    expect: subManagerWrite(200),
  },

  'POST /api/rooms/:roomId/ndas': {
    request: (t) => ({
      path: `/api/rooms/${roomOf(t)}/ndas`,
      multipart: uploadPdf({ orgId: deal.orgs.alpha.id, kind: 'nda', signedAt: PAST, effectiveAt: PAST, expiresAt: FUTURE, entityIds: JSON.stringify([deal.entities.gmbh.id]), coversRepresentatives: 'false' }),
    }),
    expect: roomRoute({ admin: [201, 201, 404], manager: [201, 404, 404], counsel: [201, 404, 404], member: [403, 404, 404], outsider: [404, 404, 404], staffOut: [404, 404, 404], anonymous: [401, 401, 401] }),
  },
  'GET /api/rooms/:roomId/ndas': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/ndas` }), expect: memberRead(200) },
  'POST /api/rooms/:roomId/ndas/:ndaId/confirm': { request: async (t) => ({ path: `/api/rooms/${roomHolding(t)}/ndas/${await ndaOf(t, 'pending')}/confirm` }), expect: ndaDecision(200) },
  'POST /api/rooms/:roomId/ndas/:ndaId/reject': { request: async (t) => ({ path: `/api/rooms/${roomHolding(t)}/ndas/${await ndaOf(t, 'pending')}/reject`, body: { reason: 'matrix' } }), expect: ndaDecision(200) },
  'POST /api/rooms/:roomId/ndas/:ndaId/terminate': { request: async (t) => ({ path: `/api/rooms/${roomHolding(t)}/ndas/${await ndaOf(t, 'confirmed')}/terminate`, body: { reason: 'matrix' } }), expect: ndaDecision(200) },
  'GET /api/rooms/:roomId/ndas/:ndaId/file': {
    // NDAs registered through the API, so each has its stored file.
    request: (t) => ({ path: `/api/rooms/${roomHolding(t)}/ndas/${{ own: ndaFiles.own, otherParty: ndaFiles.otherParty, otherRoom: room2.ndaId, missing: randomUUID() }[t]}/file` }),
    expect: { admin: [200, 200, 200, 404], manager: [200, 200, 404, 404], counsel: [200, 200, 404, 404], member: [403, 404, 404, 404], outsider: [404, 404, 404, 404], staffOut: [404, 404, 404, 404], anonymous: [401, 401, 401, 401] },
  },

  'POST /api/rooms/:roomId/folders': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/folders`, body: { name: unique('Folder') } }), expect: managerWrite(201) },
  'GET /api/rooms/:roomId/folders': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/folders` }), expect: memberRead(200) },
  // A folder by id: [one the member sees (Finance), one they do not (Legal), room 2's, missing].
  'PATCH /api/rooms/:roomId/folders/:folderId': {
    request: (t) => ({ path: `/api/rooms/${roomHolding(t)}/folders/${folderOf(t)}`, body: { name: t === 'own' ? 'Finance' : t === 'otherParty' ? 'Legal' : unique('Folder') } }),
    expect: documentRoute(200, 403, true),
  },
  'POST /api/rooms/:roomId/documents': {
    request: (t) => ({
      path: `/api/rooms/${roomOf(t)}/documents`,
      multipart: uploadPdf({ folderId: t === 'otherRoom' ? room2.folderId : deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' }),
    }),
    expect: managerWrite(201),
  },
  'GET /api/rooms/:roomId/documents': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/documents` }), expect: memberRead(200) },
  'GET /api/rooms/:roomId/search': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/search?q=Falcon` }), expect: memberRead(200) },
  'POST /api/rooms/:roomId/questions': {
    request: (t) => ({ path: `/api/rooms/${roomOf(t)}/questions`, body: { subject: unique('Question'), body: 'What is the headcount?' } }),
    // Only a party member with NDA coverage asks; staff (the admin as manager too) see the room and may not.
    expect: roomRoute({ admin: [403, 403, 404], manager: [403, 404, 404], counsel: [403, 404, 404], member: [201, 404, 404], outsider: [404, 404, 404], staffOut: [404, 404, 404], anonymous: [401, 401, 401] }),
  },
  'GET /api/rooms/:roomId/questions': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/questions` }), expect: memberRead(200) },
  // A question by id: [party A's (the member's own party), party B's, room 2's, missing].
  'GET /api/questions/:questionId': { request: async (t) => ({ path: `/api/questions/${await freshQuestion(t)}` }), expect: documentRoute(200, 200) },
  'POST /api/questions/:questionId/assign': {
    request: async (t) => ({ path: `/api/questions/${await freshQuestion(t)}/assign`, body: { userId: t === 'otherRoom' ? userIds.admin : deal.users.manager.id } }),
    expect: documentRoute(200, 403, true),
  },
  'POST /api/questions/:questionId/answer': { request: async (t) => ({ path: `/api/questions/${await freshQuestion(t)}/answer`, body: { body: 'Matrix answer' } }), expect: documentRoute(200, 403, true) },
  'POST /api/questions/:questionId/approve': { request: async (t) => ({ path: `/api/questions/${await pendingAnswer(t)}/approve`, body: {} }), expect: documentRoute(200, 403, true) },
  'POST /api/questions/:questionId/publish': {
    request: async (t) => ({ path: `/api/questions/${await freshQuestion(t, { status: 'answered', answer: 'Matrix answer', answerDocumentIds: '[]', answeredBy: deal.users.manager.id, answeredAt: NOW(), approvedBy: userIds.admin, approvedAt: NOW() })}/publish`, body: {} }),
    expect: documentRoute(200, 403, true),
  },
  // The asking party's members close their own questions too.
  'POST /api/questions/:questionId/close': {
    request: async (t) => ({ path: `/api/questions/${await freshQuestion(t)}/close`, body: {} }),
    expect: documentRoute(200, 200, true),
  },
  'GET /api/rooms/:roomId/download.zip': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/download.zip` }), expect: memberRead(200) },
  // A PDF where a ZIP is expected: allowed callers learn only that it is not one.
  'POST /api/rooms/:roomId/imports': {
    request: (t) => ({
      path: `/api/rooms/${roomOf(t)}/imports`,
      multipart: uploadPdf({ folderId: t === 'otherRoom' ? room2.folderId : deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' }),
    }),
    expect: managerWrite('415:unsupported_type'),
  },
  'GET /api/documents/:documentId': { request: (t) => ({ path: `/api/documents/${docOf(t)}` }), expect: documentRoute(200, 200) },
  'GET /api/documents/:documentId/content': { request: (t) => ({ path: `/api/documents/${docOf(t)}/content` }), expect: documentRoute(200, 200) },
  'GET /api/documents/:documentId/original': { request: (t) => ({ path: `/api/documents/${docOf(t)}/original` }), expect: documentRoute(200, 403) },
  // The target documents are PDFs: whoever gets past the access check learns it is not a dataset.
  'GET /api/documents/:documentId/dataset': { request: (t) => ({ path: `/api/documents/${docOf(t)}/dataset` }), expect: documentRoute('409:not_a_dataset', 403) },
  'PUT /api/documents/:documentId/dataset': { request: (t) => ({ path: `/api/documents/${docOf(t)}/dataset`, body: { columns: [] } }), expect: documentRoute('409:not_a_dataset', 403, true) },
  'GET /api/documents/:documentId/rows': { request: (t) => ({ path: `/api/documents/${docOf(t)}/rows` }), expect: documentRoute('409:not_a_dataset', '409:not_a_dataset') },
  'POST /api/documents/:documentId/versions': { request: (t) => ({ path: `/api/documents/${docOf(t)}/versions`, multipart: uploadPdf({}) }), expect: documentRoute(201, 403, true) },
  'PATCH /api/documents/:documentId': { request: async (t) => ({ path: `/api/documents/${await freshDocument(t)}`, body: { title: unique('Renamed') } }), expect: documentRoute(200, 403, true) },
  'POST /api/documents/:documentId/withdraw': { request: async (t) => ({ path: `/api/documents/${await freshDocument(t)}/withdraw`, body: { reason: 'matrix' } }), expect: documentRoute(200, 403, true) },
  'DELETE /api/documents/:documentId': { request: async (t) => ({ path: `/api/documents/${await freshDocument(t)}` }), expect: documentRoute(204, 403, true) },
  // The version history is the deal team's: outsiders are answered as for a document they cannot see.
  'GET /api/documents/:documentId/versions': { request: (t) => ({ path: `/api/documents/${docOf(t)}/versions` }), expect: documentRoute(200, 404) },
  'GET /api/documents/:documentId/versions/:versionId/original': {
    request: async (t) => ({ path: `/api/documents/${docOf(t)}/versions/${await currentVersionOf(t)}/original` }),
    expect: documentRoute(200, 404),
  },

  'POST /api/rooms/:roomId/grants': {
    request: (t) => ({ path: `/api/rooms/${roomOf(t)}/grants`, body: { partyId: t === 'otherRoom' ? room2.partyId : deal.parties.A.id, folderId: null, level: 'view', maxClassification: 'standard', maxPersonalData: 'none' } }),
    expect: managerWrite(201),
  },
  'GET /api/rooms/:roomId/grants': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/grants` }), expect: staffRead(200) },
  'GET /api/rooms/:roomId/grants.xlsx': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/grants.xlsx` }), expect: staffRead(200) },
  // A dry run of a file that is no permission matrix: allowed callers learn only that it is not one.
  'POST /api/rooms/:roomId/grants/import': {
    request: (t) => ({ path: `/api/rooms/${roomOf(t)}/grants/import?dryRun=true`, multipart: uploadPdf({}) }),
    expect: managerWrite('400:invalid_request'),
  },
  'DELETE /api/rooms/:roomId/grants/:grantId': {
    request: async (t) => ({ path: `/api/rooms/${roomHolding(t)}/grants/${t === 'missing' ? randomUUID() : await freshGrant(roomHolding(t), partyOf(t))}` }),
    expect: subManagerWrite(204),
  },

  // A file never delivered: allowed callers learn only that it is not traced.
  'POST /api/rooms/:roomId/trace': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/trace`, multipart: { fields: {}, file: neverDelivered } }), expect: staffRead('404:not_traced') },
  'GET /api/rooms/:roomId/disclosures': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/disclosures` }), expect: staffRead(200) },
  // Deal-end archives: a request while one builds joins it (202 either way).
  'POST /api/rooms/:roomId/archives': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/archives`, body: {} }), expect: archiveRoute(202) },
  'GET /api/rooms/:roomId/archives': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/archives` }), expect: archiveRoute(200) },
  'GET /api/rooms/:roomId/archives/:archiveId': { request: async (t) => ({ path: `/api/rooms/${roomHolding(t)}/archives/${await archiveOf(t)}` }), expect: subArchiveRoute(200) },
  'GET /api/rooms/:roomId/archives/:archiveId/content': { request: async (t) => ({ path: `/api/rooms/${roomHolding(t)}/archives/${await archiveOf(t)}/content` }), expect: subArchiveRoute(200) },
  // A subject no dataset holds: the answer is an empty list, and only the deal's overseers may ask.
  'GET /api/rooms/:roomId/disclosures/subjects': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/disclosures/subjects?value=E000000` }), expect: staffRead(200) },
  'GET /api/rooms/:roomId/engagement': {
    request: (t) => ({ path: `/api/rooms/${roomOf(t)}/engagement?by=folder` }),
    // A member's own room answers as a missing one: the figures of every party are the deal team's only.
    expect: roomRoute({ admin: [200, 200, 404], manager: [200, 404, 404], counsel: [200, 404, 404], member: [404, 404, 404], outsider: [404, 404, 404], staffOut: [404, 404, 404], anonymous: [401, 401, 401] }),
  },
  'POST /api/documents/:documentId/views/:downloadId/pages': {
    request: async (t) => ({ path: `/api/documents/${docOf(t)}/views/${t === 'own' ? await memberView() : 'ZZZZZZZZZZZZ'}/pages`, body: { page: 1, seconds: 0 } }),
    // Only the member who opened the view reports its pages; everyone else reads it as a made-up id.
    expect: {
      admin: [404, 404, 404, 404], manager: [404, 404, 404, 404], counsel: [404, 404, 404, 404], member: [204, 404, 404, 404], outsider: [404, 404, 404, 404], staffOut: [404, 404, 404, 404], anonymous: [401, 401, 401, 401],
    },
  },
  'GET /api/rooms/:roomId/audit': { request: (t) => ({ path: `/api/rooms/${roomOf(t)}/audit` }), expect: staffRead(200) },
  'GET /api/rooms/:roomId/access': {
    request: (t) => ({ path: `/api/rooms/${roomOf(t)}/access?userId=${deal.users.buyerA.id}&documentId=${t === 'otherRoom' ? room2.documentId : deal.docs.finance.id}` }),
    expect: staffRead(200),
  },
  'GET /api/rooms/:roomId/access/party/:partyId': { request: (t) => ({ path: `/api/rooms/${roomHolding(t)}/access/party/${partyOf(t)}` }), expect: subManagerWrite(200) },
};
const tDb = () => t.db;

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}
/** Every API route the express app serves, walked from its router (as the OpenAPI test does). */
function servedRoutes(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) return Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => `${m.toUpperCase()} ${layer.route!.path}`);
    return layer.handle?.stack ? servedRoutes(layer.handle.stack) : [];
  });
}

async function send(role: Role, method: string, req: Req) {
  const agent = request(t.app);
  const m = method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  let r = agent[m](req.path);
  if (role !== 'anonymous') r = r.set('Authorization', `Bearer ${tokens[role]}`);
  if (req.multipart) {
    for (const [k, v] of Object.entries(req.multipart.fields)) r = r.field(k, v);
    return r.attach('file', req.multipart.file, 'file.pdf');
  }
  return req.body ? r.send(req.body) : r;
}

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  pdf = await makePdf('authorization matrix');
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'download' });
  await deal.grant({ partyId: deal.parties.B.id, folderId: deal.folders.legal.id, level: 'download' });
  neverDelivered = await makePdf('never delivered to anyone');
  ndaFiles.own = (await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] })).id;
  ndaFiles.otherParty = (await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] })).id;

  // Room 2: the admin's own room (the admin creates it and so manages it); nobody else is in it.
  const admin = deal.admin;
  room2.id = (await admin.post('/api/rooms', { name: 'Other deal', entityIds: [deal.entities.gmbh.id] }).expect(201)).body.id;
  const r2 = `/api/rooms/${room2.id}`;
  const gamma = (await admin.post('/api/orgs', { name: 'Gamma Partners', kind: 'acquirer' }).expect(201)).body;
  room2.partyId = (await admin.post(`${r2}/parties`, { name: 'Bidder C', acquirerOrgId: gamma.id }).expect(201)).body.id;
  room2.folderId = (await admin.post(`${r2}/folders`, { name: 'Data' }).expect(201)).body.id;
  room2.ndaId = (await admin.upload(`${r2}/ndas`, { data: pdf, name: 'nda.pdf' }, { orgId: gamma.id, kind: 'nda', signedAt: PAST, effectiveAt: PAST, expiresAt: FUTURE, entityIds: [deal.entities.gmbh.id], coversRepresentatives: false }).expect(201)).body.id;
  room2.documentId = (await admin.upload(`${r2}/documents`, { data: pdf, name: 'other.pdf' }, { folderId: room2.folderId, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' }).expect(201)).body.id;

  // The outsider: an external user in no party; staffOut: seller staff of no room.
  outsiderOrgId = (await admin.post('/api/orgs', { name: 'Delta Capital', kind: 'acquirer' }).expect(201)).body.id;
  const password = OUTSIDER.password;
  const outsider = (await admin.post('/api/users', { email: OUTSIDER.email, name: 'Olga Outsider', password, orgId: outsiderOrgId, role: 'external' }).expect(201)).body;
  const staffOut = (await admin.post('/api/users', { email: 'sam@seller.example', name: 'Sam Staff', password, orgId: deal.orgs.sellerOrgId, role: 'staff' }).expect(201)).body;

  const clients: Record<Exclude<Role, 'anonymous'>, Client> = {
    admin: await Client.login(t.app, ADMIN.email, ADMIN.password),
    manager: deal.manager,
    counsel: deal.counsel,
    member: await deal.login('buyerA'),
    outsider: await Client.login(t.app, outsider.email, password),
    staffOut: await Client.login(t.app, staffOut.email, password),
  };
  for (const [role, client] of Object.entries(clients)) {
    tokens[role as Exclude<Role, 'anonymous'>] = (await client.post('/api/auth/tokens', { name: 'matrix', currentPassword: passwordOf(role as Role) }).expect(201)).body.token;
    userIds[role as Exclude<Role, 'anonymous'>] = client.user.id;
  }
}, 120_000);
afterAll(async () => {
  // Archives the rows asked for may still be building: they end before the database does.
  if (t) await archiveBuilderOf({ db: t.db, store: t.store, config: t.config }).stop();
  await t?.close();
});

describe('the authorization matrix', () => {
  it('has a row for every route the app serves, and none for a route it does not serve', () => {
    const router = (t.app as unknown as { router: { stack: Layer[] } }).router;
    const served = [...new Set(servedRoutes(router.stack).filter((r) => r.split(' ')[1].startsWith('/api/')))].sort();
    expect(served).toEqual(Object.keys(MATRIX).sort());
  });

  it('has an expectation for every role on every route', () => {
    const incomplete = Object.entries(MATRIX).flatMap(([route, spec]) => ROLES.filter((role) => !spec.expect[role]).map((role) => `${route} ${role}`));
    expect(incomplete).toEqual([]);
  });

  it.each(Object.keys(MATRIX))('%s answers every role and target as the matrix says', async (route) => {
    const spec = MATRIX[route];
    const [method] = route.split(' ');
    const mismatches: string[] = [];
    for (const role of ROLES) {
      const row = spec.expect[role]!;
      for (const [i, target] of TARGETS.entries()) {
        const expected = row[i];
        if (expected === null) continue;
        const res = await send(role, method, await spec.request(target, role));
        const actual = typeof expected === 'string' ? `${res.status}:${res.body?.error?.code}` : res.status;
        if (actual !== expected) mismatches.push(`${role} × ${target}: expected ${expected}, got ${actual} ${res.status >= 400 ? JSON.stringify(res.body?.error ?? {}) : ''}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
