import type { ParsedMail } from 'mailparser';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { startSmtpSink, to, type SmtpSink } from '../support/smtp-sink.js';
import { buildQuestionDeal, type QuestionDeal } from '../support/question-deal.js';
import { ROOM_ACTIONS } from '../../server/rooms/room-actions.js';

const q = (id: string, tail = '') => `/api/questions/${id}${tail}`;
const RANDOM = '0b7f3c1e-5d2a-4c8e-9f61-2a3b4c5d6e7f';
/** What a caller can compare of two answers: status, body and the headers that could differ. */
const shape = (r: { status: number; body: unknown; headers: Record<string, string> }) => ({ status: r.status, body: r.body, type: r.headers['content-type'], length: r.headers['content-length'] });
/** The fields an FAQ shows a party other than the asker's: the question, the answer, when it was published. */
const FAQ_FIELDS = ['answer', 'answerDocumentIds', 'body', 'faq', 'faqPublishedAt', 'id', 'roomId', 'subject'];

describe('Q&A under attack: nothing of one party reaches another, nothing of the asker reaches an expert', () => {
  let t: TestApp;
  let deal: QuestionDeal;
  beforeEach(async () => {
    t = await startTestApp();
    deal = await buildQuestionDeal(t);
  });
  afterEach(() => t.close());

  it("answers another party's question id exactly as a random id: GET, answer, close, assign, approve, publish", async () => {
    const a = await deal.ask(deal.buyerA);
    const tries: Array<[string, (id: string) => Promise<any>]> = [
      ['GET', (id) => deal.buyerB.get(q(id))],
      ['close', (id) => deal.buyerB.post(q(id, '/close'))],
      ['answer', (id) => deal.buyerB.post(q(id, '/answer'), { body: 'x' })],
      ['assign', (id) => deal.buyerB.post(q(id, '/assign'), { userId: deal.users.buyerB.id })],
      ['approve', (id) => deal.buyerB.post(q(id, '/approve'))],
      ['publish', (id) => deal.buyerB.post(q(id, '/publish'))],
      ['expert not assigned', (id) => deal.expert.get(q(id))],
      ['expert answering', (id) => deal.expert.post(q(id, '/answer'), { body: 'x' })],
    ];
    for (const [what, attempt] of tries) {
      const real = shape(await attempt(a.id));
      const made = shape(await attempt(RANDOM));
      expect({ what, ...real }).toEqual({ what, ...made });
      expect(real.status).toBe(404);
    }
    // …and A's question is untouched.
    expect((await deal.manager.get(q(a.id))).body).toMatchObject({ status: 'open', answer: null });
  });

  it("never lets B count A's questions: B's numbering starts at 1, its list holds only its own, its limit counts only its own", async () => {
    for (let i = 0; i < 3; i++) await deal.ask(deal.buyerA);
    await deal.manager.patch(deal.roomPath, { questionLimitPerParty: 1 });
    const b = await deal.ask(deal.buyerB);
    expect(b.number).toBe(1);
    const list = await deal.buyerB.get(deal.questionsPath);
    expect(list.body).toEqual({ items: [expect.objectContaining({ id: b.id, number: 1 })], nextCursor: null });
    for (const status of ['open', 'assigned', 'answered', 'closed']) {
      expect((await deal.buyerB.get(`${deal.questionsPath}?status=${status}`)).body.items.length).toBe(status === 'open' ? 1 : 0);
    }
    expect((await deal.buyerB.post(deal.questionsPath, { subject: 's', body: 'b' })).body.error.code).toBe('question_limit');
  });

  it('shows an FAQ to another party with nothing of the asker: no party, number, member, status or time of asking', async () => {
    const a = await deal.answered(deal.buyerA, [deal.docs.finance.id]);
    await deal.buyerB.get(deal.questionsPath).then((r) => expect(r.body.items).toEqual([]));
    expect((await deal.manager.post(q(a.id, '/publish'))).status).toBe(200);
    const single = (await deal.buyerB.get(q(a.id))).body;
    const listed = (await deal.buyerB.get(deal.questionsPath)).body.items;
    for (const faq of [single, listed[0]]) {
      expect(Object.keys(faq).sort()).toEqual(FAQ_FIELDS);
      // finance.pdf is not B's to view: its id is not shown to B either.
      expect(faq.answerDocumentIds).toEqual([]);
      expect(JSON.stringify(faq)).not.toContain(deal.parties.A.id);
      expect(JSON.stringify(faq)).not.toContain(deal.users.buyerA.id);
    }
    // The asking party still reads its own question in full, and its reference.
    expect((await deal.buyerA.get(q(a.id))).body).toMatchObject({ number: 1, answerDocumentIds: [deal.docs.finance.id] });
    // A status filter does not tell B whether the asker closed it.
    await deal.buyerA.post(q(a.id, '/close'));
    expect((await deal.buyerB.get(`${deal.questionsPath}?status=closed`)).body.items).toEqual([]);
    expect((await deal.buyerB.get(`${deal.questionsPath}?status=answered`)).body.items).toEqual([]);
    expect(Object.keys((await deal.buyerB.get(q(a.id))).body).sort()).toEqual(FAQ_FIELDS);
  });

  it('orders an FAQ in another party’s list by when it was published, never by when it was asked', async () => {
    const early = await deal.answered(deal.buyerA);
    const b1 = await deal.ask(deal.buyerB);
    await deal.manager.post(q(early.id, '/publish'));
    const b2 = await deal.ask(deal.buyerB);
    expect((await deal.buyerB.get(deal.questionsPath)).body.items.map((i: { id: string }) => i.id)).toEqual([b1.id, early.id, b2.id]);
  });

  it('never shows an expert the party or the asker: not in a read, a list, a filter or an export', async () => {
    const a = await deal.ask(deal.buyerA, { subject: 'Pension liabilities' });
    await deal.ask(deal.buyerB);
    expect((await deal.expert.get(deal.questionsPath)).body.items).toEqual([]);
    await deal.manager.post(q(a.id, '/assign'), { userId: deal.users2.expert.id });
    const single = (await deal.expert.get(q(a.id))).body;
    const listed = (await deal.expert.get(deal.questionsPath)).body.items;
    expect(listed).toHaveLength(1);
    const csv = (await deal.expert.get(`${deal.questionsPath}?format=csv`)).text;
    for (const seen of [JSON.stringify(single), JSON.stringify(listed), csv]) {
      for (const secret of [deal.parties.A.id, deal.users.buyerA.id, 'Bidder A', 'Alpha', deal.users.buyerA.email]) expect(seen).not.toContain(secret);
    }
    for (const field of ['partyId', 'number', 'createdBy', 'closedBy']) expect(single).not.toHaveProperty(field);
    expect(single).toMatchObject({ subject: 'Pension liabilities', status: 'assigned' });
    const byParty = await deal.expert.get(`${deal.questionsPath}?partyId=${deal.parties.A.id}`);
    expect(byParty.status).toBe(400);
    // Closed by a member of the asking party: still nothing of who closed it.
    await deal.buyerA.post(q(a.id, '/close'));
    expect(JSON.stringify((await deal.expert.get(q(a.id))).body)).not.toContain(deal.users.buyerA.id);
  });

  it('gives an expert nothing of the room beyond their questions and its name: no entities, documents, folders, parties, NDAs, grants, audit', async () => {
    const r = deal.roomPath;
    // The room list and the room give its name, to find it, and the one thing the expert may do there.
    const onlyAnswering = Object.fromEntries(Object.keys(ROOM_ACTIONS).map((flag) => [flag, flag === 'answerQuestions']));
    const room = { id: deal.room.id, name: 'Sale of Falcon', codeName: 'Project Falcon', status: 'open', can: onlyAnswering };
    expect((await deal.expert.get('/api/rooms')).body.items).toEqual([room]);
    expect((await deal.expert.get(r)).body).toEqual(room);
    for (const path of [`${r}/documents`, `${r}/folders`, `${r}/parties`, `${r}/ndas`, `${r}/grants`, `${r}/audit`, `${r}/staff`, `${r}/disclosures`, `/api/documents/${deal.docs.finance.id}`, `/api/documents/${deal.docs.finance.id}/content`]) {
      expect({ path, status: (await deal.expert.get(path)).status }).toEqual({ path, status: 404 });
    }
    // Nor the people of its parties in the directory.
    const users = (await deal.expert.get('/api/users')).body.items ?? [];
    expect(JSON.stringify(users)).not.toContain(deal.users.buyerA.email);
    const orgs = (await deal.expert.get('/api/orgs')).body.items ?? [];
    expect(JSON.stringify(orgs)).not.toContain('Alpha Capital');
  });
});

describe('Q&A mail goes to the people the question is visible to, and says no more', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  let deal: QuestionDeal;
  const readable = (m: ParsedMail) => `${m.subject}\n${m.text}\n${m.html || ''}`;
  const settle = async () => {
    await t.mail!.runOnce();
    await t.mail!.runOnce();
  };
  /** Mails sent since `from`, by recipient address. */
  const since = (from: number) => smtp.messages.slice(from);
  const addresses = (mails: ParsedMail[]) => [...new Set(mails.flatMap((m) => [m.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address!.toLowerCase()))))].sort();

  beforeEach(async () => {
    smtp = await startSmtpSink();
    t = await startTestApp({ SMTP_URL: smtp.url, MAIL_POLL_SECONDS: '0.2' }, { mailWorker: { digestSettleMs: 0 } });
    deal = await buildQuestionDeal(t);
    await settle();
  });
  afterEach(async () => {
    await t.close();
    await smtp.stop();
  });

  it('a new question goes to the managers only (with the party), never to a bidder, counsel or an expert', async () => {
    const before = smtp.messages.length;
    await deal.ask(deal.buyerA, { subject: 'Pension liabilities' });
    await settle();
    const mails = since(before);
    expect(addresses(mails)).toEqual([deal.users.manager.email, deal.users2.manager2.email].sort());
    expect(mails[0]!.subject).toBe('New question in Sale of Falcon');
    expect(readable(mails[0]!)).toContain('Bidder A asked question 1');
    expect(readable(mails[0]!)).toContain('Pension liabilities');
  });

  it('an assignment goes to the expert without the party; an approval to the asking party only, under the code name', async () => {
    const a = await deal.ask(deal.buyerA, { subject: 'Pension liabilities' });
    await settle();
    let before = smtp.messages.length;
    await deal.manager.post(q(a.id, '/assign'), { userId: deal.users2.expert.id });
    await settle();
    const assigned = since(before);
    expect(addresses(assigned)).toEqual([deal.users2.expert.email]);
    for (const secret of ['Bidder A', 'Alpha', deal.users.buyerA.email, deal.users.buyerA.id]) expect(readable(assigned[0]!)).not.toContain(secret);
    expect(readable(assigned[0]!)).toContain('Pension liabilities');

    before = smtp.messages.length;
    await deal.expert.post(q(a.id, '/answer'), { body: 'Fully funded.' });
    await settle();
    expect(since(before)).toEqual([]);
    await deal.manager2.post(q(a.id, '/approve'));
    await settle();
    const approved = since(before);
    expect(addresses(approved)).toEqual([deal.users.advisorA.email, deal.users.buyerA.email].sort());
    for (const mail of approved) {
      expect(mail.subject).toBe('Your question 1 was answered: Project Falcon');
      expect(readable(mail)).not.toContain('Sale of Falcon');
      // The answer itself is read in the room, not in the mail.
      expect(readable(mail)).not.toContain('Fully funded');
    }
  });

  it('an FAQ goes to every covered party’s members without the asker; a member who turned notifications off gets none', async () => {
    const a = await deal.answered(deal.buyerA);
    await deal.advisorA.put('/api/me/settings', { notify: 'off' }).then((r) => expect(r.status).toBe(200));
    await settle();
    const before = smtp.messages.length;
    await deal.manager.post(q(a.id, '/publish'));
    await settle();
    const mails = since(before);
    expect(addresses(mails)).toEqual([deal.users.buyerA.email, deal.users.buyerB.email].sort());
    const toB = mails.find(to(deal.users.buyerB.email))!;
    expect(toB.subject).toBe('New FAQ in Project Falcon');
    for (const secret of ['Bidder A', 'Alpha', deal.users.buyerA.email, 'Sale of Falcon', 'question 1']) expect(readable(toB)).not.toContain(secret);
  });

  it('a reworded FAQ is mailed in its published wording, never the subject the asker wrote', async () => {
    const asked = await deal.ask(deal.buyerA, { subject: 'Alphas covenant waiver' });
    await deal.manager.post(q(asked.id, '/assign'), { userId: deal.users2.expert.id });
    await deal.expert.post(q(asked.id, '/answer'), { body: 'No waiver is needed.' });
    await deal.manager2.post(q(asked.id, '/approve'));
    await settle();
    const before = smtp.messages.length;
    expect((await deal.manager.post(q(asked.id, '/publish'), { subject: 'Covenant waivers' })).status).toBe(200);
    await settle();
    const toB = since(before).find(to(deal.users.buyerB.email))!;
    expect(readable(toB)).toContain('Covenant waivers');
    expect(readable(toB)).not.toContain('Alphas');
  });

  it('an FAQ is not mailed to a party whose NDA coverage has ended', async () => {
    const a = await deal.answered(deal.buyerA);
    const ndas = (await deal.counsel.get(`${deal.roomPath}/ndas`)).body.items as Array<{ id: string; orgId: string }>;
    await deal.counsel.post(`${deal.roomPath}/ndas/${ndas.find((n) => n.orgId === deal.orgs.beta.id)!.id}/terminate`, { reason: 'ended' });
    await settle();
    const before = smtp.messages.length;
    await deal.manager.post(q(a.id, '/publish'));
    await settle();
    expect(addresses(since(before))).toEqual([deal.users.advisorA.email, deal.users.buyerA.email].sort());
  });
});
