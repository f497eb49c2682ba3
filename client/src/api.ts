/**
 * The Gatehouse HTTP API as the web client uses it (same origin, JSON, cookie session).
 *
 * - Every error response has the shape {"error":{"code","message"}} and is thrown as an ApiError.
 * - Every state-changing request (anything but GET/HEAD) except login carries X-CSRF-Token; the token
 *   is fetched from GET /api/auth/csrf on first need and cached until the session changes.
 * - A 401 on any request other than login / the initial session probe is reported to the listener
 *   set with onUnauthorized, so the app can return to sign-in.
 */

export type Role = 'admin' | 'staff' | 'external';
/** `expert`: seller staff who answer the Q&A questions assigned to them and see nothing else of the room. */
export type RoomRole = 'manager' | 'counsel' | 'expert';
export type Level = 'view' | 'download' | 'original';
export type Classification = 'standard' | 'confidential' | 'highly_confidential' | 'clean_team';
export type PersonalData = 'none' | 'pseudonymised' | 'identified';
/** Staged disclosure: only a published document is anyone's outside the deal team. */
export type DocumentStatus = 'draft' | 'published' | 'withdrawn';
export type UploadsStartAs = 'draft' | 'published';

export const LEVELS: Level[] = ['view', 'download', 'original'];
export const CLASSIFICATIONS: Classification[] = ['standard', 'confidential', 'highly_confidential', 'clean_team'];
export const PERSONAL_DATA: PersonalData[] = ['none', 'pseudonymised', 'identified'];
export const DOCUMENT_STATUSES: DocumentStatus[] = ['draft', 'published', 'withdrawn'];

export interface User {
  id: string;
  email: string;
  name: string;
  orgId: string;
  role: Role;
}

/**
 * What the caller may do in a room, decided by the server from its access rule (GET /api/rooms/:roomId
 * answers it as `can`; see server/rooms/room-actions.ts). The client asks these, never the role.
 */
export interface RoomActions {
  manageRoom: boolean;
  manageDocuments: boolean;
  manageParties: boolean;
  manageGrants: boolean;
  registerNdas: boolean;
  decideNdas: boolean;
  readNdaRegister: boolean;
  readParties: boolean;
  readGrants: boolean;
  viewAllDocuments: boolean;
  readAudit: boolean;
  readDisclosures: boolean;
  trace: boolean;
  explainAccess: boolean;
  /** Q&A: read every question of the room, with the asking party (the deal team and counsel). */
  readQuestions: boolean;
  /** Q&A: draft answers (managers to any question; experts to those assigned to them, the only ones they see). */
  answerQuestions: boolean;
  /** Q&A: assign questions, approve answers (never one's own: four eyes), publish FAQs, close questions. */
  manageQuestions: boolean;
  verifyLedger: boolean;
  /** Set how long a closed room's files are kept, and purge them (administrators). */
  purgeRoom: boolean;
  /** Read what each party looked at against what it may see (the deal team and counsel). */
  readEngagement: boolean;
}

/** The server leaves `can` out for a caller who may do none of it (every external user). */
export const NO_ROOM_ACTIONS: RoomActions = {
  manageRoom: false,
  manageDocuments: false,
  manageParties: false,
  manageGrants: false,
  registerNdas: false,
  decideNdas: false,
  readNdaRegister: false,
  readParties: false,
  readGrants: false,
  viewAllDocuments: false,
  readAudit: false,
  readDisclosures: false,
  trace: false,
  explainAccess: false,
  readQuestions: false,
  answerQuestions: false,
  manageQuestions: false,
  verifyLedger: false,
  purgeRoom: false,
  readEngagement: false,
};

export interface Room {
  id: string;
  name: string;
  codeName: string | null;
  status: 'open' | 'closed';
  /** Absent when the room gives the caller no content (an external member without NDA cover, or a closed room). */
  entityIds?: string[];
  createdAt?: string;
  nda?: { covered: boolean; entityIds: string[] };
  /** Staff only: whether a new upload starts as a draft (the default) or published at once. */
  uploadsStartAs?: UploadsStartAs;
  /** Staff only: days the room's files are kept once it is closed (then purged); null: until an administrator purges them. */
  retainDays?: number | null;
  /** Staff only: when the room's files were purged. */
  purgedAt?: string | null;
  can?: RoomActions;
}

/** One stored object a purge deleted (or found already gone), as its certificate lists it. */
export interface CertifiedObject {
  key: string;
  kind: string;
  subjectId: string | null;
  size: number | null;
  sha256: string | null;
  state: 'deleted' | 'absent';
}

/** A purge's deletion certificate, exactly as signed with the ledger key (keep it whole: any change breaks the signature). */
export interface DeletionCertificate {
  format: string;
  roomId: string;
  roomName: string;
  purgeStartedAt: string;
  purgedAt: string;
  purgedBy: { id: string; name: string; email: string } | null;
  trigger: 'admin' | 'retention';
  objects: CertifiedObject[];
  counts: { objects: number; deleted: number; absent: number; bytes: number; documents: number; versions: number; ndas: number };
  ledgerHead: { seq: number; hash: string };
  keyId: string;
  signature: string;
}

/** Where a room's retention and purge stand. */
export interface PurgeState {
  status: 'none' | 'scheduled' | 'purging' | 'purged';
  retainDays: number | null;
  closedAt: string | null;
  dueAt: string | null;
  noticeSentAt: string | null;
  startedAt: string | null;
  purgedAt: string | null;
  certificate: DeletionCertificate | null;
  publicKey: string;
}

export interface Org {
  id: string;
  name: string;
  kind: 'seller' | 'acquirer' | 'advisor';
}
export interface Entity {
  id: string;
  name: string;
  parentId: string | null;
}
export interface StaffMember {
  userId: string;
  role: RoomRole;
  name: string;
  email: string;
}
export interface Party {
  id: string;
  name: string;
  acquirerOrgId: string;
  advisorOrgIds: string[];
  members?: Array<{ userId: string; cleanTeam: boolean }>;
}
export interface Folder {
  id: string;
  name: string;
  parentId: string | null;
  index: string;
}
export interface DocumentItem {
  id: string;
  roomId: string;
  title: string;
  folderId: string;
  index: string;
  entityId: string;
  classification: Classification;
  personalData: PersonalData;
  /** `dataset`: a CSV or XLSX table, delivered per recipient (room/datasets/); absent from servers before datasets. */
  kind?: 'document' | 'dataset';
  mimeType: string;
  /** Null for a dataset outside the deal team: its stored file holds every entity's rows. */
  size: number | null;
  version: number;
  versionId: string;
  access: Level | null;
  /** Absent from servers before staged disclosure (everything was published then). Outsiders only ever get `published`. */
  status?: DocumentStatus;
  createdAt: string;
  /** Staff only: who published or withdrew the document, when, and why it was withdrawn. */
  publishedAt?: string | null;
  publishedBy?: string | null;
  withdrawnAt?: string | null;
  withdrawnBy?: string | null;
  withdrawnReason?: string | null;
  /** Staff only: what stamped deliveries of the current version leave out of the stored file. */
  deliveryNotes?: { status: 'ready' | 'unstampable'; earlierRevisions: number; removed: string[]; message: string | null };
  /** Full-text search: whether the words of its pages are in the room's index (absent from servers before search). */
  textStatus?: TextStatus;
  /** Staff only: why its text could not be read (failed), or which pages were left out (indexed). */
  textReason?: string;
}
/** `pending`: being extracted; `indexed`: searchable; `none`: no words in it (an image, an empty file); `failed`: see textReason. */
export type TextStatus = 'pending' | 'indexed' | 'none' | 'failed';
/**
 * A page of search results. `broad`: so many of the caller's pages hold the words that only the
 * most recently indexed of them were ranked — more words would find the best of all.
 */
export interface SearchPage extends Page<SearchHit> {
  broad?: boolean;
}
/** One page of a document that holds the words searched for (API.md "Search"). */
export interface SearchHit {
  documentId: string;
  title: string;
  /** The document's number as the caller sees it. */
  index: string;
  page: number;
  /** Plain text from the page: never markup, whatever the uploaded file held. */
  snippet: string;
  /** [start, end) of each hit in `snippet`, in JavaScript string offsets. */
  highlights: Array<[number, number]>;
}
export interface StoredVersion {
  id?: string;
  versionId: string;
  version: number;
  sha256: string;
  size: number;
  mimeType: string;
}
/** One stored version in the deal team's history, with the parties outside it that received it. */
export interface DocumentVersion {
  versionId: string;
  version: number;
  sha256: string;
  size: number;
  mimeType: string;
  fileName?: string | null;
  createdAt: string;
  /** The uploader's user id and name. */
  createdBy: string;
  createdByName?: string | null;
  receivedBy: Array<{ partyId: string | null; partyName: string | null; orgId: string; deliveries: number; first: string; last: string }>;
}
/** What publishing a selection would give one party: documents it could view, of which with personal data or highly confidential. */
export interface PartyExposure {
  partyId: string;
  name: string;
  documents: number;
  personalData: number;
  highlyConfidential: number;
}
export interface PublishPreview {
  /** How many documents the selection publishes (drafts, and withdrawn documents named to be put back). */
  documents: number;
  parties: PartyExposure[];
}
/** What to publish: named documents, a folder's subtree's drafts, or both. Never neither (that would be every draft of the room). */
export type PublishSelection = { documentIds: string[]; folderId?: string } | { documentIds?: string[]; folderId: string };
/** A ZIP imported into a folder: the folders and documents it created (as drafts), and entries left out with why. */
export interface ZipImport {
  folders: number | unknown[];
  documents: number | unknown[];
  skipped?: Array<{ entry: string; reason: string }>;
}
/** One cell of the permission matrix an import changes, as it reads now and after. */
export interface GrantsChange {
  kind?: 'created' | 'deleted' | 'changed';
  /** The cell of the imported sheet, e.g. `E7`. */
  cell?: string;
  partyId?: string;
  partyName?: string;
  /** null: the whole room. */
  folderId?: string | null;
  folderIndex?: string | null;
  folderName?: string | null;
  before?: string | null;
  after?: string | null;
}
/** A permission matrix read from XLSX: what it changes and, per party, what it would gain or lose. */
export interface GrantsImport {
  changes: Array<GrantsChange | string>;
  exposure: Array<{ partyId: string; name: string; gained: number; lost: number; gainedPersonalData: number; gainedHighlyConfidential?: number }>;
}
export interface Grant {
  id: string;
  partyId: string;
  folderId: string | null;
  level: Level;
  maxClassification: Classification;
  maxPersonalData: PersonalData;
  expiresAt: string | null;
  createdAt: string;
}
export interface Nda {
  id: string;
  roomId: string;
  orgId: string;
  kind: 'nda' | 'joinder' | 'clean_team';
  status: 'pending' | 'confirmed' | 'rejected' | 'terminated';
  expired: boolean;
  signedAt: string;
  effectiveAt: string;
  expiresAt: string;
  entityIds: string[];
  coversRepresentatives: boolean;
  confirmedAt: string | null;
  sha256?: string;
  size?: number;
  fileName?: string | null;
  registeredBy?: string;
  registeredAt?: string;
  confirmedBy?: string | null;
  decidedBy?: string | null;
  decidedAt?: string | null;
  reason?: string | null;
}
export interface AuditEvent {
  seq: number;
  at: string;
  actorId: string | null;
  action: string;
  decision: 'allow' | 'deny';
  subjectType: string | null;
  subjectId: string | null;
  details: Record<string, unknown> | null;
}
export interface Disclosure {
  orgId: string;
  orgName: string;
  documentId: string;
  title: string;
  entityId: string;
  personalData: PersonalData;
  ndaIds: string[];
  users: Array<{ id?: string; name?: string; email?: string } | string>;
  first: string;
  last: string;
  count: number;
}
export interface AccessExplanation {
  level: Level | null;
  reasons: Array<{ rule: string; ok: boolean; detail?: string }>;
}
export interface TraceRecipient {
  downloadId: string;
  kind: 'view' | 'download' | 'original';
  user: { id: string; email: string; name: string };
  org: { id: string; name: string };
  at: string;
  ip: string | null;
}
/** One delivery named by its bytes or its stamp, or an unstamped copy with everyone who held it. */
export type TraceResult =
  | {
      downloadId: string;
      documentId: string;
      versionId: string;
      user: { id: string; email: string; name: string };
      org: { id: string; name: string };
      at: string;
      ip: string | null;
      match: 'exact' | 'watermark';
      evidence: string;
    }
  | {
      downloadId: null;
      documentId: string;
      versionId: string;
      match: 'unstamped';
      evidence: string;
      copyOf: 'stored_version' | 'earlier_revision' | 'stamp_base';
      recipients: TraceRecipient[];
      heldByDealTeam: boolean;
    };
export interface LedgerVerification {
  ok: boolean;
  count: number;
  head?: string;
  brokenSeq?: number;
  reason?: string;
}

/** Accepting an invitation signs the person in; a room they belong to may ask for a second factor first. */
export interface InvitationAcceptance {
  user: User;
  mfaEnrolmentRequired: boolean;
}
export interface PartyInvitation {
  userId: string;
  status: UserStatus;
}
export interface RoomSettings {
  requireMfa: boolean;
}
export interface IpAllowlist {
  partyId: string;
  cidrs: string[];
}
export type NotifyPreference = 'off' | 'immediate' | 'daily';
export interface MySettings {
  notify: NotifyPreference;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Every page of a list (the entity tree, the organisations a form offers): small lists, read whole. */
export async function fetchAll<T>(fetchPage: (cursor: string | null, signal?: AbortSignal) => Promise<Page<T>>, signal?: AbortSignal): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await fetchPage(cursor, signal);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

export class ApiError extends Error {
  /** The server's message without the details folded into `message`: for views that list the details. */
  readonly headline: string;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    headline?: string,
  ) {
    super(message);
    this.name = 'ApiError';
    this.headline = headline ?? message;
  }
}

/** A detail as people read it: text as is, a list one item after another, an object as its fields. */
function detailText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(detailText).filter(Boolean).join('; ');
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const where = locationOf(o);
    const why = o.message ?? o.reason ?? o.error;
    if (where && why !== undefined) return `${where}: ${detailText(why)}`;
    return Object.entries(o).map(([k, v]) => `${k}: ${detailText(v)}`).join(', ');
  }
  return String(value);
}

/** What a problem is about, when it says so itself: a spreadsheet cell (with its sheet), a ZIP entry, a row, a field. */
function locationOf(o: Record<string, unknown>): string | null {
  if (typeof o.cell === 'string') return typeof o.sheet === 'string' && o.sheet ? `${o.sheet}!${o.cell}` : o.cell;
  if (typeof o.entry === 'string') return `Entry “${o.entry}”`;
  for (const k of ['path', 'field', 'row']) if (typeof o[k] === 'string' || typeof o[k] === 'number') return `${k === 'row' ? 'Row ' : ''}${String(o[k])}`;
  return null;
}

/**
 * The details of a refusal as lines, each naming what it is about (a field, a ZIP entry, a cell of
 * a spreadsheet): `{file: "…"}`, `{"B4": "…"}`, `[{cell, message}]` and nested lists all read alike.
 */
export function problemsOf(err: unknown): string[] {
  return err instanceof ApiError ? problemLines(err.details) : [];
}

function problemLines(d: unknown): string[] {
  if (d === undefined || d === null) return [];
  if (Array.isArray(d)) return d.map(detailText).filter(Boolean);
  if (typeof d === 'object') {
    return Object.entries(d as Record<string, unknown>).flatMap(([key, why]) => {
      // A list of problems that each name their cell or entry (`cells: [{sheet, cell, message}]`) reads one per line.
      if (Array.isArray(why) && why.some((x) => x && typeof x === 'object')) return why.map((x) => (x && typeof x === 'object' && locationOf(x as Record<string, unknown>) ? detailText(x) : `${key}: ${detailText(x)}`));
      if (key === 'more' && typeof why === 'number') return [`and ${why} more`];
      // `entries.<name>`: a ZIP entry, by its name in the archive.
      if (key.startsWith('entries.')) return [`Entry “${key.slice('entries.'.length)}”: ${detailText(why)}`];
      return [`${key}: ${detailText(why)}`];
    });
  }
  return [detailText(d)];
}

/** What a failed call should tell the user. */
export function messageOf(err: unknown, fallback = 'Something went wrong. Please try again.'): string {
  return err instanceof ApiError ? err.message : fallback;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface RequestOptions {
  body?: unknown;
  /** Leave out the CSRF header (only login, which has no session yet). */
  noCsrf?: boolean;
  /** A 401 is an expected answer here: do not report it as an expired session. */
  quiet401?: boolean;
  signal?: AbortSignal;
  /** Let the request finish after the page is left (a viewer's last page report). */
  keepalive?: boolean;
  /**
   * Send only with the CSRF token already at hand, never fetch one first: a report sent as the
   * viewer closes may come after sign-out, when asking for a token would only be refused (401).
   */
  cachedCsrfOnly?: boolean;
}

let csrfToken: string | null = null;
let unauthorizedListener: (() => void) | null = null;

/** Called whenever the server answers 401 to a request that needed a session. */
export function onUnauthorized(listener: (() => void) | null): void {
  unauthorizedListener = listener;
}

/** Forget the cached CSRF token (the session it belonged to is gone or was replaced). */
export function resetCsrf(): void {
  csrfToken = null;
}

async function csrf(): Promise<string> {
  if (csrfToken) return csrfToken;
  const { token } = await request<{ token: string }>('GET', '/api/auth/csrf');
  csrfToken = token;
  return token;
}

/**
 * Fetches the CSRF token ahead of need: a request sent as the page is left (fetch keepalive) must
 * not first wait for the token, or it may never leave. Failing here is fine: the request asks again.
 */
export function prepareCsrf(): void {
  csrf().catch(() => undefined);
}

function errorFromBody(status: number, statusText: string, text: string): ApiError {
  let code = 'http_' + status;
  let message = statusText || 'The request failed.';
  let details: unknown;
  try {
    const data = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    if (data?.error) {
      if (typeof data.error.code === 'string') code = data.error.code;
      if (typeof data.error.message === 'string') message = data.error.message;
      details = data.error.details;
    }
  } catch {
    if (status >= 500) message = 'The server could not handle the request. Please try again.';
  }
  const headline = message;
  // Field-level details make a 400 actionable: "entityIds: must name …".
  if (status === 400 && details && typeof details === 'object') {
    const parts = problemLines(details);
    if (parts.length) message = `${message} (${parts.join('; ')})`;
  }
  return new ApiError(status, code, message, details, headline);
}

function handleFailure(error: ApiError, quiet401?: boolean) {
  if (error.status === 401) {
    resetCsrf();
    if (!quiet401) unauthorizedListener?.();
  }
}

export async function request<T>(method: Method, path: string, options: RequestOptions = {}, retried = false): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const needsCsrf = method !== 'GET' && !options.noCsrf;
  if (needsCsrf && options.cachedCsrfOnly && !csrfToken) throw new ApiError(401, 'unauthenticated', 'The session has ended.');
  if (needsCsrf) headers['X-CSRF-Token'] = await csrf();

  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal,
      keepalive: options.keepalive,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }

  if (res.ok) {
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  const error = errorFromBody(res.status, res.statusText, await res.text());
  if (res.status === 403 && error.code === 'csrf' && needsCsrf && !retried) {
    // The cached token belonged to an earlier session: fetch a fresh one and try once more.
    resetCsrf();
    return request<T>(method, path, options, true);
  }
  handleFailure(error, options.quiet401);
  throw error;
}

export interface UploadHandle<T> {
  promise: Promise<T>;
  abort(): void;
}

/**
 * A multipart upload through XMLHttpRequest: fetch() cannot report upload progress, and a data room
 * upload can be hundreds of megabytes, so the user must see each file move.
 */
export function upload<T>(path: string, file: Blob, fields: Record<string, string>, onProgress?: (fraction: number) => void): UploadHandle<T> {
  const xhr = new XMLHttpRequest();
  const promise = csrf().then(
    (token) =>
      new Promise<T>((resolve, reject) => {
        const form = new FormData();
        // Plain fields first: the server reads them before it streams the file.
        for (const [k, v] of Object.entries(fields)) form.append(k, v);
        form.append('file', file, file instanceof File ? file.name : 'file');
        xhr.open('POST', path);
        xhr.setRequestHeader('X-CSRF-Token', token);
        xhr.setRequestHeader('Accept', 'application/json');
        xhr.upload.onprogress = (e) => {
          if (e.lengthComputable && onProgress) onProgress(e.total ? e.loaded / e.total : 1);
        };
        xhr.onload = () => {
          if (xhr.status >= 200 && xhr.status < 300) {
            onProgress?.(1);
            resolve((xhr.responseText ? JSON.parse(xhr.responseText) : undefined) as T);
            return;
          }
          const error = errorFromBody(xhr.status, xhr.statusText, xhr.responseText);
          if (xhr.status === 403 && error.code === 'csrf') resetCsrf();
          handleFailure(error);
          reject(error);
        };
        xhr.onerror = () => reject(new ApiError(0, 'network', 'The upload was interrupted. Check your connection and try again.'));
        xhr.onabort = () => reject(new ApiError(0, 'aborted', 'The upload was cancelled.'));
        xhr.send(form);
      }),
  );
  return { promise, abort: () => xhr.abort() };
}

export interface FetchedBytes {
  data: ArrayBuffer;
  mimeType: string;
  downloadId: string | null;
  /** The whole file's size: more than data.byteLength when only a range came back. */
  size: number;
}

/**
 * A file the server sends (stamped content, an NDA's PDF) as bytes, for inline viewing; with
 * `range` (end exclusive), only those bytes when the server serves ranges of it, else the whole file.
 */
export async function fetchBytes(path: string, signal?: AbortSignal, range?: { start: number; end: number }): Promise<FetchedBytes> {
  let res: Response;
  try {
    const headers: Record<string, string> = range ? { Range: `bytes=${range.start}-${range.end - 1}` } : {};
    res = await fetch(path, { credentials: 'same-origin', signal, headers });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }
  if (!res.ok) {
    const error = errorFromBody(res.status, res.statusText, await res.text());
    handleFailure(error);
    throw error;
  }
  const data = await res.arrayBuffer();
  // 206: "bytes start-end/size"; a whole answer is its own size.
  const total = res.status === 206 ? Number(/\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1]) : data.byteLength;
  return {
    data,
    mimeType: (res.headers.get('content-type') ?? '').split(';')[0],
    downloadId: res.headers.get('x-download-id'),
    size: Number.isFinite(total) && total > 0 ? total : data.byteLength,
  };
}

const qs = (params: Record<string, string | number | undefined | null>) => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s ? '?' + s : '';
};
const enc = encodeURIComponent;

let routesPromise: Promise<Set<string>> | null = null;

/**
 * Whether the server has a route at all (e.g. 'GET /api/rooms/{roomId}/disclosures'), read from its
 * OpenAPI document. Parts of the API land at different times; a route that is missing is told apart
 * from a hidden object this way, since both would answer the same 404.
 */
export async function serverHasRoute(route: string): Promise<boolean> {
  routesPromise ??= fetch('/api/openapi.json', { credentials: 'same-origin' })
    .then((r) => (r.ok ? r.json() : { paths: {} }))
    .then((doc: { paths?: Record<string, Record<string, unknown>> }) => {
      const set = new Set<string>();
      for (const [p, ops] of Object.entries(doc.paths ?? {})) for (const m of Object.keys(ops)) set.add(`${m.toUpperCase()} ${p}`);
      return set;
    })
    .catch(() => new Set<string>());
  return (await routesPromise).has(route);
}

export const api = {
  /** The signed-in user, or null when there is no session. */
  async me(signal?: AbortSignal): Promise<User | null> {
    try {
      return await request<User>('GET', '/api/me', { quiet401: true, signal });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }
  },

  async login(email: string, password: string, otp?: string): Promise<User> {
    resetCsrf();
    const { user } = await request<{ user: User }>('POST', '/api/auth/login', {
      body: otp ? { email, password, otp } : { email, password },
      noCsrf: true,
      quiet401: true,
    });
    resetCsrf(); // the session was (re)established: its token is new
    return user;
  },

  async logout(): Promise<void> {
    try {
      await request<void>('POST', '/api/auth/logout', { quiet401: true });
    } finally {
      resetCsrf();
    }
  },

  mfaStatus: (signal?: AbortSignal) => request<{ enabled: boolean; recoveryCodesLeft: number }>('GET', '/api/auth/mfa', { signal }),
  mfaDisable: (currentPassword: string) => request<{ enabled: false }>('POST', '/api/auth/mfa/disable', { body: { currentPassword } }),
  mfaSetup: () => request<{ secret: string; otpauthUrl: string }>('POST', '/api/auth/mfa/setup'),
  // Turning the second factor on asks for the password again: a session alone must not bind an authenticator.
  mfaEnable: (otp: string, currentPassword: string) => request<{ enabled: boolean; recoveryCodes: string[] }>('POST', '/api/auth/mfa/enable', { body: { otp, currentPassword } }),

  // Forms and name look-ups need the whole list, not its first page of 100.
  orgs: async (): Promise<Page<Org>> => ({ items: await fetchAll((cursor, signal) => request<Page<Org>>('GET', `/api/orgs${qs({ cursor, limit: 1000 })}`, { signal })), nextCursor: null }),
  users: async (): Promise<Page<User>> => ({ items: await fetchAll((cursor, signal) => request<Page<User>>('GET', `/api/users${qs({ cursor, limit: 1000 })}`, { signal })), nextCursor: null }),
  entities: async (): Promise<Page<Entity>> => ({ items: await fetchAll((cursor, signal) => request<Page<Entity>>('GET', `/api/entities${qs({ cursor, limit: 1000 })}`, { signal })), nextCursor: null }),
  verifyLedger: () => request<LedgerVerification>('GET', '/api/audit/verify'),

  rooms: (signal?: AbortSignal) => request<Page<Room>>('GET', '/api/rooms', { signal }),
  room: (roomId: string, signal?: AbortSignal) => request<Room>('GET', `/api/rooms/${enc(roomId)}`, { signal }),
  createRoom: (body: { name: string; codeName?: string; entityIds: string[]; uploadsStartAs?: UploadsStartAs }) => request<Room>('POST', '/api/rooms', { body }),
  updateRoom: (roomId: string, body: { name?: string; codeName?: string | null; uploadsStartAs?: UploadsStartAs; retainDays?: number | null }) => request<Room>('PATCH', `/api/rooms/${enc(roomId)}`, { body }),
  purgeState: (roomId: string, signal?: AbortSignal) => request<PurgeState>('GET', `/api/rooms/${enc(roomId)}/purge`, { signal }),
  purgeRoom: (roomId: string) => request<{ certificate: DeletionCertificate; publicKey: string }>('POST', `/api/rooms/${enc(roomId)}/purge`, { body: {} }),
  closeRoom: (roomId: string) => request<{ status: string }>('POST', `/api/rooms/${enc(roomId)}/close`),
  staff: (roomId: string) => request<Page<StaffMember>>('GET', `/api/rooms/${enc(roomId)}/staff`),
  addStaff: (roomId: string, body: { userId: string; role: RoomRole }) => request<unknown>('POST', `/api/rooms/${enc(roomId)}/staff`, { body }),

  parties: (roomId: string) => request<Page<Party>>('GET', `/api/rooms/${enc(roomId)}/parties`),
  createParty: (roomId: string, body: { name: string; acquirerOrgId: string; advisorOrgIds: string[] }) =>
    request<Party>('POST', `/api/rooms/${enc(roomId)}/parties`, { body }),
  addMember: (roomId: string, partyId: string, body: { userId: string; cleanTeam: boolean }) =>
    request<unknown>('POST', `/api/rooms/${enc(roomId)}/parties/${enc(partyId)}/members`, { body }),
  removeMember: (roomId: string, partyId: string, userId: string) =>
    request<void>('DELETE', `/api/rooms/${enc(roomId)}/parties/${enc(partyId)}/members/${enc(userId)}`),

  folders: (roomId: string, signal?: AbortSignal) => request<Page<Folder>>('GET', `/api/rooms/${enc(roomId)}/folders`, { signal }),
  createFolder: (roomId: string, body: { name: string; parentId?: string | null }) => request<Folder>('POST', `/api/rooms/${enc(roomId)}/folders`, { body }),
  /** Renames, moves (parentId; null: the top) or reorders (1-based position among its siblings) a folder. */
  updateFolder: (roomId: string, folderId: string, body: { name?: string; parentId?: string | null; position?: number }) =>
    request<Folder>('PATCH', `/api/rooms/${enc(roomId)}/folders/${enc(folderId)}`, { body }),

  documents: (roomId: string, params: { folderId?: string; q?: string; status?: DocumentStatus; cursor?: string }, signal?: AbortSignal) =>
    request<Page<DocumentItem>>('GET', `/api/rooms/${enc(roomId)}/documents${qs({ ...params, limit: 500 })}`, { signal }),
  document: (documentId: string, signal?: AbortSignal) => request<DocumentItem>('GET', `/api/documents/${enc(documentId)}`, { signal }),
  uploadDocument: (roomId: string, file: File, fields: { folderId: string; entityId: string; classification: string; personalData: string; title?: string }, onProgress: (f: number) => void) =>
    upload<StoredVersion>(`/api/rooms/${enc(roomId)}/documents`, file, Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<string, string>, onProgress),
  uploadVersion: (documentId: string, file: File, onProgress: (f: number) => void) => upload<StoredVersion>(`/api/documents/${enc(documentId)}/versions`, file, {}, onProgress),
  contentUrl: (documentId: string, disposition: 'inline' | 'attachment') => `/api/documents/${enc(documentId)}/content?disposition=${disposition}`,
  /** More bytes of a download already started: the same stamped copy, by its download id. */
  resumeContentUrl: (documentId: string, downloadId: string) => `/api/documents/${enc(documentId)}/content?disposition=inline&download=${enc(downloadId)}`,
  originalUrl: (documentId: string) => `/api/documents/${enc(documentId)}/original`,
  /** Moves (folderId, position: 1-based among the folder's documents), renames and reclassifies. */
  updateDocument: (documentId: string, body: { title?: string; folderId?: string; position?: number; classification?: Classification; personalData?: PersonalData }) =>
    request<DocumentItem>('PATCH', `/api/documents/${enc(documentId)}`, { body }),
  withdrawDocument: (documentId: string, reason: string) => request<{ status: 'withdrawn' }>('POST', `/api/documents/${enc(documentId)}/withdraw`, { body: { reason } }),
  /** Only for a document never delivered outside the deal team: else 409 delivered. */
  deleteDocument: (documentId: string) => request<void>('DELETE', `/api/documents/${enc(documentId)}`),
  versions: (documentId: string, signal?: AbortSignal) => request<Page<DocumentVersion>>('GET', `/api/documents/${enc(documentId)}/versions`, { signal }),
  /** The room's pages that hold every word of `q`, among the documents the caller may view, best first. */
  search: (roomId: string, params: { q: string; cursor?: string | null; limit?: number }, signal?: AbortSignal) =>
    request<SearchPage>('GET', `/api/rooms/${enc(roomId)}/search${qs(params)}`, { signal }),
  versionOriginalUrl: (documentId: string, versionId: string) => `/api/documents/${enc(documentId)}/versions/${enc(versionId)}/original`,

  publishPreview: (roomId: string, selection: PublishSelection, signal?: AbortSignal) =>
    request<PublishPreview>('GET', `/api/rooms/${enc(roomId)}/publish/preview${qs({ documentIds: selection.documentIds?.join(','), folderId: selection.folderId })}`, { signal }),
  publish: (roomId: string, selection: PublishSelection) => {
    // With neither documents nor a folder the server publishes every draft of the room: never by accident.
    if (!selection.documentIds?.length && !selection.folderId) return Promise.reject(new ApiError(400, 'invalid_request', 'Choose documents or a folder to publish.'));
    return request<{ published: number }>('POST', `/api/rooms/${enc(roomId)}/publish`, { body: selection });
  },

  /** Every document of the subtree (or the room) the caller may download, each stamped, as one ZIP. */
  folderZipUrl: (roomId: string, folderId: string | null) => `/api/rooms/${enc(roomId)}/download.zip${qs({ folderId })}`,
  importZip: (roomId: string, file: File, fields: { folderId: string; entityId: string; classification: Classification; personalData: PersonalData }, onProgress?: (f: number) => void) =>
    upload<ZipImport>(`/api/rooms/${enc(roomId)}/imports`, file, fields, onProgress),
  grantsXlsxUrl: (roomId: string) => `/api/rooms/${enc(roomId)}/grants.xlsx`,
  importGrants: (roomId: string, file: File, dryRun: boolean) => upload<GrantsImport>(`/api/rooms/${enc(roomId)}/grants/import${qs({ dryRun: String(dryRun) })}`, file, {}),

  grants: (roomId: string) => request<Page<Grant>>('GET', `/api/rooms/${enc(roomId)}/grants`),
  createGrant: (roomId: string, body: { partyId: string; folderId: string | null; level: Level; maxClassification: Classification; maxPersonalData: PersonalData; expiresAt?: string | null }) =>
    request<Grant>('POST', `/api/rooms/${enc(roomId)}/grants`, { body }),
  deleteGrant: (roomId: string, grantId: string) => request<void>('DELETE', `/api/rooms/${enc(roomId)}/grants/${enc(grantId)}`),

  ndas: (roomId: string, signal?: AbortSignal) => request<Page<Nda>>('GET', `/api/rooms/${enc(roomId)}/ndas`, { signal }),
  registerNda: (roomId: string, file: File, fields: Record<string, string>, onProgress?: (f: number) => void) => upload<Nda>(`/api/rooms/${enc(roomId)}/ndas`, file, fields, onProgress),
  ndaFileUrl: (roomId: string, ndaId: string) => `/api/rooms/${enc(roomId)}/ndas/${enc(ndaId)}/file`,
  confirmNda: (roomId: string, ndaId: string) => request<Nda>('POST', `/api/rooms/${enc(roomId)}/ndas/${enc(ndaId)}/confirm`),
  rejectNda: (roomId: string, ndaId: string, reason: string) => request<Nda>('POST', `/api/rooms/${enc(roomId)}/ndas/${enc(ndaId)}/reject`, { body: { reason } }),
  terminateNda: (roomId: string, ndaId: string, reason: string) => request<Nda>('POST', `/api/rooms/${enc(roomId)}/ndas/${enc(ndaId)}/terminate`, { body: { reason } }),

  audit: (roomId: string, before?: number | null) => request<{ items: AuditEvent[]; nextBefore: number | null }>('GET', `/api/rooms/${enc(roomId)}/audit${qs({ limit: 200, before })}`),
  auditCsvUrl: (roomId: string) => `/api/rooms/${enc(roomId)}/audit?format=csv&limit=1000`,
  disclosures: (roomId: string) => request<Page<Disclosure>>('GET', `/api/rooms/${enc(roomId)}/disclosures`),
  disclosuresCsvUrl: (roomId: string) => `/api/rooms/${enc(roomId)}/disclosures?format=csv`,
  access: (roomId: string, userId: string, documentId: string) => request<AccessExplanation>('GET', `/api/rooms/${enc(roomId)}/access${qs({ userId, documentId })}`),
  trace: (roomId: string, file: File, onProgress?: (f: number) => void) => upload<TraceResult>(`/api/rooms/${enc(roomId)}/trace`, file, {}, onProgress),

  // Invitations and password resets carry their secret in the link's fragment; it travels only in these bodies.
  async acceptInvitation(token: string, password: string): Promise<InvitationAcceptance> {
    resetCsrf();
    const answer = await request<InvitationAcceptance>('POST', '/api/auth/invitation/accept', { body: { token, password }, noCsrf: true, quiet401: true });
    resetCsrf(); // a new session: its token is new
    return answer;
  },
  forgotPassword: (email: string) => request<void>('POST', '/api/auth/password/forgot', { body: { email }, noCsrf: true, quiet401: true }),
  resetPassword: (token: string, password: string) => request<void>('POST', '/api/auth/password/reset', { body: { token, password }, noCsrf: true, quiet401: true }),
  inviteToParty: (roomId: string, partyId: string, body: { email: string; name: string; orgId: string; cleanTeam: boolean }) =>
    request<PartyInvitation>('POST', `/api/rooms/${enc(roomId)}/parties/${enc(partyId)}/invitations`, { body }),
  roomSettings: (roomId: string, signal?: AbortSignal) => request<RoomSettings>('GET', `/api/rooms/${enc(roomId)}/settings`, { signal }),
  updateRoomSettings: (roomId: string, body: Partial<RoomSettings>) => request<RoomSettings>('PATCH', `/api/rooms/${enc(roomId)}/settings`, { body }),
  ipAllowlist: (roomId: string, partyId: string, signal?: AbortSignal) => request<IpAllowlist>('GET', `/api/rooms/${enc(roomId)}/parties/${enc(partyId)}/ip-allowlist`, { signal }),
  /** Home-realm discovery: whether the organisation of this email's domain signs in with SSO. */
  ssoDiscover: (email: string, signal?: AbortSignal) => request<{ sso: boolean }>('GET', `/api/auth/sso/discover${qs({ email })}`, { signal, quiet401: true }),

  setIpAllowlist: (roomId: string, partyId: string, cidrs: string[]) => request<IpAllowlist>('PUT', `/api/rooms/${enc(roomId)}/parties/${enc(partyId)}/ip-allowlist`, { body: { cidrs } }),
  mySettings: (signal?: AbortSignal) => request<MySettings>('GET', '/api/me/settings', { signal }),
  updateMySettings: (body: MySettings) => request<MySettings>('PUT', '/api/me/settings', { body }),
};

/* ---------- Administration: the directory (organisations, people, legal entities) and the outbox ---------- */

export type OrgKind = Org['kind'];
export type UserStatus = 'invited' | 'active' | 'disabled';

/** A person as the directory lists them: whether they accepted their invitation, or were disabled. */
export interface DirectoryUser extends User {
  status: UserStatus;
  mfaEnabled: boolean;
}

/** What a people import does to one row of the file (header is row 1, as in a spreadsheet). */
export interface ImportRow {
  row: number;
  email: string;
  name: string;
  organisation: string;
  kind: string;
  role: string;
  /** create: the person is invited and their organisation created; invite: invited; unchanged: already there. */
  action: 'create' | 'invite' | 'unchanged' | 'error';
}
export interface ImportReport {
  created: number;
  invited: number;
  unchanged: number;
  errors: Array<{ row: number; field: string; message: string }>;
  rows: ImportRow[];
}

export interface OutboxMail {
  id: string;
  to: string;
  subject: string;
  status: 'queued' | 'sent';
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}
/** One mail with its plain-text body (absent or null when the server no longer holds it). */
export interface OutboxMailWithText extends OutboxMail {
  text?: string | null;
}

/** Where the browser goes to sign in with its organisation's OpenID provider: a full-page navigation, not a fetch. */
export const ssoStartUrl = (email: string) => `/api/auth/sso/start${qs({ email })}`;

/** An organisation's OpenID Connect single sign-on, as the server shows it: the client secret never leaves it. */
export interface OrgSso {
  issuer: string;
  clientId: string;
  domains: string[];
  jit: boolean;
  secretSet: boolean;
}
/** A new or changed configuration; `clientSecret` left out keeps the one the server holds. */
export interface OrgSsoChange {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  domains: string[];
  jit: boolean;
}

/** The directory and the outbox, for administrators. Lists page with `cursor`; `limit` at most 1000. */
export const adminApi = {
  orgs: (params: { q?: string; kind?: OrgKind | ''; cursor?: string | null; limit?: number }, signal?: AbortSignal) =>
    request<Page<Org>>('GET', `/api/orgs${qs(params)}`, { signal }),
  createOrg: (body: { name: string; kind: OrgKind }) => request<Org>('POST', '/api/orgs', { body }),
  renameOrg: (orgId: string, name: string) => request<Org>('PATCH', `/api/orgs/${enc(orgId)}`, { body: { name } }),

  users: (params: { q?: string; status?: UserStatus | ''; orgId?: string; cursor?: string | null; limit?: number }, signal?: AbortSignal) =>
    request<Page<DirectoryUser>>('GET', `/api/users${qs(params)}`, { signal }),
  /** Without a password: the person is `invited` and gets a mail with a link to set their own. */
  inviteUser: (body: { email: string; name: string; orgId: string; role: Role }) => request<DirectoryUser>('POST', '/api/users', { body }),
  /** A fresh invitation mail; the link of the previous one stops working. */
  reinviteUser: (userId: string) => request<void>('POST', `/api/users/${enc(userId)}/invitation`),
  disableUser: (userId: string) => request<{ disabled: boolean }>('POST', `/api/users/${enc(userId)}/disable`),
  updateUser: (userId: string, body: { name?: string; orgId?: string }) => request<DirectoryUser>('PATCH', `/api/users/${enc(userId)}`, { body }),
  importUsers: (file: File, dryRun: boolean) => upload<ImportReport>(`/api/users/import${qs({ dryRun: String(dryRun) })}`, file, {}),

  entities: (params: { q?: string; cursor?: string | null; limit?: number }, signal?: AbortSignal) =>
    request<Page<Entity>>('GET', `/api/entities${qs(params)}`, { signal }),
  createEntity: (body: { name: string; parentId?: string | null }) => request<Entity>('POST', '/api/entities', { body }),
  updateEntity: (entityId: string, body: { name?: string; parentId?: string | null }) => request<Entity>('PATCH', `/api/entities/${enc(entityId)}`, { body }),

  /** An organisation's single sign-on, or null when it has none (the server answers 404). */
  async orgSso(orgId: string, signal?: AbortSignal): Promise<OrgSso | null> {
    try {
      return await request<OrgSso>('GET', `/api/orgs/${enc(orgId)}/sso`, { signal });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  },
  saveOrgSso: (orgId: string, body: OrgSsoChange) => request<OrgSso>('PUT', `/api/orgs/${enc(orgId)}/sso`, { body }),
  turnOffOrgSso: (orgId: string) => request<void>('DELETE', `/api/orgs/${enc(orgId)}/sso`),

  outbox: (params: { cursor?: string | null; limit?: number }, signal?: AbortSignal) => request<Page<OutboxMail>>('GET', `/api/admin/mail${qs(params)}`, { signal }),
  mail: (mailId: string, signal?: AbortSignal) => request<OutboxMailWithText>('GET', `/api/admin/mail/${enc(mailId)}`, { signal }),
};
