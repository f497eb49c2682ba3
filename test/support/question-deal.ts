import type { TestApp } from './test-app.js';
import { Client } from './test-app.js';
import { buildDeal, PASSWORD } from './world.js';

async function expectStatus<T = any>(res: PromiseLike<{ status: number; body: any }>, status: number): Promise<T> {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body as T;
}

/**
 * The deal of test/support/world.ts, set up for Q&A: both bidders covered by a confirmed NDA for
 * Falcon GmbH, party A granted the Finance folder (finance.pdf and payroll.pdf), party B nothing;
 * a second manager (for four eyes) and an expert, both seller staff of the room. Legal (legal.pdf,
 * Falcon Ltd) is no party's.
 */
export async function buildQuestionDeal(t: Pick<TestApp, 'app'>) {
  const deal = await buildDeal(t);
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true });
  await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id] });
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'view' });
  const user = (email: string, name: string) =>
    expectStatus<{ id: string; email: string }>(deal.admin.post('/api/users', { email, name, password: PASSWORD, orgId: deal.orgs.sellerOrgId, role: 'staff' }), 201);
  const manager2User = await user('manager2@seller.example', 'Max Manager');
  const expertUser = await user('expert@seller.example', 'Eva Expert');
  const expert2User = await user('expert2@seller.example', 'Enzo Expert');
  await expectStatus(deal.manager.post(`${deal.roomPath}/staff`, { userId: manager2User.id, role: 'manager' }), 201);
  await expectStatus(deal.manager.post(`${deal.roomPath}/staff`, { userId: expertUser.id, role: 'expert' }), 201);
  await expectStatus(deal.manager.post(`${deal.roomPath}/staff`, { userId: expert2User.id, role: 'expert' }), 201);
  const login = (email: string) => Client.login(t.app, email, PASSWORD);
  const buyerA = await deal.login('buyerA');
  const advisorA = await deal.login('advisorA');
  const buyerB = await deal.login('buyerB');
  const manager2 = await login(manager2User.email);
  const expert = await login(expertUser.email);
  const expert2 = await login(expert2User.email);
  const questionsPath = `${deal.roomPath}/questions`;
  /** Asks as `client` and returns the new question's body. */
  const ask = (client: Client, body: object = {}) =>
    expectStatus<{ id: string; number: number; status: string }>(client.post(questionsPath, { subject: 'Customer churn', body: 'What was the churn in 2025?', ...body }), 201);
  /** Takes a question of A's through assignment to the expert, the expert's answer and a manager's approval. */
  const answered = async (client: Client = buyerA, documentIds: string[] = []) => {
    const q = await ask(client);
    await expectStatus(deal.manager.post(`/api/questions/${q.id}/assign`, { userId: expertUser.id }), 200);
    await expectStatus(expert.post(`/api/questions/${q.id}/answer`, { body: 'Churn was 4 %.', documentIds }), 200);
    await expectStatus(deal.manager.post(`/api/questions/${q.id}/approve`), 200);
    return q;
  };
  return { ...deal, buyerA, advisorA, buyerB, manager2, expert, expert2, users2: { manager2: manager2User, expert: expertUser, expert2: expert2User }, questionsPath, ask, answered, expectStatus };
}

export type QuestionDeal = Awaited<ReturnType<typeof buildQuestionDeal>>;
