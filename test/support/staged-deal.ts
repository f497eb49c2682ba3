import request from 'supertest';
import type { Express } from 'express';
import type { TestApp } from './test-app.js';
import { Client } from './test-app.js';
import { buildDeal, PASSWORD, type Deal } from './world.js';
import { makePdf } from './fixtures.js';
import { CENSUS_CLASSIFICATION, censusCsv, generateCensus } from './census.js';

/** A call that must answer `status`, or the test fails with the body: a world is never half-built. */
export async function expectStatus<T = any>(res: PromiseLike<{ status: number; body: any }>, status: number): Promise<T> {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body as T;
}

/** Headers that differ between any two requests (the clock, the request's own id), whatever was asked. */
const PER_REQUEST_HEADERS = new Set(['date', 'x-request-id', 'set-cookie', 'connection', 'keep-alive']);

/**
 * Everything a client can tell of an answer: the status, the body byte for byte, and every header
 * but those that change from one request to the next. Two of these that are equal cannot be told apart.
 */
export function observableAnswer(res: { status: number; text?: string; body: unknown; headers: Record<string, string | string[] | undefined> }) {
  const headers = Object.fromEntries(Object.entries(res.headers).filter(([k]) => !PER_REQUEST_HEADERS.has(k.toLowerCase())).sort(([a], [b]) => a.localeCompare(b)));
  const body = typeof res.text === 'string' ? res.text : Buffer.isBuffer(res.body) ? res.body.toString('base64') : JSON.stringify(res.body);
  return { status: res.status, headers, body };
}

/** A bidder's script holding an API token: no cookie, no CSRF token, the same rights as its owner. */
export class BearerClient {
  constructor(
    private readonly app: Express | string,
    private readonly token: string,
  ) {}

  static async mint(app: Express | string, signedIn: Client, password = PASSWORD): Promise<BearerClient> {
    const minted = await expectStatus<{ token: string }>(signedIn.post('/api/auth/tokens', { name: 'script', currentPassword: password }), 201);
    return new BearerClient(app, minted.token);
  }

  get(url: string) {
    return request(this.app).get(url).set('Authorization', `Bearer ${this.token}`);
  }
  post(url: string, body?: object) {
    return request(this.app).post(url).set('Authorization', `Bearer ${this.token}`).send(body ?? {});
  }
  patch(url: string, body?: object) {
    return request(this.app).patch(url).set('Authorization', `Bearer ${this.token}`).send(body ?? {});
  }
  delete(url: string) {
    return request(this.app).delete(url).set('Authorization', `Bearer ${this.token}`);
  }
  upload(url: string, file: { data: Buffer; name: string }) {
    return request(this.app).post(url).set('Authorization', `Bearer ${this.token}`).attach('file', file.data, file.name);
  }
}

export interface UploadOptions {
  title: string;
  folderId: string;
  entity?: 'gmbh' | 'ltd';
  classification?: string;
  personalData?: string;
}

/**
 * The deal of world.ts with staged disclosure as a room has it by default: uploads start as drafts.
 * Below the deal's own (published) folders, a top-level folder "Data room" that the bidders' grants
 * name:
 * - party A (Alpha, advisor Lex): level `original`, every classification and personal data, under
 *   Alpha's NDA for both entities that covers its representatives — a draft or a withdrawn document
 *   there is hidden from them by rule 6 alone;
 * - party B (Beta): level `view`, `standard` documents without personal data, NDA for Falcon GmbH;
 * - party C (Gamma Partners, user buyerC): a grant like A's, and no NDA at all.
 * Each test makes its own folders below "Data room", so tests sharing one deal do not meet.
 */
export async function buildStagedDeal(t: Pick<TestApp, 'app'> | { app: string }) {
  const deal = await buildDeal(t);
  const room = await expectStatus<{ uploadsStartAs: string }>(deal.manager.patch(deal.roomPath, { uploadsStartAs: 'draft' }), 200);
  if (room.uploadsStartAs !== 'draft') throw new Error('the room did not switch to drafts');
  const gamma = await expectStatus<{ id: string }>(deal.admin.post('/api/orgs', { name: 'Gamma Partners', kind: 'acquirer' }), 201);
  const buyerCUser = await expectStatus<{ id: string; email: string }>(
    deal.admin.post('/api/users', { email: 'gus@gamma.example', name: 'Gus Gamma', password: PASSWORD, orgId: gamma.id, role: 'external' }),
    201,
  );
  const partyC = await expectStatus<{ id: string }>(deal.manager.post(`${deal.roomPath}/parties`, { name: 'Bidder C', acquirerOrgId: gamma.id }), 201);
  await expectStatus(deal.manager.post(`${deal.roomPath}/parties/${partyC.id}/members`, { userId: buyerCUser.id }), 201);

  const dataRoom = await expectStatus<{ id: string; index: string }>(deal.manager.post(`${deal.roomPath}/folders`, { name: 'Data room' }), 201);
  await deal.grant({ partyId: deal.parties.A.id, folderId: dataRoom.id, level: 'original' });
  await deal.grant({ partyId: deal.parties.B.id, folderId: dataRoom.id, level: 'view', maxClassification: 'standard', maxPersonalData: 'none' });
  await deal.grant({ partyId: partyC.id, folderId: dataRoom.id, level: 'download' });
  const ndas = {
    alpha: await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true }),
    beta: await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id] }),
  };

  const buyerA = await deal.login('buyerA');
  const advisorA = await deal.login('advisorA');
  const buyerB = await deal.login('buyerB');
  const buyerC = await Client.login(t.app, buyerCUser.email, PASSWORD);
  let folderCount = 0;

  const staged = {
    ...deal,
    deal,
    ndas,
    dataRoom,
    parties: { ...deal.parties, C: partyC },
    users: { ...deal.users, buyerC: buyerCUser },
    buyerA,
    advisorA,
    buyerB,
    buyerC,
    /** A new folder of its own below "Data room" (or below `parentId`). */
    async folder(name?: string, parentId: string | null = dataRoom.id) {
      folderCount += 1;
      return expectStatus<{ id: string; index: string }>(deal.manager.post(`${deal.roomPath}/folders`, { name: name ?? `Test folder ${folderCount}`, parentId }), 201);
    },
    /** Uploads a one-page PDF as the manager; in this room it starts as a draft. */
    async upload(o: UploadOptions, client: Client = deal.manager) {
      return expectStatus<{ id: string; versionId: string; sha256: string }>(
        client.upload(`${deal.roomPath}/documents`, { data: await makePdf(`${o.title} of Project Falcon`), name: `${o.title}.pdf` }, {
          folderId: o.folderId,
          entityId: deal.entities[o.entity ?? 'gmbh'].id,
          classification: o.classification ?? 'standard',
          personalData: o.personalData ?? 'none',
          title: o.title,
        }),
        201,
      );
    },
    /**
     * A census of `rows` people of both target entities as a dataset, classified so that bidders may
     * have it (the row scope of rule 3 maps each row to its entity).
     */
    async uploadDataset(o: { title: string; folderId: string; rows?: number }) {
      const census = generateCensus(o.rows ?? 60, ['Falcon GmbH', 'Falcon Ltd']);
      const up = await expectStatus<{ id: string; kind: string }>(
        deal.manager.upload(`${deal.roomPath}/documents`, { data: censusCsv(census), name: `${o.title}.csv` }, {
          folderId: o.folderId,
          entityId: deal.entities.gmbh.id,
          classification: 'standard',
          personalData: 'identified',
          title: o.title,
        }),
        201,
      );
      if (up.kind !== 'dataset') throw new Error(`the census was not taken as a dataset: ${JSON.stringify(up)}`);
      await expectStatus(
        deal.manager.put(`/api/documents/${up.id}/dataset`, { ...CENSUS_CLASSIFICATION, entityMap: { 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id } }),
        200,
      );
      return up;
    },
    publish(selection: { documentIds?: string[]; folderId?: string }) {
      return expectStatus<{ published: number }>(deal.manager.post(`${deal.roomPath}/publish`, selection), 200);
    },
    withdraw(documentId: string, reason = 'taken back by the deal team') {
      return expectStatus<{ status: string }>(deal.manager.post(`/api/documents/${documentId}/withdraw`, { reason }), 200);
    },
    /** The document as the deal team reads it. */
    staffView(documentId: string) {
      return expectStatus<{ id: string; status: string; index: string; version: number; folderId: string }>(deal.manager.get(`/api/documents/${documentId}`), 200);
    },
    /** Every event of the room's ledger about one document, oldest first. */
    async ledgerOf(documentId: string) {
      const res = await expectStatus<{ items: Array<{ seq: number; action: string; decision: string; details: Record<string, unknown> }> }>(
        deal.counsel.get(`${deal.roomPath}/audit?limit=1000&documentId=${documentId}`),
        200,
      );
      return [...res.items].sort((a, b) => a.seq - b.seq);
    },
  };
  return staged;
}

export type StagedDeal = Awaited<ReturnType<typeof buildStagedDeal>>;
export type { Deal };

/** The documents a client lists in a folder of the room: id and index, or the error status. */
export async function listedIn(s: StagedDeal, client: Client | BearerClient, folderId: string): Promise<Array<{ id: string; index: string }> | number> {
  const res = await client.get(`${s.roomPath}/documents?folderId=${folderId}`);
  if (res.status !== 200) return res.status;
  return (res.body.items as Array<{ id: string; index: string }>).map((d) => ({ id: d.id, index: d.index }));
}
