import { z } from 'zod';
import { LoginSchema, CreateTokenSchema, EnableMfaSchema, DisableMfaSchema, ChangePasswordSchema } from '../auth/schema.js';
import { SetIpAllowlistSchema } from '../ip-allowlists/schema.js';
import { UpdateRoomSettingsSchema } from '../room-settings/schema.js';
import { PurgeRoomSchema } from '../purge/schema.js';
import { CertifySchema } from '../certifications/schema.js';
import { CreateArchiveSchema } from '../archives/schema.js';
import { CreateOrgSchema, UpdateOrgSchema } from '../orgs/schema.js';
import { CreateUserSchema, UpdateUserSchema } from '../users/schema.js';
import { CreateEntitySchema, UpdateEntitySchema } from '../entities/schema.js';
import { AcceptInvitationSchema, ForgotPasswordSchema, ResetPasswordSchema } from '../account-links/schema.js';
import { NotificationSettingsSchema } from '../mail/schema.js';
import { AddStaffSchema, CreateRoomSchema, UpdateRoomSchema } from '../rooms/schema.js';
import { AddMemberSchema, CreatePartySchema, InviteMemberSchema } from '../parties/schema.js';
import { DecisionSchema } from '../ndas/schema.js';
import { CreateFolderSchema, UpdateFolderSchema } from '../folders/schema.js';
import { UpdateDocumentSchema, WithdrawDocumentSchema } from '../documents/schema.js';
import { PublishSchema } from '../publishing/schema.js';
import { AnswerSchema, AskQuestionSchema, AssignSchema, NoInputSchema, PublishFaqSchema } from '../questions/schema.js';
import { CreateGrantSchema } from '../grants/schema.js';
import { ClassifyDatasetSchema } from '../datasets/schema.js';
import { PageReportBatchSchema, PageReportSchema } from '../engagement/schema.js';
import { CLASSIFICATIONS, PERSONAL_DATA } from '../ranks.js';
import { ROOM_ACTIONS } from '../rooms/room-actions.js';

type Body = { json: z.ZodType } | { multipart: Record<string, unknown> };
interface Operation {
  summary: string;
  who: string;
  body?: Body;
  query?: Record<string, string>;
  responses: Record<number, string>;
  /** The JSON schema of the 200 answer, where one is written down. */
  schema?: object;
}

const file = { type: 'string', format: 'binary' };
const NOT_FOUND = { 404: 'not found, or not visible to the caller (the two are indistinguishable)' };

/** The `can` flags of a room: one boolean per action of rooms/room-actions.ts, described from there. */
const roomActions = {
  type: 'object',
  description: 'What the caller may do in the room, from the server\'s access rule; absent for a caller who may do none of it (every external user)',
  properties: Object.fromEntries(Object.entries(ROOM_ACTIONS).map(([flag, { means }]) => [flag, { type: 'boolean', description: means }])),
  required: Object.keys(ROOM_ACTIONS),
  additionalProperties: false,
};
const room = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    codeName: { type: ['string', 'null'] },
    status: { enum: ['open', 'closed'] },
    entityIds: { type: 'array', items: { type: 'string' }, description: 'absent for an external member whom the room gives no content' },
    createdAt: { type: 'string', format: 'date-time', description: 'as entityIds' },
    nda: { type: 'object', properties: { covered: { type: 'boolean' }, entityIds: { type: 'array', items: { type: 'string' } } }, description: 'external users only: whether an NDA covers them now, and for which entities' },
    uploadsStartAs: { enum: ['draft', 'published'], description: 'staff only: whether a new upload starts as a draft (the default) or published at once' },
    retainDays: { type: ['integer', 'null'], description: 'staff only: a closed room is purged this many days after it closed (null: never by itself)' },
    purgedAt: { type: ['string', 'null'], format: 'date-time', description: "staff only: when the room's files were purged" },
    can: { $ref: '#/components/schemas/RoomActions' },
  },
  required: ['id', 'name', 'codeName', 'status'],
};

/**
 * The whole HTTP API, described from the same zod schemas the routes validate with, so the
 * document cannot drift from what the server accepts.
 */
const operations: Record<string, Operation> = {
  'POST /api/auth/login': { summary: 'Sign in; sets the session cookie', who: 'anyone', body: { json: LoginSchema }, responses: { 200: '{user, csrfToken}', 401: 'invalid_credentials (the same for an unknown email), or otp_required', 429: 'rate_limited (this account failed too often from this IP — growing delays — or this IP failed too often on any account; Retry-After)' } },
  'POST /api/auth/logout': { summary: 'End the session', who: 'user', responses: { 204: 'signed out' } },
  'GET /api/auth/csrf': { summary: 'The CSRF token cookie-authenticated writes must send in X-CSRF-Token', who: 'user', responses: { 200: '{token}' } },
  'GET /api/me': { summary: 'The caller', who: 'user', responses: { 200: '{id,email,name,orgId,role}' } },
  'GET /api/auth/mfa': { summary: "The caller's second factor: whether TOTP is on and how many unused recovery codes remain", who: 'user', responses: { 200: '{enabled, recoveryCodesLeft}' } },
  'POST /api/auth/mfa/setup': { summary: 'Start TOTP enrolment (RFC 6238, SHA-1, 6 digits, 30 s)', who: 'user', responses: { 200: '{secret, otpauthUrl}', 409: 'mfa_enabled' } },
  'POST /api/auth/mfa/enable': { summary: 'Turn TOTP on with a first code and the current password; answers the recovery codes, shown once; every token and every other session ends', who: 'user', body: { json: EnableMfaSchema }, responses: { 200: '{enabled:true, recoveryCodes}', 403: 'reauthentication_required (currentPassword missing or wrong)', 409: 'mfa_not_set_up or mfa_enabled', 429: 'rate_limited (too many wrong passwords; Retry-After)' } },
  'POST /api/auth/mfa/disable': { summary: 'Turn TOTP off with the current password; every token and every other session ends', who: 'user', body: { json: DisableMfaSchema }, responses: { 200: '{enabled:false}', 403: 'reauthentication_required (currentPassword missing or wrong)', 409: 'mfa_not_enabled', 429: 'rate_limited (too many wrong passwords; Retry-After)' } },
  'POST /api/auth/password': { summary: "Change the caller's password (password policy applies); every token and every other session ends", who: 'user', body: { json: ChangePasswordSchema }, responses: { 204: 'changed', 403: 'reauthentication_required (currentPassword missing or wrong)', 429: 'rate_limited (too many wrong passwords; Retry-After)' } },
  'POST /api/auth/tokens': { summary: 'Create an API token (shown once), with the current password; it expires after API_TOKEN_TTL_DAYS', who: 'user', body: { json: CreateTokenSchema }, responses: { 201: '{id,name,token,createdAt,expiresAt,mfa}: mfa when the credential that asked for it had a second factor', 403: 'reauthentication_required (currentPassword missing or wrong)', 429: 'rate_limited (too many wrong passwords; Retry-After)' } },
  'GET /api/auth/tokens': { summary: "The caller's API tokens that still work (never their secret)", who: 'user', query: { limit: '1–1000', cursor: 'from nextCursor' }, responses: { 200: '{items:[{id,name,createdAt,expiresAt,lastUsedAt?,mfa}],nextCursor}' } },
  'DELETE /api/auth/tokens/{tokenId}': { summary: "Revoke one of the caller's API tokens; it stops working at once", who: "the token's owner", responses: { 204: 'revoked', ...NOT_FOUND } },
  'POST /api/orgs': { summary: 'Create an organisation', who: 'admin', body: { json: CreateOrgSchema }, responses: { 201: '{id,name,kind}' } },
  'GET /api/orgs': { summary: "List organisations by name: admins all; other seller staff the seller group's, those of the parties of the rooms they staff, and those in no party yet", who: 'seller staff', query: { q: 'name contains', kind: 'seller | acquirer | advisor', limit: '1–1000', cursor: 'from nextCursor' }, responses: { 200: '{items:[{id,name,kind}],nextCursor}' } },
  'PATCH /api/orgs/{orgId}': { summary: 'Rename an organisation (its kind is fixed)', who: 'admin', body: { json: UpdateOrgSchema }, responses: { 200: '{id,name,kind}', ...NOT_FOUND } },
  'POST /api/users': { summary: 'Create a user: without password an invited user, mailed an invitation link valid INVITATION_TTL_HOURS; with one, an active user', who: 'admin', body: { json: CreateUserSchema }, responses: { 201: '{id,email,name,orgId,role,status,mfaEnabled}', 400: 'role does not fit the organisation', 409: 'email_taken' } },
  'POST /api/users/import': {
    summary: 'Import people from a CSV (UTF-8, UTF-16 or Windows-1252; comma, semicolon or tab) or XLSX file (first sheet) whose header names email, name, organisation, kind, role: new people are invited, organisations named but missing are created; nothing is written on a dry run (the default) or while any row is wrong, everything in one transaction otherwise; at most 1,000 rows',
    who: 'admin',
    query: { dryRun: 'true (the default): only report what would happen | false: import' },
    body: { multipart: { file } },
    responses: { 200: '{created,invited,unchanged,errors:[{row,field,message}],rows:[{row,email,name,organisation,kind,role,action:create|invite|unchanged|error}]}: rows counted by action; row numbers as the spreadsheet shows them (header: 1)', 413: 'too_large (over 5 MB)', 415: 'unsupported_type (neither CSV nor XLSX)' },
  },
  'GET /api/users': { summary: "List users by email: admins all; other seller staff the seller group's people and the people of the parties of the rooms they staff", who: 'seller staff', query: { q: 'name or email contains', status: 'invited | active | disabled', orgId: 'an organisation', limit: '1–1000', cursor: 'from nextCursor' }, responses: { 200: '{items:[{id,email,name,orgId,role,status,mfaEnabled}],nextCursor}' } },
  'PATCH /api/users/{userId}': { summary: 'Rename a person or move them to another organisation of a kind that fits their role (not while they are a party member)', who: 'admin', body: { json: UpdateUserSchema }, responses: { 200: 'the user', 400: 'orgId of the wrong kind', 409: 'conflict (a party member)', ...NOT_FOUND } },
  'POST /api/users/{userId}/invitation': { summary: 'Mail a new invitation; the previous link stops working', who: 'admin', responses: { 202: '{invited:true}', 409: 'not_invited (active or disabled)', ...NOT_FOUND } },
  'POST /api/users/{userId}/erase': { summary: 'Erase a person (GDPR): name and email pseudonymised, credentials unusable, sessions ended, their mail forgotten; the ledger keeps verifying', who: 'admin', responses: { 200: '{id,email,name,orgId,role,erased:true}', 409: 'cannot_erase_self', ...NOT_FOUND } },
  'POST /api/users/{userId}/disable': { summary: 'Disable a user; ends every session, token and mailed link of theirs', who: 'admin', responses: { 200: '{disabled:true}', ...NOT_FOUND } },
  'POST /api/entities': { summary: 'Create a legal entity of the seller group', who: 'admin', body: { json: CreateEntitySchema }, responses: { 201: '{id,name,parentId}' } },
  'GET /api/entities': { summary: 'List entities by name', who: 'seller staff', query: { q: 'name contains', limit: '1–1000', cursor: 'from nextCursor' }, responses: { 200: '{items:[{id,name,parentId}],nextCursor}' } },
  'PATCH /api/entities/{entityId}': { summary: 'Rename an entity or move it under another parent (null: the top)', who: 'admin', body: { json: UpdateEntitySchema }, responses: { 200: '{id,name,parentId}', 400: 'parentId inside the entity being moved, or unknown', ...NOT_FOUND } },
  'POST /api/auth/invitation/accept': { summary: "Accept an invitation from the mail's link (PUBLIC_URL/invitation#token=…): set the password and sign in", who: 'anyone', body: { json: AcceptInvitationSchema }, responses: { 200: '{user, mfaEnrolmentRequired, csrfToken} and the session cookie', 400: 'invalid_token (unknown, used, replaced or expired: one answer), or invalid_request naming password' } },
  'POST /api/auth/password/forgot': { summary: 'Ask for a reset link; an active user is mailed one valid PASSWORD_RESET_TTL_MINUTES', who: 'anyone', body: { json: ForgotPasswordSchema }, responses: { 202: 'the same answer for any address', 429: 'rate_limited' } },
  'POST /api/auth/password/reset': { summary: "Set a new password from the reset mail's link; every session and token of the user ends", who: 'anyone', body: { json: ResetPasswordSchema }, responses: { 204: 'reset', 400: 'invalid_token, or invalid_request naming password' } },
  'GET /api/admin/mail': { summary: 'The outbox, newest first', who: 'admin', query: { limit: '1–1000', cursor: 'from nextCursor' }, responses: { 200: '{items:[{id,to,subject,kind,status,attempts,lastError,createdAt,sentAt}],nextCursor}' } },
  'GET /api/admin/mail/{mailId}': { summary: "One mail's plain text (with SMTP delivering mail, invitation and reset links are withheld); each reading is recorded", who: 'admin', responses: { 200: '{id,to,subject,kind,status,attempts,lastError,createdAt,sentAt,text}', ...NOT_FOUND } },
  'GET /api/me/settings': { summary: "The caller's notification preference", who: 'user', responses: { 200: '{notify: off | immediate | daily}' } },
  'PUT /api/me/settings': { summary: "Set the caller's notification preference (document digests: immediate or daily; off: no notifications)", who: 'user', body: { json: NotificationSettingsSchema }, responses: { 200: '{notify}' } },
  'POST /api/rooms': { summary: 'Open a room; the creator becomes its manager', who: 'admin, staff', body: { json: CreateRoomSchema }, responses: { 201: 'the room' } },
  'GET /api/rooms': { summary: 'Rooms the caller may see, each with what the caller may do in it (can)', who: 'user', responses: { 200: '{items}' }, schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Room' } }, nextCursor: { type: ['string', 'null'] } } } },
  'GET /api/rooms/{roomId}': { summary: 'A room, with what the caller may do in it (can: absent for external users, who may do none of it); external users also get their NDA coverage (one whom the room gives no content gets only its id, name, codeName, status and nda)', who: 'user', responses: { 200: 'the room', ...NOT_FOUND }, schema: { $ref: '#/components/schemas/Room' } },
  'PATCH /api/rooms/{roomId}': { summary: 'Rename the room, change its code name, or whether uploads start as drafts (uploadsStartAs: draft, the default, or published); retainDays (1 to 36,500, or null) schedules the purge of the closed room, administrators only', who: 'manager', body: { json: UpdateRoomSchema }, responses: { 200: 'the room', 403: 'retainDays set by a non-administrator', ...NOT_FOUND } },
  'POST /api/rooms/{roomId}/staff': { summary: 'Add a manager or counsel', who: 'manager', body: { json: AddStaffSchema }, responses: { 201: 'added', ...NOT_FOUND } },
  'GET /api/rooms/{roomId}/staff': { summary: "The room's managers and counsel", who: 'manager, counsel', responses: { 200: '{items:[{userId,role,name,email}]}', ...NOT_FOUND } },
  'POST /api/rooms/{roomId}/close': { summary: 'Close the room: all external access ends', who: 'manager', responses: { 200: '{status:"closed"}', ...NOT_FOUND } },
  'POST /api/rooms/{roomId}/parties': { summary: 'Invite a bidder party', who: 'manager', body: { json: CreatePartySchema }, responses: { 201: 'the party', ...NOT_FOUND } },
  'GET /api/rooms/{roomId}/parties': { summary: 'Parties with their members', who: 'manager, counsel', responses: { 200: '{items}', ...NOT_FOUND } },
  'POST /api/rooms/{roomId}/parties/{partyId}/members': { summary: 'Add a member', who: 'manager', body: { json: AddMemberSchema }, responses: { 201: 'added', 400: "the user's organisation is not the party's", 409: 'party_conflict', ...NOT_FOUND } },
  'POST /api/rooms/{roomId}/parties/{partyId}/invitations': { summary: "Invite a person of one of the party's organisations into the party: a new address becomes an invited external user, mailed a link naming the room by its code name", who: 'manager', body: { json: InviteMemberSchema }, responses: { 201: '{userId,status}', 400: "orgId not one of the party's", 409: 'email_taken (a user of another organisation), party_conflict', ...NOT_FOUND } },
  'DELETE /api/rooms/{roomId}/parties/{partyId}/members/{userId}': { summary: 'Remove a member; their access ends at once', who: 'manager', responses: { 204: 'removed', ...NOT_FOUND } },
  'GET /api/rooms/{roomId}/parties/{partyId}/ip-allowlist': { summary: "The party's IP allow-list (CIDR ranges; empty: no restriction)", who: 'manager, counsel', responses: { 200: '{partyId, cidrs}', ...NOT_FOUND } },
  'PUT /api/rooms/{roomId}/parties/{partyId}/ip-allowlist': { summary: "Replace the party's IP allow-list; binds from the members' next request", who: 'manager', body: { json: SetIpAllowlistSchema }, responses: { 200: '{partyId, cidrs}', ...NOT_FOUND } },
  'GET /api/rooms/{roomId}/settings': { summary: "The room's security settings", who: 'manager, counsel', responses: { 200: '{requireMfa}', ...NOT_FOUND } },
  'PATCH /api/rooms/{roomId}/settings': { summary: 'Change security settings: requireMfa makes external users need a second factor in the room', who: 'manager', body: { json: UpdateRoomSettingsSchema }, responses: { 200: '{requireMfa}', ...NOT_FOUND } },
  'POST /api/rooms/{roomId}/purge': {
    summary: "Purge a closed room: every stored object of it (documents' versions, renditions, dataset copies, NDAs, archives) is deleted, its rows and ledger stay; afterwards staff get 410 purged for content. Answers the deletion certificate, signed with the ledger's Ed25519 key over `gatehouse-deletion-certificate-v1\\n` + the canonical JSON of every field but `signature`, with the public key beside it; a purged room answers the same certificate again; a purge cut short is finished by the next request",
    who: 'admin',
    body: { json: PurgeRoomSchema },
    responses: { 200: '{certificate:{roomId,roomName,purgedAt,purgedBy,objects:[{key,kind,subjectId,size,sha256,state}],counts,ledgerHead:{seq,hash},keyId,signature},publicKey}', 403: 'not an administrator', 409: 'room_open', 503: 'storage_unavailable (the purge is finished by the next request)', ...NOT_FOUND },
  },
  'GET /api/rooms/{roomId}/purge': { summary: "Where the room's purge stands (none, scheduled by retainDays, purging, purged), when it falls due, and the deletion certificate with the ledger's public key", who: 'manager, counsel', responses: { 200: '{status,retainDays,closedAt,dueAt,noticeSentAt,startedAt,purgedAt,certificate,publicKey}', ...NOT_FOUND } },
  'POST /api/rooms/{roomId}/archives': {
    summary: "Start a deal-end archive, built in the background: the whole room (every version of every document, the NDAs, the Q&A, the room's ledger), or with partyId exactly what that party could view, each document as last delivered to it, its NDAs, Q&A and ledger events. A request while an archive of the same room and scope is building answers that archive (created: false); once ready, a new request builds a new one. Every archive holds manifest.json signed with the ledger key and verify.mjs, which checks it offline with Node alone",
    who: 'manager, counsel',
    body: { json: CreateArchiveSchema },
    responses: { 202: '{id,status:"building",created,progress,…} and Location', 400: 'invalid_request naming partyId (not a party of this room)', 410: 'purged', ...NOT_FOUND },
  },
  'GET /api/rooms/{roomId}/archives': { summary: "The room's archives, newest first", who: 'manager, counsel', responses: { 200: '{items:[{id,roomId,partyId,status,size,sha256,documents,progress:{done,total},sealedSeq,keyId,failureReason,requestedBy,createdAt,completedAt}]}', ...NOT_FOUND } },
  'GET /api/rooms/{roomId}/archives/{archiveId}': { summary: 'One archive: building (with progress), ready (size, SHA-256 of the ZIP, the key id its manifest is signed with) or failed (failureReason)', who: 'manager, counsel', responses: { 200: '{id,status,size,sha256,progress,keyId,…}', ...NOT_FOUND } },
  'GET /api/rooms/{roomId}/archives/{archiveId}/content': {
    summary: 'The ZIP of a ready archive, whole or one byte range (Range; If-Range with its ETag, the quoted SHA-256). Every request is a download in the ledger',
    who: 'manager, counsel',
    responses: { 200: 'application/zip', 206: 'the range', 409: 'invalid_state (still building, or failed)', 410: 'purged', 416: 'range_not_satisfiable', ...NOT_FOUND },
  },
  'GET /api/rooms/{roomId}/certifications': {
    summary: "Return-or-destroy requests: one opens for a party when its last covering NDA ends (terminated, expired) or the room closes, if it ever had access; its members are mailed, and reminded weekly until one certifies. A member reaches this even once the room is closed to them",
    who: "manager, counsel (every party's); an external member (their own party's)",
    query: { status: 'requested or certified', limit: 'at most 1000 (default 100)', cursor: 'from nextCursor' },
    responses: { 200: '{items:[{id,roomId,partyId,status,reason,downloads,requestedAt,certifiedAt,certifiedBy,statement,reminders?,lastRemindedAt?}],nextCursor}', 403: 'ip_not_allowed or mfa_required', ...NOT_FOUND },
  },
  'POST /api/rooms/{roomId}/certifications/{certificationId}/certify': {
    summary: 'Certify, for the party, that every copy it took was returned or destroyed. A second certification answers as the first (200, its certifier, time and statement unchanged)',
    who: 'a member of that party (who may still sign in for this alone)',
    body: { json: CertifySchema },
    responses: { 200: '{id,status:"certified",certifiedBy,certifiedAt,statement,downloads,…}', 403: 'forbidden (the deal team does not certify for a party), ip_not_allowed, mfa_required', ...NOT_FOUND },
  },
  'GET /api/rooms/{roomId}/certifications/{certificationId}/certificate': {
    summary: "The certificate, rendered from rows now: the room, the party's organisations and members, the request, who certified and the statement, and every copy its members took (download id, kind, time, document title, index for the deal team, version and SHA-256); signed with the ledger's Ed25519 key over `gatehouse/return-or-destroy-certificate/v1\\n` + the canonical JSON of every field but `signature`",
    who: "manager, counsel; a member of that party",
    responses: { 200: '{kind,version,audience,certification,room,party,members,downloads,signedWith:{algorithm,keyId,publicKey},signature}', 403: 'ip_not_allowed or mfa_required', ...NOT_FOUND },
  },
  'GET /api/rooms/{roomId}/certifications/{certificationId}/certificate.pdf': {
    summary: "The certificate as a PDF: the same content, with the JSON form's signature and the ledger's public key printed",
    who: "manager, counsel; a member of that party",
    responses: { 200: 'application/pdf', 403: 'ip_not_allowed or mfa_required', ...NOT_FOUND },
  },
  'POST /api/rooms/{roomId}/ndas': {
    summary: 'Register a signed NDA (pending until counsel confirms)',
    who: 'manager, counsel',
    body: { multipart: { file, orgId: { type: 'string' }, kind: { enum: ['nda', 'joinder', 'clean_team'] }, signedAt: { type: 'string', format: 'date-time' }, effectiveAt: { type: 'string', format: 'date-time' }, expiresAt: { type: 'string', format: 'date-time' }, entityIds: { type: 'string', description: 'JSON array of entity ids' }, coversRepresentatives: { enum: ['true', 'false'] } } },
    responses: { 201: 'the NDA, status pending', 415: 'not a PDF', ...NOT_FOUND },
  },
  'GET /api/rooms/{roomId}/ndas': { summary: "NDAs: all for staff, the caller's organisation's for external users", who: 'user', responses: { 200: '{items}', ...NOT_FOUND } },
  'GET /api/rooms/{roomId}/ndas/{ndaId}/file': { summary: 'The signed PDF', who: 'manager, counsel', responses: { 200: 'application/pdf', ...NOT_FOUND } },
  'POST /api/rooms/{roomId}/ndas/{ndaId}/confirm': { summary: 'Confirm (four eyes: not the registrant)', who: 'counsel', responses: { 200: 'confirmed', 403: 'four_eyes or forbidden', 409: 'invalid_state', ...NOT_FOUND } },
  'POST /api/rooms/{roomId}/ndas/{ndaId}/reject': { summary: 'Reject a pending NDA', who: 'counsel', body: { json: DecisionSchema }, responses: { 200: 'rejected', 409: 'invalid_state', ...NOT_FOUND } },
  'POST /api/rooms/{roomId}/ndas/{ndaId}/terminate': { summary: 'Terminate a confirmed NDA; access it gave ends at once', who: 'counsel', body: { json: DecisionSchema }, responses: { 200: 'terminated', 409: 'invalid_state', ...NOT_FOUND } },
  'POST /api/rooms/{roomId}/folders': { summary: 'Create a folder', who: 'manager', body: { json: CreateFolderSchema }, responses: { 201: '{id,name,parentId,index}', ...NOT_FOUND } },
  'PATCH /api/rooms/{roomId}/folders/{folderId}': { summary: 'Rename, move (parentId; null: the top) or reorder (position among its siblings, 1-based) a folder; indexes are recomputed', who: 'manager', body: { json: UpdateFolderSchema }, responses: { 200: '{id,name,parentId,index}', 400: 'parentId inside the folder being moved, or unknown; position out of range', 403: 'forbidden', ...NOT_FOUND } },
  'GET /api/rooms/{roomId}/publish/preview': {
    summary: 'Before publishing: per party, how many of the selected drafts it could view once published, how many carry personal data, how many are highly confidential (the access rule on each member)',
    who: 'manager',
    query: { documentIds: 'comma-separated ids (drafts, or withdrawn documents to put back)', folderId: "a folder: its subtree's drafts", all: 'true: every draft of the room (a selection choosing nothing is refused)' },
    responses: { 200: '{documents, parties:[{partyId,name,documents,personalData,highlyConfidential}]}', 400: 'unknown documentIds or folderId', 403: 'forbidden', ...NOT_FOUND },
  },
  'POST /api/rooms/{roomId}/publish': { summary: "Publish named documents, a folder's subtree's drafts, or (all: true) every draft of the room; a selection choosing nothing is refused", who: 'manager', body: { json: PublishSchema }, responses: { 200: '{published}', 400: 'unknown documentIds or folderId', 403: 'forbidden', ...NOT_FOUND } },
  'GET /api/rooms/{roomId}/folders': { summary: "Folders the caller may see, with their index (an external user's: folders holding something they may view or named by their party's grant, numbered among themselves)", who: 'user', responses: { 200: '{items}', 403: 'nda_required, room_closed, ip_not_allowed or mfa_required', ...NOT_FOUND } },
  'POST /api/rooms/{roomId}/documents': {
    summary: 'Upload a document (type sniffed from the bytes)',
    who: 'manager',
    body: { multipart: { file, folderId: { type: 'string' }, entityId: { type: 'string' }, title: { type: 'string' }, classification: { enum: CLASSIFICATIONS }, personalData: { enum: PERSONAL_DATA } } },
    responses: { 201: '{id,versionId,version,sha256,size,mimeType}', 413: 'too_large', 415: 'unsupported_type', ...NOT_FOUND },
  },
  'POST /api/documents/{documentId}/versions': { summary: 'Upload a new version', who: 'manager', body: { multipart: { file } }, responses: { 201: '{versionId,version,sha256,size,mimeType}', ...NOT_FOUND } },
  'GET /api/rooms/{roomId}/documents': { summary: 'Documents the caller may see', who: 'user', query: { folderId: 'a folder', q: 'title search', status: 'draft | published | withdrawn (outsiders only ever have published documents)', limit: '1–1000', cursor: 'from nextCursor' }, responses: { 200: '{items,nextCursor}', 403: 'nda_required, room_closed, ip_not_allowed or mfa_required', ...NOT_FOUND } },
  'POST /api/rooms/{roomId}/questions': {
    summary: "Ask a question (its number counts within the asking party); another party never learns of it",
    who: 'external member with NDA coverage',
    body: { json: AskQuestionSchema },
    responses: { 201: '{id,number,status:"open",subject,body,documentId,priority,createdAt}', 400: 'invalid_request naming the field (documentId: not a document the asker may view)', 403: 'nda_required, room_closed, ip_not_allowed, mfa_required, or forbidden (staff)', 409: 'question_limit', ...NOT_FOUND },
  },
  'GET /api/rooms/{roomId}/search': {
    summary: 'Full-text search of the words on every page (the text layer, OCR of scanned pages), ranked, among the documents the caller may view',
    who: 'user',
    query: { q: 'words (quoted: a phrase), up to 500 characters; every word must be on the page', limit: '1–100 (default 20)', cursor: 'from nextCursor' },
    responses: { 200: '{items:[{documentId,title,index,page,snippet,highlights:[[start,end],…]}],nextCursor,broad} — broad: more of the caller\'s pages match than are ranked (SEARCH_RANKED_PAGES); the most recently indexed of them were', 400: 'invalid_request naming q, limit or cursor', 403: 'nda_required, room_closed, ip_not_allowed or mfa_required', ...NOT_FOUND },
  },
  'GET /api/rooms/{roomId}/questions': {
    summary: "Questions: managers and counsel all (with partyId), experts those assigned to them (nothing of the asker), members their party's and the room's FAQs",
    who: 'user',
    query: { status: 'open | assigned | answer_pending | answered | closed', partyId: 'managers and counsel only', format: 'json | csv | xlsx (staff)', limit: '1–1000', cursor: 'from nextCursor' },
    responses: { 200: '{items:[{id,number,status,subject,body,partyId?,answer?,faq,…}],nextCursor} or CSV/XLSX', 403: 'nda_required, room_closed, ip_not_allowed or mfa_required', ...NOT_FOUND },
  },
  'GET /api/questions/{questionId}': { summary: 'A question, with the fields the caller may read (an approved answer only once approved)', who: 'as the list', responses: { 200: 'the question', ...NOT_FOUND } },
  'POST /api/questions/{questionId}/assign': { summary: 'Assign to room staff (an expert sees only what is assigned to them)', who: 'manager', body: { json: AssignSchema }, responses: { 200: 'the question', 400: 'userId not staff of the room', 403: 'forbidden', 409: 'invalid_state', ...NOT_FOUND } },
  'POST /api/questions/{questionId}/answer': { summary: 'Draft an answer (it reaches the party only once another manager approves it)', who: 'the assigned expert, manager', body: { json: AnswerSchema }, responses: { 200: '{status:"answer_pending",…}', 403: 'forbidden', 409: 'invalid_state, or reference_not_visible with details.documentIds', ...NOT_FOUND } },
  'POST /api/questions/{questionId}/approve': { summary: 'Approve the answer (four eyes: not its author); the asking party sees it from now on', who: 'manager other than the answer\'s author', body: { json: NoInputSchema }, responses: { 200: '{status:"answered",…}', 403: 'four_eyes or forbidden', 409: 'invalid_state or reference_not_visible', ...NOT_FOUND } },
  'POST /api/questions/{questionId}/publish': { summary: 'Publish an answered question as an FAQ: subject, body and answer to every party with NDA coverage, with nothing of the asking party; optionally reworded (subject, body, answer) so that nothing in it names the asker: other parties read only that wording, the asking party keeps its own', who: 'manager', body: { json: PublishFaqSchema }, responses: { 200: '{faq:true,…}', 403: 'forbidden', 409: 'invalid_state', ...NOT_FOUND } },
  'POST /api/questions/{questionId}/close': { summary: 'Close a question', who: 'manager, or a member of the asking party', body: { json: NoInputSchema }, responses: { 200: '{status:"closed",…}', 403: 'forbidden', 409: 'invalid_state', ...NOT_FOUND } },
  'GET /api/rooms/{roomId}/download.zip': {
    summary: "A ZIP of everything in the room (or a folder's subtree) the caller may download, streamed as it is built: each file stamped as its own download (its own download id), datasets as the caller's own copy, entries named by the caller's own numbering; what cannot be stamped is listed in NOT INCLUDED.txt; nothing the caller may not download appears, not even by name",
    who: 'user (level download)',
    query: { folderId: 'a folder: its subtree only' },
    responses: { 200: 'application/zip', 403: 'nda_required, room_closed, ip_not_allowed or mfa_required', ...NOT_FOUND },
  },
  'POST /api/rooms/{roomId}/imports': {
    summary: "Import a ZIP: its folders become folders under folderId and its files draft documents, each through the upload intake; entry names are metadata only; the whole import is refused, creating nothing, for a path leaving the folder, links, encrypted entries, duplicate names, 10,000 entries or more, or past the size and compression-ratio caps",
    who: 'manager',
    body: { multipart: { file, folderId: { type: 'string' }, entityId: { type: 'string' }, classification: { enum: CLASSIFICATIONS }, personalData: { enum: PERSONAL_DATA } } },
    responses: {
      201: '{folders:[{id,name,parentId,index}], documents:[{id,versionId,title,folderId,index,kind,status,mimeType,size,sha256,entry}], skipped:[{entry,reason}]}',
      400: 'invalid_request naming the field, entries.<name> or file',
      403: 'forbidden',
      413: 'too_large (entry count, sizes, compression ratio)',
      415: 'unsupported_type (not a ZIP, or an entry of a type not accepted)',
      422: "an entry refused by the intake (its code, naming the entry)",
      ...NOT_FOUND,
    },
  },
  'GET /api/documents/{documentId}': { summary: 'A document (status draft, published or withdrawn; staff also read who published or withdrew it and why)', who: 'user', responses: { 200: 'the document', ...NOT_FOUND } },
  'PATCH /api/documents/{documentId}': { summary: 'Move (folderId, position), rename, reorder or reclassify a document; access follows on the next request', who: 'manager', body: { json: UpdateDocumentSchema }, responses: { 200: 'the document', 400: 'unknown folderId; position out of range', 403: 'forbidden', ...NOT_FOUND } },
  'POST /api/documents/{documentId}/withdraw': { summary: 'Withdraw a document: outsiders get 404 from the next request and links handed out stop; its deliveries stay on the record', who: 'manager', body: { json: WithdrawDocumentSchema }, responses: { 200: '{status:"withdrawn"}', 403: 'forbidden', ...NOT_FOUND } },
  'DELETE /api/documents/{documentId}': { summary: 'Delete a document never delivered outside the deal team (its rows and stored files)', who: 'manager', responses: { 204: 'deleted', 403: 'forbidden', 409: 'delivered (withdraw it instead)', ...NOT_FOUND } },
  'GET /api/documents/{documentId}/versions': { summary: 'The version history, newest first, with which parties received each version', who: 'manager, counsel', responses: { 200: '{items:[{versionId,version,sha256,size,mimeType,fileName,createdAt,createdBy,createdByName,receivedBy:[{partyId,partyName,orgId,deliveries,first,last}]}]}', ...NOT_FOUND } },
  'GET /api/documents/{documentId}/versions/{versionId}/original': { summary: 'The stored file of any version, recorded as a delivery of that version', who: 'manager, counsel', responses: { 200: 'the stored file, X-Download-Id', ...NOT_FOUND } },
  'GET /api/documents/{documentId}/content': {
    summary: "The stamped file; for a dataset, the caller's own copy (their rows and columns, fingerprinted by row order; XLSX stamped on a first sheet and in every header and footer)",
    who: 'user (view for inline, download for attachment)',
    query: { disposition: 'inline | attachment', format: 'csv | xlsx (datasets only; the uploaded format by default)', sheet: 'the sheet a CSV carries (datasets only; the first by default)' },
    responses: { 200: 'the stamped file, X-Download-Id', 400: 'invalid_request (format or sheet on a document that is not a dataset; an unknown sheet)', 403: 'forbidden or nda_required', 409: 'not_a_dataset', 422: 'unstampable', 429: 'rate_limited (too many images being stamped for the caller, or the wait was too long)', ...NOT_FOUND },
  },
  'GET /api/documents/{documentId}/dataset': { summary: "A dataset's sheets, columns (inferred type, role) and row counts, with its subject and entity columns and entity map", who: 'deal team (manager, counsel)', responses: { 200: '{format,sheets:[{name,rows,columns:[{name,type,role}]}],subjectColumn,entityColumn,entityMap}', 403: 'forbidden', 409: 'not_a_dataset (with the reason the file is kept as a plain file)', ...NOT_FOUND } },
  'PUT /api/documents/{documentId}/dataset': { summary: "Classify a dataset's columns: roles (none, direct, quasi), the subject column (direct), the entity column and its map to the room's target entities", who: 'manager', body: { json: ClassifyDatasetSchema }, responses: { 200: 'the dataset as GET answers it', 400: 'invalid_request naming columns.N.name, subjectColumn, entityColumn or entityMap.<value>', 403: 'forbidden', 409: 'not_a_dataset', ...NOT_FOUND } },
  'GET /api/documents/{documentId}/rows': { summary: 'A page of the dataset as the caller would download it, in stored order: the grid viewer; recorded as a view', who: 'level view', query: { sheet: 'sheet name (the first by default)', offset: 'rows to skip (default 0)', limit: '1–1000 (default 100)' }, responses: { 200: '{columns,rows,total}', 403: 'forbidden or nda_required', 409: 'not_a_dataset', ...NOT_FOUND } },
  'GET /api/documents/{documentId}/original': { summary: 'The unstamped file', who: 'level original, room staff', responses: { 200: 'the stored file, X-Download-Id', 403: 'forbidden', ...NOT_FOUND } },
  'POST /api/rooms/{roomId}/grants': { summary: 'Grant a party access to a folder subtree (or the whole room)', who: 'manager', body: { json: CreateGrantSchema }, responses: { 201: 'the grant', ...NOT_FOUND } },
  'GET /api/rooms/{roomId}/grants': { summary: 'Grants', who: 'manager, counsel', responses: { 200: '{items}', ...NOT_FOUND } },
  'GET /api/rooms/{roomId}/grants.xlsx': {
    summary: "The permission matrix as XLSX: one row per folder in index order (and one for the whole room), one column per party, cells level/maxClassification/maxPersonalData[/expiresAt] (several grants of a cell separated by '; '); hidden ids and a fingerprint of the room's grants let it be imported back",
    who: 'manager, counsel',
    responses: { 200: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 403: 'forbidden', ...NOT_FOUND },
  },
  'POST /api/rooms/{roomId}/grants/import': {
    summary: 'Import the edited permission matrix: a dry run (the default) shows every change and, per party, what it would gain and lose by the access rule (published documents, with personal-data and highly-confidential counts); dryRun=false applies it in one transaction',
    who: 'manager',
    query: { dryRun: 'true (default) | false' },
    body: { multipart: { file } },
    responses: {
      200: '{dryRun,created,deleted,changes:[{kind,cell,partyId,partyName,folderId,folderIndex,folderName,before,after,created,deleted}],exposure:[{partyId,name,gained,lost,gainedPersonalData,gainedHighlyConfidential,lostPersonalData,lostHighlyConfidential,viewableBefore,viewableAfter}]}',
      400: 'invalid_request: details.cells [{sheet,cell,message}] naming every bad cell, or details.file',
      403: 'forbidden',
      409: 'conflict: the grants changed since the export; export again',
      413: 'too_large',
      ...NOT_FOUND,
    },
  },
  'DELETE /api/rooms/{roomId}/grants/{grantId}': { summary: 'Delete a grant; access ends at once', who: 'manager', responses: { 204: 'deleted', ...NOT_FOUND } },
  'POST /api/rooms/{roomId}/trace': {
    summary: 'Name the delivery a leaked copy came from: a PDF, a picture of a page, or a dataset (CSV or XLSX, whole or in part)',
    who: 'manager, counsel',
    body: { multipart: { file } },
    responses: {
      200: '{downloadId,documentId,versionId,user,org,at,ip,match,evidence} — match exact or watermark names one delivery; match fingerprint names the dataset delivery whose row order the leak has, with confidence, falseMatchProbability, log10FalseMatchProbability and rows (leaked rows placed; at least 20, false match below 1e-9); match party (downloadId null) names the party whose pseudonyms a re-sorted leak holds, with its deliveries in candidates; match unstamped (downloadId null) lists every recipient who held those bytes in recipients, with copyOf stored_version, earlier_revision or stamp_base',
      404: 'not_traced',
    },
  },
  'GET /api/rooms/{roomId}/audit': {
    summary: "The room's audit trail, newest first; CSV exports every matching event, no cell starting a formula",
    who: 'manager, counsel',
    query: { limit: '1–1000', before: 'a seq', cursor: 'from nextCursor', format: 'json | csv', actorId: 'a user id', action: 'e.g. document.download', decision: 'allow | deny', from: 'ISO time, inclusive', to: 'ISO time, exclusive', documentId: 'events about this document' },
    responses: { 200: '{items,nextCursor} or CSV', 403: 'forbidden (external members)', ...NOT_FOUND },
  },
  'GET /api/audit/verify': { summary: 'Recompute the hash chain and hold it to the signed checkpoints', who: 'admin', responses: { 200: '{ok,count,head,checkpoint} or {ok:false,count,brokenSeq,reason}' } },
  'GET /api/rooms/{roomId}/engagement': {
    summary: 'Engagement: per party, folder, document, user or day, what the parties looked at against what each may see now; counted in SQL from the deliveries (the ledger\'s views and downloads) and the pages viewers reported, per party by who was its member when; the deal team\'s own views never count',
    who: 'manager, counsel',
    query: {
      by: 'party (the default) | folder | document | user | day (a timeline: one row per UTC day with activity)',
      partyId: "only this party's members (by=folder, document, user, day); visible is then what it may see",
      from: 'ISO time, inclusive: deliveries from then (pages read count with the view they were read in)',
      to: 'ISO time, exclusive',
      format: 'json | csv',
    },
    responses: {
      200: '{items:[{key,label,visible,views,downloads,users,documents,pagesViewed,seconds,lastAt,partyId?,folderId?}]} or CSV — visible: documents the party may view now (without partyId: any party; by=user: the member; by=document: 1 or 0); documents: distinct documents viewed or downloaded; pagesViewed: pages read, each page of each view once; seconds: time on them',
      ...NOT_FOUND,
    },
  },
  'POST /api/documents/{documentId}/views/{downloadId}/pages': {
    summary: "The viewer reports pages read in one of their views (downloadId: the view's X-Download-Id) and the seconds on each; a batch is a JSON array of the same objects (at most 100). Kept outside the ledger, erased with the person. No page past the copy's last; per report 0–900 whole seconds; a view never reports more seconds than have passed since it opened (plus 10 s); a page counts at most 1,800 s",
    who: 'the external user who opened the view (the deal team is checked alike, and nothing is kept)',
    body: { json: z.union([PageReportSchema, PageReportBatchSchema]) },
    responses: { 204: 'recorded', 400: 'invalid_request naming page or seconds (index.page in a batch)', 429: 'rate_limited (a flood of reports on one view)', ...NOT_FOUND },
  },
  'GET /api/rooms/{roomId}/disclosures': {
    summary: 'The disclosure register: what left the room, to which organisation, under which NDA(s), to whom, when',
    who: 'manager, counsel',
    query: {
      format: 'json | csv',
      view: 'documents (per organisation and document, the default) | recipients (per entity, personal-data level and organisation: GDPR Art. 15)',
      entityId: 'only documents of this entity',
      personalData: 'only these personal-data levels, comma-separated (none, pseudonymised, identified)',
      orgId: 'only this recipient organisation',
      documentId: 'only this document',
    },
    responses: { 200: '{items:[{orgId,orgName,documentId,title,entityId,entityName,personalData,ndaIds,users,first,last,count}]} or CSV', 403: 'forbidden (external members)', ...NOT_FOUND },
  },
  'GET /api/rooms/{roomId}/disclosures/subjects': {
    summary: "Which recipients received a data subject's rows of the room's datasets (GDPR Art. 15(1)(c)), and in which form",
    who: 'manager, counsel',
    query: { value: "the subject column's value of the person (e.g. an employee number); the ledger keeps only a keyed hash of it" },
    responses: {
      200: '{items:[{orgId,orgName,userId,downloadId,documentId,at,form}]} — every delivery outside the seller group (download, view, grid page) whose row scope included a row with that value in the subject column it was delivered under; form identified or pseudonymised (deliveries without personal-data columns are not disclosures of the person); a grid page only when the row was in its window',
      403: 'forbidden (external members)',
      ...NOT_FOUND,
    },
  },
  'GET /api/rooms/{roomId}/access': { summary: 'Why a user can or cannot reach a document: the level and one reason per condition of the access rule', who: 'manager, counsel', query: { userId: 'the user', documentId: 'a document of the room' }, responses: { 200: "{level: null|view|download|original, index, partyIndex, reasons:[{rule,ok,detail}]}: index as staff read it, partyIndex as the user reads it (null when they cannot see it)", 403: 'forbidden', ...NOT_FOUND } },
  'GET /api/rooms/{roomId}/access/party/{partyId}': { summary: "View as a party: what each of the party's members can reach now, and at which level", who: 'manager', responses: { 200: '{partyId, members:[{userId,name,email,orgId,cleanTeam,coveredEntityIds,documents:[{id,title,folderId,entityId,index,access}]}]}: index as the member reads it', 403: 'forbidden', ...NOT_FOUND } },
  'GET /api/health': { summary: 'Liveness', who: 'anyone', responses: { 200: '{status:"ok"}' } },
  'GET /api/health/ready': { summary: 'Readiness: the database and the object store answer and the process is not shutting down', who: 'anyone', responses: { 200: '{status:"ready",checks:{database,storage,process},qpdf:"native"|"wasm"}', 503: '{status:"unavailable",checks:{database,storage,process},qpdf} — each check ok, unavailable or draining; qpdf names the engine PDF intake runs on' } },
  'GET /api/openapi.json': { summary: 'This document', who: 'anyone', responses: { 200: 'OpenAPI 3.1' } },
};

export const documentedRoutes = () => Object.keys(operations);

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, op] of Object.entries(operations)) {
    const [method, route] = key.split(' ');
    const parameters = [
      ...[...route.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(op.query ?? {}).map(([name, description]) => ({ name, in: 'query', required: false, description, schema: { type: 'string' } })),
    ];
    const requestBody = op.body
      ? 'json' in op.body
        ? { required: true, content: { 'application/json': { schema: z.toJSONSchema(op.body.json, { io: 'input', unrepresentable: 'any' }) } } }
        : { required: true, content: { 'multipart/form-data': { schema: { type: 'object', properties: op.body.multipart, required: ['file'] } } } }
      : undefined;
    paths[route] ??= {};
    paths[route][method.toLowerCase()] = {
      summary: op.summary,
      description: `Who: ${op.who}.`,
      ...(parameters.length ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses: Object.fromEntries(
        Object.entries({ ...op.responses, 400: 'invalid_request (details name the fields)', 401: 'unauthenticated' }).map(([status, description]) => [
          status,
          { description, ...(op.schema && status === '200' ? { content: { 'application/json': { schema: op.schema } } } : {}) },
        ]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Gatehouse', version: '0.1.0', description: 'NDA-gated M&A data room access controller. Errors: {"error":{"code","message","details"}}.' },
    components: {
      schemas: { Room: room, RoomActions: roomActions },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'gatehouse.sid' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
    },
    security: [{ session: [] }, { bearer: [] }],
    paths,
  };
}
