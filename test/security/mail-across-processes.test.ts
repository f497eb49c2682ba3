import type { ParsedMail } from 'mailparser';
import { createTestDatabase, startTestApp, type TestApp, type TestDatabase } from '../support/test-app.js';
import { buildDeal, iso, type Deal } from '../support/world.js';
import { makePdf } from '../support/fixtures.js';
import { startSmtpSink, to, type SmtpSink } from '../support/smtp-sink.js';
import { queueMail } from '../../server/mail/outbox.js';
import { ndaStatusMail } from '../../server/mail/templates.js';
import { isoNow } from '../../server/clock.js';

/**
 * Two Gatehouse processes on one database, each with its mail worker, pushed to do the same work at
 * the same moment: queued mail, document digests and NDA expiries. Nobody gets a mail twice, and no
 * document is named twice to the same person.
 */
describe('two processes sharing one database never mail anyone twice', () => {
  let smtp: SmtpSink;
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let deal: Deal;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    database = await createTestDatabase();
    const env = { SMTP_URL: smtp.url, MAIL_POLL_SECONDS: '0.2', LOGIN_MAX_FAILURES_PER_IP: '1000' };
    a = await startTestApp(env, { mailWorker: { digestSettleMs: 0 }, database });
    b = await startTestApp(env, { mailWorker: { digestSettleMs: 0 }, database });
    deal = await buildDeal(a);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await smtp?.stop();
    await database?.drop();
  });

  /** Both workers at once, a few times over: each pass runs the digest and expiry jobs, then sends. */
  const raceWorkers = async (rounds = 4) => {
    for (let i = 0; i < rounds; i++) await Promise.all([a.mail!.runOnce(), b.mail!.runOnce(), a.mail!.runOnce(), b.mail!.runOnce()]);
  };
  const until = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000) => {
    const end = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const queuedCount = async () => Number((await a.db('mailOutbox').where({ status: 'queued' }).count({ n: '*' }))[0]!.n);
  const readable = (m: ParsedMail) => `${m.subject}\n${m.text}`;

  test('mail queued once is delivered once, whichever process picks it up', async () => {
    const before = smtp.messages.length;
    const at = isoNow();
    await a.db.transaction(async (trx) => {
      for (let i = 0; i < 40; i++) {
        const content = ndaStatusMail({ name: `Reader ${i}`, roomLabel: 'Project Falcon', status: 'confirmed', url: 'https://dataroom.example.com/rooms/x', invited: false });
        await queueMail(trx, a.config, { kind: 'nda_status', to: `once-${i}@buyer.example`, at, ...content });
      }
    });
    await raceWorkers();
    await until('every queued mail sent', async () => (await queuedCount()) === 0);
    // Only this test's recipients: the deal built in beforeAll has mail of its own in flight.
    const ours = () => smtp.messages.slice(before).filter((m) => [m.to ?? []].flat().some((a) => a.value.some((v) => /^once-\d+@buyer\.example$/.test(v.address ?? ''))));
    await until('40 mails arrived', () => ours().length >= 40);
    await raceWorkers(2);
    const arrived = ours();
    expect(arrived).toHaveLength(40);
    expect(new Set(arrived.map((m) => m.messageId)).size).toBe(40);
  });

  test('document digests made by two processes at once name each new document once to each reader', async () => {
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true });
    await deal.grant({ partyId: deal.parties.A.id, folderId: null });
    await raceWorkers();
    await until('nothing queued', async () => (await queuedCount()) === 0);
    const before = smtp.messages.length;
    const titles = ['Digest race one', 'Digest race two', 'Digest race three', 'Digest race four', 'Digest race five'];
    for (const title of titles) {
      const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf(title), name: `${title}.pdf` }, { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none', title });
      expect(res.status).toBe(201);
    }
    await raceWorkers();
    await until('nothing queued', async () => (await queuedCount()) === 0);
    await new Promise((r) => setTimeout(r, 500));
    await raceWorkers(2);
    const arrived = smtp.messages.slice(before);
    for (const reader of [deal.users.buyerA.email, deal.users.advisorA.email, deal.users.manager.email]) {
      const text = arrived.filter(to(reader)).map(readable).join('\n');
      for (const title of titles) {
        expect({ reader, title, times: text.split(title).length - 1 }).toEqual({ reader, title, times: 1 });
      }
    }
    // Party B has no NDA: none of it reaches them.
    expect(arrived.filter(to(deal.users.buyerB.email))).toHaveLength(0);
    expect(new Set(arrived.map((m) => m.messageId)).size).toBe(arrived.length);
  });

  test('an NDA that expires is announced once, with two processes watching the clock', async () => {
    await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id], expiresAt: iso(1500) });
    await smtp.waitFor((m) => to(deal.users.buyerB.email)(m) && /access open/i.test(m.subject ?? ''));
    await new Promise((r) => setTimeout(r, 1700));
    await raceWorkers();
    await until('nothing queued', async () => (await queuedCount()) === 0);
    await raceWorkers(2);
    const closed = smtp.messages.filter((m) => to(deal.users.buyerB.email)(m) && /access closed/i.test(m.subject ?? ''));
    expect(closed).toHaveLength(1);
  });
});
