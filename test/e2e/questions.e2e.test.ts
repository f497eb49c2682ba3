import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { PASSWORD } from '../support/world.js';
import { buildQuestionDeal, type QuestionDeal } from '../support/question-deal.js';
import { CHROMIUM, screenshot as takeScreenshot, signIn, startE2e, type E2eWorld } from './browser.js';

/**
 * Q&A in the browser (docs/API.md, "Q&A"): a bidder asks about a document they read; the manager
 * assigns the question to an expert, who — in a browser of their own — finds the room, answers it
 * and never learns who asked; a manager other than the answer's author approves it; the bidder reads
 * the answer; the manager publishes it as an FAQ, and the other bidder reads that FAQ with nothing of
 * who asked. A manager who drafted an answer is told another manager must approve it, and a reference
 * to a document the asking party may not view is named. The deal (people, parties, NDAs, grants, the
 * expert on the room's staff) is built through the API: it is not what this is about.
 */
let w: E2eWorld;
let deal: QuestionDeal;
const browsers: Browser[] = [];
let bidder: Page;
let expert: Page;
const otherErrors: Array<{ page: string; line: string }> = [];

const SUBJECT = 'Customer churn 2025';
// Markup a bidder types is text: it must read as typed, never run or render.
const BODY = 'What was the churn of Falcon GmbH in 2025? <img src=x onerror="window.__qaInjected=1">';
// The FAQ's own wording, as the manager rewrites the question before every party reads it.
const FAQ_BODY = 'What was the customer churn of Falcon GmbH in 2025?';
const ANSWER = 'Churn was 4 % in 2025, as the finance pack shows.';

/** A browser of its own, as a second person at a second desk, with its console watched. */
async function openBrowser(name: string): Promise<{ context: BrowserContext; page: Page }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  browsers.push(browser);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: w.baseUrl });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() !== 'error') return;
    if (msg.location().url.endsWith('/api/me') && /401/.test(msg.text())) return;
    otherErrors.push({ page: name, line: `${msg.text()} (${msg.location().url})` });
  });
  page.on('pageerror', (err) => otherErrors.push({ page: name, line: `uncaught: ${err.message}` }));
  return { context, page };
}

beforeAll(async () => {
  w = await startE2e();
  // Both bidders covered for Falcon GmbH; A may view the Finance folder, B nothing; a second manager
  // and an expert (Eva Expert) on the room's staff, added through POST /api/rooms/:roomId/staff.
  deal = await buildQuestionDeal(w.t);
  bidder = (await openBrowser('bidder')).page;
  expert = (await openBrowser('expert')).page;
}, 120_000);

afterAll(async () => {
  for (const b of browsers) await b.close();
  await w?.close();
});

afterEach(() => {
  // Every journey runs without a console error or an uncaught exception in any page.
  expect(w.consoleErrors).toEqual([]);
  expect(otherErrors).toEqual([]);
});

/** Chromium logs every 4xx answer as a console error: one the journey provokes on purpose is no fault. */
function expectRefusalLogged(errors: string[], status: number, path: RegExp) {
  const index = errors.findIndex((line) => line.includes(`status of ${status}`) && path.test(line));
  expect(index).toBeGreaterThanOrEqual(0);
  errors.splice(index, 1);
}
function expectOtherRefusalLogged(page: string, status: number, path: RegExp) {
  const index = otherErrors.findIndex((e) => e.page === page && e.line.includes(`status of ${status}`) && path.test(e.line));
  expect(index).toBeGreaterThanOrEqual(0);
  otherErrors.splice(index, 1);
}

async function screenshot(page: Page, name: string) {
  await page.mouse.move(0, 0);
  await takeScreenshot(page, name);
}

async function openQa(page: Page) {
  await page.goto(`/rooms/${deal.room.id}`);
  await page.getByRole('link', { name: 'Q&A' }).click();
}

const documentOf = async (id: string) => (await deal.manager.get(`/api/documents/${id}`)).body as { id: string; index: string; title: string };

describe('Q&A in Chromium', () => {
  it('takes a question from a bidder through an expert who never learns who asked, a second manager’s approval and an FAQ the other bidder reads', async () => {
    const finance = await documentOf(deal.docs.finance.id);

    // Bidder A reads a document and asks about it from there.
    await signIn(bidder, deal.users.buyerA.email, PASSWORD);
    await bidder.getByRole('link', { name: 'Sale of Falcon' }).click();
    await bidder.getByRole('button', { name: '1 Finance', exact: true }).click();
    await bidder.getByRole('link', { name: `View ${finance.title}` }).click();
    await bidder.getByRole('heading', { name: `${finance.index} ${finance.title}` }).waitFor();
    await bidder.getByRole('link', { name: 'Ask about this document' }).click();
    const ask = bidder.getByRole('dialog', { name: 'Ask a question' });
    expect(await ask.getByLabel('Document').inputValue()).toBe(finance.id);
    // Sent empty, the form names what is missing, under each field and in its alert.
    await ask.getByRole('button', { name: 'Send question' }).click();
    await ask.getByRole('alert').getByText('Subject: say in a line what the question is about.', { exact: false }).waitFor();
    await ask.getByLabel('Subject').fill(SUBJECT);
    await ask.getByLabel('Question').fill(BODY);
    await ask.getByLabel('Priority').selectOption('high');
    await ask.getByRole('button', { name: 'Send question' }).click();
    await bidder.getByRole('status').getByText('Question 1 sent.', { exact: false }).waitFor();
    const asked = bidder.getByRole('article', { name: `Question 1: ${SUBJECT}` });
    await asked.getByText('Open', { exact: true }).waitFor();
    await asked.getByText(BODY, { exact: true }).waitFor();
    await asked.getByRole('link', { name: `${finance.index} ${finance.title}` }).waitFor();
    expect(await bidder.evaluate(() => (window as unknown as { __qaInjected?: number }).__qaInjected)).toBeUndefined();
    expect(await asked.locator('img').count()).toBe(0);
    const question = (await deal.manager.get(deal.questionsPath)).body.items[0] as { id: string; documentId: string; priority: string };
    expect(question).toMatchObject({ documentId: finance.id, priority: 'high' });

    // The manager sees it with its party, picks it and assigns it to the expert.
    const { page } = w;
    await signIn(page, deal.users.manager.email, PASSWORD);
    await page.getByRole('link', { name: 'Sale of Falcon' }).click();
    await page.getByRole('link', { name: 'Q&A' }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: SUBJECT }) });
    await row.getByRole('cell', { name: 'Bidder A' }).waitFor();
    await row.getByText('High priority').waitFor();
    await page.getByLabel('Party').selectOption({ label: 'Bidder B' });
    await page.getByText('No question matches these filters.').waitFor();
    await page.getByLabel('Party').selectOption('');
    await page.getByLabel(`Select question 1: ${SUBJECT}`).check();
    await page.getByText('1 selected').waitFor();
    await page.getByLabel('Assign to').selectOption({ label: 'Eva Expert (expert)' });
    await page.getByRole('button', { name: 'Assign selected' }).click();
    await page.getByRole('status').getByText('Assigned 1 question to Eva Expert.').waitFor();
    await row.getByText('Assigned', { exact: true }).waitFor();
    await row.getByRole('cell', { name: 'Eva Expert' }).waitFor();

    // The export holds the question, with its party for the deal team.
    const csv = await page.context().request.get((await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href'))!);
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain(deal.parties.A.id);
    expect((await page.getByRole('link', { name: 'Export XLSX' }).getAttribute('href'))!).toMatch(/format=xlsx/);

    // The expert, at their own desk, finds the room and, in it, the question: nothing of who asked.
    await signIn(expert, deal.users2.expert.email, PASSWORD);
    await expert.getByRole('link', { name: 'Sale of Falcon' }).click();
    await expert.getByText('Expert', { exact: true }).waitFor();
    await expert.getByRole('link', { name: 'Q&A' }).click();
    await expert.getByRole('heading', { name: 'Questions assigned to you' }).waitFor();
    const expertRow = expert.getByRole('row').filter({ has: expert.getByRole('button', { name: SUBJECT }) });
    await expertRow.waitFor();
    for (const header of ['No.', 'Party', 'Assigned to']) expect(await expert.getByRole('columnheader', { name: header }).count()).toBe(0);
    expect(await expert.getByRole('link', { name: 'Documents' }).count()).toBe(0);
    await expertRow.getByRole('button', { name: SUBJECT }).click();
    const draft = expert.getByRole('dialog', { name: SUBJECT });
    await draft.getByText(BODY, { exact: true }).waitFor();
    for (const hidden of ['Bidder A', 'Alpha', deal.users.buyerA.email, 'Question 1']) expect(await draft.getByText(hidden).count()).toBe(0);
    expect(await draft.getByText('Party', { exact: true }).count()).toBe(0);
    expect(await draft.getByRole('button', { name: 'Approve answer' }).count()).toBe(0);
    await draft.getByLabel('Answer', { exact: true }).fill(ANSWER);
    await draft.getByRole('button', { name: 'Save draft answer' }).click();
    await draft.getByRole('status').getByText('Draft saved.', { exact: false }).waitFor();
    await draft.getByText('Waiting for approval by a manager other than its author', { exact: false }).waitFor();
    await draft.getByRole('button', { name: 'Close', exact: true }).click();
    await expertRow.getByText('Answer pending', { exact: true }).waitFor();

    // Until a manager approves it, the bidder sees that it is being answered, not the draft.
    await bidder.reload();
    await asked.getByText('Answer pending', { exact: true }).waitFor();
    expect(await asked.getByText(ANSWER).count()).toBe(0);

    // The manager, who did not write it, approves it.
    await page.reload();
    await row.getByRole('button', { name: SUBJECT }).click();
    const review = page.getByRole('dialog', { name: `Question 1: ${SUBJECT}` });
    await review.getByRole('heading', { name: 'Draft answer' }).waitFor();
    await review.getByText('Drafted by Eva Expert', { exact: false }).waitFor();
    await review.getByRole('button', { name: 'Approve answer' }).click();
    await review.getByRole('status').getByText('Approved. The asking party reads the answer now.').waitFor();
    await review.getByRole('heading', { name: 'Approved answer' }).waitFor();
    await screenshot(page, 'qa');

    // The bidder reads the answer.
    await bidder.reload();
    await asked.getByText('Answered', { exact: true }).waitFor();
    await asked.getByRole('group', { name: 'Answer' }).getByText(ANSWER).waitFor();

    // The manager publishes it as an FAQ, reworded: every party reads it, so nothing of the asker stays.
    await review.getByRole('button', { name: 'Publish as FAQ…' }).click();
    await review.getByLabel('FAQ question').fill(FAQ_BODY);
    await review.getByRole('button', { name: 'Publish for every party' }).click();
    await review.getByRole('status').getByText('Published as an FAQ', { exact: false }).waitFor();
    await review.getByRole('heading', { name: 'As published for every party' }).waitFor();
    await review.getByRole('button', { name: 'Close', exact: true }).click();
    await row.getByText('FAQ', { exact: true }).waitFor();

    // Bidder B reads the FAQ: the question and the answer, nothing of the party that asked.
    await signIn(bidder, deal.users.buyerB.email, PASSWORD);
    await bidder.getByRole('link', { name: 'Sale of Falcon' }).click();
    await bidder.getByRole('link', { name: 'Q&A' }).click();
    await bidder.getByText('Your party has not asked any question yet.').waitFor();
    const entry = bidder.getByRole('region', { name: 'Frequently asked questions' }).getByRole('article', { name: SUBJECT });
    await entry.getByText(FAQ_BODY, { exact: true }).waitFor();
    await entry.getByRole('group', { name: 'Answer' }).getByText(ANSWER).waitFor();
    await entry.getByText('FAQ', { exact: true }).waitFor();
    const text = await bidder.locator('main').innerText();
    for (const hidden of ['Bidder A', 'Alpha Capital', deal.users.buyerA.email, 'Question 1', 'Answered', 'High priority', BODY]) expect(text).not.toContain(hidden);
  });

  it('tells a manager who drafted an answer that another manager must approve it, and names a reference the party may not view', async () => {
    const { page } = w;
    const [finance, legal] = [await documentOf(deal.docs.finance.id), await documentOf(deal.docs.legal.id)];
    await deal.ask(deal.buyerA, { subject: 'Pending litigation', body: 'Is any claim pending against Falcon GmbH?' });
    await openQa(page);
    await page.getByRole('button', { name: 'Pending litigation' }).click();
    const dialog = page.getByRole('dialog', { name: 'Question 2: Pending litigation' });
    await dialog.getByLabel('Answer', { exact: true }).fill('No claim is pending; see the legal and finance packs.');

    // Legal is no party's: the answer cannot point Bidder A to it.
    await dialog.getByLabel('Refer to a document').selectOption({ label: `${legal.index} ${legal.title}` });
    await dialog.getByLabel('Refer to a document').selectOption({ label: `${finance.index} ${finance.title}` });
    await dialog.getByRole('button', { name: 'Save draft answer' }).click();
    const refusal = dialog.getByRole('alert');
    await refusal.getByText('The asking party may not view this document', { exact: false }).waitFor();
    await refusal.getByRole('listitem').filter({ hasText: `${legal.index} ${legal.title}` }).waitFor();
    expect(await refusal.getByText(`${finance.index} ${finance.title}`).count()).toBe(0);
    expectRefusalLogged(w.consoleErrors, 409, /\/answer\)$/);
    await dialog.getByRole('button', { name: `Remove ${legal.index} ${legal.title}` }).click();
    await dialog.getByRole('button', { name: 'Save draft answer' }).click();
    await dialog.getByRole('status').getByText('Draft saved.', { exact: false }).waitFor();

    // Four eyes: the author of the draft cannot approve it, and is told who can.
    await dialog.getByText('You drafted this answer: another manager approves it.').waitFor();
    await dialog.getByRole('button', { name: 'Approve answer' }).click();
    await dialog.getByRole('alert').getByText('Another manager must approve this answer: you wrote it', { exact: false }).waitFor();
    expectRefusalLogged(w.consoleErrors, 403, /\/approve\)$/);
    const pending = (await deal.manager.get(deal.questionsPath)).body.items.find((q: { subject: string }) => q.subject === 'Pending litigation');
    expect(pending).toMatchObject({ status: 'answer_pending', answerDocumentIds: [finance.id] });

    // The second manager approves it.
    await signIn(page, deal.users2.manager2.email, PASSWORD);
    await openQa(page);
    await page.getByRole('button', { name: 'Pending litigation' }).click();
    const second = page.getByRole('dialog', { name: 'Question 2: Pending litigation' });
    await second.getByText('Drafted by Mia Manager', { exact: false }).waitFor();
    await second.getByRole('button', { name: 'Approve answer' }).click();
    await second.getByRole('status').getByText('Approved.', { exact: false }).waitFor();

    // Bidder A reads it with a link to the document it refers to.
    await signIn(bidder, deal.users.buyerA.email, PASSWORD);
    await openQa(bidder);
    const answered = bidder.getByRole('article', { name: 'Question 2: Pending litigation' }).getByRole('group', { name: 'Answer' });
    await answered.getByRole('link', { name: `${finance.index} ${finance.title}` }).waitFor();
  });

  it('tells a bidder when their party has asked as many questions as the room allows, and lets them close one of theirs', async () => {
    expect((await deal.manager.patch(deal.roomPath, { questionLimitPerParty: 2 })).status).toBe(200);
    await bidder.reload();
    await bidder.getByRole('button', { name: 'Ask a question' }).click();
    const ask = bidder.getByRole('dialog', { name: 'Ask a question' });
    await ask.getByLabel('Subject').fill('Capex plan');
    await ask.getByLabel('Question').fill('What capex is planned for 2026?');
    await ask.getByRole('button', { name: 'Send question' }).click();
    await ask.getByRole('alert').getByText('Your party has asked 2 questions, the most this room allows.').waitFor();
    expectOtherRefusalLogged('bidder', 409, /\/questions\)$/);
    await ask.getByRole('button', { name: 'Cancel' }).click();
    expect(await bidder.getByRole('article', { name: /Capex plan/ }).count()).toBe(0);

    // The party closes a question of its own: it settles it, and a closed one frees no room for another.
    const second = bidder.getByRole('article', { name: 'Question 2: Pending litigation' });
    await second.getByRole('button', { name: 'Close question 2' }).click();
    await second.getByRole('group', { name: 'Close question 2' }).getByRole('button', { name: 'Close question' }).click();
    await bidder.getByRole('status').getByText('Closed question 2.').waitFor();
    await second.getByText('Closed', { exact: true }).waitFor();
    expect(await second.getByRole('button', { name: /^Close question/ }).count()).toBe(0);
    expect((await deal.manager.get(deal.questionsPath)).body.items.find((q: { subject: string }) => q.subject === 'Pending litigation')).toMatchObject({ status: 'closed', closedBy: deal.users.buyerA.id });
  });
});
