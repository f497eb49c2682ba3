import { ImageStampSlots } from '../../server/downloads/image-stamp-slots.js';
import { startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { binary } from '../support/binary.js';
import { TINY_PNG } from '../support/fixtures.js';

/*
 * Image stamps decode the whole image, so each user gets one slot at a time: parallel views of a
 * huge image queue instead of exhausting memory, and a user who floods the queue is refused.
 */

let t: TestApp;
let deal: Deal;
let buyer: Client;
let slots: ImageStampSlots;

beforeEach(async () => {
  slots = new ImageStampSlots({ perUser: 1, total: 4, maxQueuedPerUser: 0 });
  t = await startTestApp({}, { imageStampSlots: slots });
  deal = await buildDeal(t);
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
  buyer = await deal.login('buyerA');
});
afterEach(() => t.close());

const view = (client: Client, documentId: string) => client.get(`/api/documents/${documentId}/content?disposition=inline`).buffer(true).parse(binary);

it("refuses a user's image view past their slot with 429 and records no delivery, while others are served", async () => {
  const png = await deal.manager.upload(`${deal.roomPath}/documents`, { data: TINY_PNG, name: 'chart.png' }, { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' });
  let release!: () => void;
  const held = slots.run(deal.users.buyerA.id, () => new Promise<void>((r) => (release = r)));

  const refused = await view(buyer, png.body.id);
  expect(refused.status).toBe(429);
  expect(JSON.parse((refused.body as Buffer).toString()).error.code).toBe('rate_limited');
  expect(await t.db('downloads').where({ documentId: png.body.id, userId: deal.users.buyerA.id })).toHaveLength(0);
  // Another user is not held up by this one's slot.
  expect((await view(deal.manager, png.body.id)).status).toBe(200);

  release();
  await held;
  const served = await view(buyer, png.body.id);
  expect(served.status).toBe(200);
  expect(served.headers['content-type']).toBe('image/png');
});
