import net from 'node:net';
import type { ParsedMail } from 'mailparser';
import { ADMIN, Client, createTestDatabase, startTestApp, type TestApp, type TestDatabase } from '../support/test-app.js';
import { startSmtpSink, to, type SmtpSink } from '../support/smtp-sink.js';
import { freePort } from './support/server-process.js';
import { queueMail } from '../../server/mail/outbox.js';
import { ndaStatusMail } from '../../server/mail/templates.js';
import { isoNow } from '../../server/clock.js';
import { createDb } from '../../server/db.js';

/**
 * R6: an SMTP outage delays mail and loses none, not even across a restart meanwhile; a refusing or
 * hanging SMTP server never holds up a request; two processes on one database send each mail once.
 * Runs on SQLite, and on PostgreSQL under `npm run test:postgres`.
 */

/** Retries come at most a second apart here (MAIL_RETRY_MAX_SECONDS), and the worker polls often. */
const mailEnv = (smtpUrl: string, extra: Record<string, string> = {}) => ({ SMTP_URL: smtpUrl, MAIL_POLL_SECONDS: '0.2', MAIL_RETRY_MAX_SECONDS: '1', ...extra });

/** The transport gives up on a server that does not greet within 10 s: a request must never wait that long on SMTP. */
const SMTP_GREETING_TIMEOUT_MS = 10_000;

interface OutboxItem {
  id: string;
  to: string;
  status: 'queued' | 'sent';
  attempts: number;
  lastError: string | null;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The admins' outbox as the API shows it, by recipient. */
async function outbox(admin: Client): Promise<Map<string, OutboxItem>> {
  const res = await admin.get('/api/admin/mail?limit=1000');
  expect(res.status).toBe(200);
  return new Map((res.body.items as OutboxItem[]).map((m) => [m.to, m]));
}

async function signInAsAdmin(t: TestApp): Promise<{ admin: Client; sellerOrgId: string }> {
  const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
  const sellerOrgId = (await admin.get('/api/orgs?kind=seller')).body.items[0].id as string;
  return { admin, sellerOrgId };
}

/** An invitation through the API, as an admin sends one; resolves with how long the request took. */
async function invite(admin: Client, sellerOrgId: string, email: string): Promise<number> {
  const started = Date.now();
  const res = await admin.post('/api/users', { email, name: `Invitee ${email.split('@')[0]}`, orgId: sellerOrgId, role: 'staff' });
  expect(res.status).toBe(201);
  expect(res.body.status).toBe('invited');
  return Date.now() - started;
}

const messagesWithId = (smtp: SmtpSink, messageId: string) => smtp.messages.filter((m) => m.messageId === messageId);

/** Lets the worker run a few more passes (past a retry's delay): a mail sent twice would show now. */
async function settle(t: TestApp) {
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await t.mail!.runOnce();
}

describe('R6: an SMTP server down for a while, and a restart meanwhile', () => {
  let smtp: SmtpSink;
  let database: TestDatabase;
  const apps: TestApp[] = [];

  afterAll(async () => {
    for (const t of apps) await t.close();
    await smtp?.stop();
    await database?.drop();
  });

  test('every mail queued during the outage arrives exactly once after the server is back, though the app restarted meanwhile', async () => {
    smtp = await startSmtpSink();
    await smtp.stop(); // down: its port refuses connections
    database = await createTestDatabase();
    const first = await startTestApp(mailEnv(smtp.url), { mailWorker: true, database });
    apps.push(first);
    const { admin, sellerOrgId } = await signInAsAdmin(first);

    const invitees = Array.from({ length: 8 }, (_, i) => `outage-${i}@seller.example`);
    const latencies: number[] = [];
    for (const email of invitees) latencies.push(await invite(admin, sellerOrgId, email));
    // Requests answer at once: the mail waits in the outbox, not in the request.
    expect(Math.max(...latencies)).toBeLessThan(SMTP_GREETING_TIMEOUT_MS);

    // The worker tried each one, failed, and says why.
    const failed = await until('every invitation was tried and failed', async () => {
      const items = await outbox(admin);
      const rows = invitees.map((e) => items.get(e)).filter((m): m is OutboxItem => Boolean(m && m.attempts >= 1 && m.lastError));
      return rows.length === invitees.length ? rows : null;
    });
    for (const row of failed) expect(row).toMatchObject({ status: 'queued', lastError: expect.stringMatching(/ECONNREFUSED|connect/i) });

    // The restart: this process stops (its worker first) and a new one starts on the same database, SMTP still down.
    apps.splice(apps.indexOf(first), 1);
    await first.close();
    const second = await startTestApp(mailEnv(smtp.url), { mailWorker: true, database });
    apps.push(second);
    const again = await signInAsAdmin(second);
    await until('the new process retried too', async () => {
      const items = await outbox(again.admin);
      return failed.every((before) => (items.get(before.to)?.attempts ?? 0) > before.attempts);
    });

    // The SMTP server comes back on the same port.
    await smtp.start();
    for (const email of invitees) await smtp.waitFor(to(email), 20_000);
    await until('every row is marked sent', async () => [...(await outbox(again.admin)).values()].every((m) => m.status === 'sent'));
    await settle(second);

    const rows: Array<{ toAddress: string; messageId: string; status: string; lastError: string | null }> = await second.db('mailOutbox').select('toAddress', 'messageId', 'status', 'lastError');
    expect(rows.map((r) => r.toAddress).sort()).toEqual([...invitees].sort());
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'sent', lastError: null });
      const arrived = messagesWithId(smtp, row.messageId);
      expect(arrived).toHaveLength(1);
      expect(to(row.toAddress)(arrived[0]!)).toBe(true);
    }
    expect(smtp.messages).toHaveLength(invitees.length);
  }, 90_000);
});

describe('an SMTP server that refuses mail', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  let admin: Client;
  let sellerOrgId: string;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await startTestApp(mailEnv(smtp.url), { mailWorker: true });
    ({ admin, sellerOrgId } = await signInAsAdmin(t));
  });
  afterAll(async () => {
    smtp.refuseWith(null);
    await t?.close();
    await smtp?.stop();
  });

  test('451 (try again later), then accepting: the mail is retried and arrives once', async () => {
    smtp.refuseWith({ code: 451, message: '4.3.0 Mailbox busy, try again later' });
    await invite(admin, sellerOrgId, 'greylisted@seller.example');
    const refused = await until('the first attempt was refused', async () => {
      const m = (await outbox(admin)).get('greylisted@seller.example');
      return m && m.attempts >= 1 ? m : null;
    });
    expect(refused).toMatchObject({ status: 'queued', lastError: expect.stringContaining('451') });

    smtp.refuseWith(null);
    const mail = await smtp.waitFor(to('greylisted@seller.example'));
    await until('the row is marked sent', async () => (await outbox(admin)).get('greylisted@seller.example')?.status === 'sent');
    await settle(t);
    expect(messagesWithId(smtp, mail.messageId!)).toHaveLength(1);
    expect(smtp.messages.filter(to('greylisted@seller.example'))).toHaveLength(1);
    expect((await outbox(admin)).get('greylisted@seller.example')).toMatchObject({ status: 'sent', lastError: null, attempts: expect.any(Number) });
    expect((await outbox(admin)).get('greylisted@seller.example')!.attempts).toBeGreaterThanOrEqual(2);
  });

  test('550 (refused for good): the mail stays queued with the error and is tried again, never dropped', async () => {
    smtp.refuseWith({ code: 550, message: '5.1.1 Mailbox unavailable' });
    await invite(admin, sellerOrgId, 'bounced@seller.example');
    const retried = await until('the mail was refused twice', async () => {
      const m = (await outbox(admin)).get('bounced@seller.example');
      return m && m.attempts >= 2 ? m : null;
    });
    expect(retried).toMatchObject({ status: 'queued', lastError: expect.stringContaining('550') });
    expect(smtp.messages.some(to('bounced@seller.example'))).toBe(false);

    // Once the mailbox exists after all, the same mail goes out, once.
    smtp.refuseWith(null);
    await smtp.waitFor(to('bounced@seller.example'));
    await until('the row is marked sent', async () => (await outbox(admin)).get('bounced@seller.example')?.status === 'sent');
    await settle(t);
    expect(smtp.messages.filter(to('bounced@seller.example'))).toHaveLength(1);
  });
});

describe('an SMTP server that accepts connections and never answers', () => {
  let hanging: net.Server;
  const sockets = new Set<net.Socket>();
  let t: TestApp;

  afterAll(async () => {
    // Hang up on the worker first: its pending attempt fails at once and the app closes without waiting.
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
    await t?.close();
  });

  test('the attempt times out and is retried later; requests answer meanwhile', async () => {
    hanging = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => hanging.listen(port, '127.0.0.1', resolve));
    t = await startTestApp(mailEnv(`smtp://127.0.0.1:${port}`), { mailWorker: true });
    const { admin, sellerOrgId } = await signInAsAdmin(t);

    await invite(admin, sellerOrgId, 'first@seller.example');
    await until('the worker is connected and waiting for a greeting', async () => sockets.size > 0);
    // While the worker hangs on the server, requests (writes that queue mail, and reads) answer as ever.
    const latency = await invite(admin, sellerOrgId, 'second@seller.example');
    expect(latency).toBeLessThan(SMTP_GREETING_TIMEOUT_MS);
    const during = await outbox(admin);
    expect(sockets.size).toBeGreaterThan(0);
    expect(during.get('first@seller.example')).toMatchObject({ status: 'queued', attempts: 0 });
    expect(during.get('second@seller.example')).toMatchObject({ status: 'queued' });

    // The attempt gives up on its own, and the mail waits for the next try.
    const timedOut = await until(
      'the hanging attempt timed out',
      async () => {
        const m = (await outbox(admin)).get('first@seller.example');
        return m && m.attempts >= 1 ? m : null;
      },
      SMTP_GREETING_TIMEOUT_MS + 15_000,
    );
    expect(timedOut).toMatchObject({ status: 'queued', lastError: expect.stringMatching(/greeting|timeout|timed out/i) });
  }, 60_000);
});

describe('a process stopping in the middle of a batch', () => {
  let hanging: net.Server;
  const sockets = new Set<net.Socket>();
  let smtp: SmtpSink;
  let database: TestDatabase;
  const apps: TestApp[] = [];

  afterAll(async () => {
    for (const t of apps) await t.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => hanging?.close(() => resolve()) ?? resolve());
    await smtp?.stop();
    await database?.drop();
  });

  test('gives back the mails it claimed and did not send: the next process sends them at once, not after their lease', async () => {
    let hungUp = false;
    hanging = net.createServer((socket) => {
      if (hungUp) return void socket.destroy();
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => hanging.listen(port, '127.0.0.1', resolve));
    database = await createTestDatabase();
    const first = await startTestApp(mailEnv(`smtp://127.0.0.1:${port}`), { mailWorker: true, database });
    const at = isoNow();
    await first.db.transaction(async (trx) => {
      for (let i = 0; i < 20; i++) {
        const content = ndaStatusMail({ name: `Reader ${i}`, roomLabel: 'Project Falcon', status: 'confirmed', url: 'https://dataroom.example.com/rooms/x', invited: false });
        await queueMail(trx, first.config, { kind: 'nda_status', to: `claimed-${i}@buyer.example`, at, ...content });
      }
    });
    // The worker has claimed the mails and hangs on the server with the first few.
    await until('the worker is sending', async () => sockets.size > 0 && Number((await first.db('mailOutbox').whereNotNull('leasedBy').count({ n: '*' }))[0]!.n) === 20);

    // It stops; the server hangs up on the sends under way (they fail, to be retried).
    const stopping = first.close();
    hungUp = true;
    for (const s of sockets) s.destroy();
    await stopping;

    // Nothing is left leased to the stopped process: the mails it never tried are due at once.
    const look = createDb({ dataDir: database.dataDir, databaseUrl: database.databaseUrl });
    try {
      expect(await look('mailOutbox').whereNotNull('leasedBy').select('id')).toEqual([]);
      const untried: Array<{ nextAttemptAt: string }> = await look('mailOutbox').where({ attempts: 0, status: 'queued' }).select('nextAttemptAt');
      expect(untried.length).toBeGreaterThan(0);
    } finally {
      await look.destroy();
    }

    smtp = await startSmtpSink();
    const second = await startTestApp(mailEnv(smtp.url), { mailWorker: true, database });
    apps.push(second);
    // Well within the 90 s lease a crashed process would have left on them.
    await until('all 20 arrived', async () => smtp.messages.length >= 20, 15_000);
    await settle(second);
    expect(new Set(smtp.messages.map((m) => m.messageId)).size).toBe(20);
    expect(smtp.messages).toHaveLength(20);
  }, 60_000);
});

describe('two processes on one database', () => {
  let smtp: SmtpSink;
  let database: TestDatabase;
  const apps: TestApp[] = [];

  afterAll(async () => {
    for (const t of apps) await t.close();
    await smtp?.stop();
    await database?.drop();
  });

  test('each of 200 queued mails is sent by one of the two workers, exactly once', async () => {
    smtp = await startSmtpSink();
    database = await createTestDatabase();
    // Each process signs its mail with its own sender, so the sink tells who sent what.
    apps.push(await startTestApp(mailEnv(smtp.url, { MAIL_FROM: 'Gatehouse A <a@gatehouse.example>' }), { mailWorker: true, database }));
    apps.push(await startTestApp(mailEnv(smtp.url, { MAIL_FROM: 'Gatehouse B <b@gatehouse.example>' }), { mailWorker: true, database }));
    const [a] = apps;

    // 200 notifications committed at once: both workers wake to the same rows.
    const at = isoNow();
    await a!.db.transaction(async (trx) => {
      for (let i = 0; i < 200; i++) {
        const content = ndaStatusMail({ name: `Reader ${i}`, roomLabel: 'Project Falcon', status: 'confirmed', url: 'https://dataroom.example.com/rooms/x', invited: false });
        await queueMail(trx, a!.config, { kind: 'nda_status', to: `reader-${i}@buyer.example`, at, ...content });
      }
    });

    await until('200 mails arrived', async () => smtp.messages.length >= 200, 60_000);
    await until('every row is marked sent', async () => Number((await a!.db('mailOutbox').where({ status: 'queued' }).count({ n: '*' }))[0]!.n) === 0, 20_000);
    for (const t of apps) await settle(t);

    const rows: Array<{ toAddress: string; messageId: string; status: string }> = await a!.db('mailOutbox').select('toAddress', 'messageId', 'status');
    expect(rows).toHaveLength(200);
    expect(smtp.messages).toHaveLength(200);
    const byId = new Map<string, ParsedMail[]>();
    for (const m of smtp.messages) byId.set(m.messageId!, [...(byId.get(m.messageId!) ?? []), m]);
    for (const row of rows) {
      expect(row.status).toBe('sent');
      expect(byId.get(row.messageId)).toHaveLength(1);
      expect(to(row.toAddress)(byId.get(row.messageId)![0]!)).toBe(true);
    }
    const senders = new Set(smtp.messages.map((m) => m.from?.value[0]?.address));
    expect(senders).toEqual(new Set(['a@gatehouse.example', 'b@gatehouse.example']));
  }, 120_000);
});
