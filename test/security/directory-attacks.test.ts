import { ADMIN, Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import { ConfigError, loadConfig } from '../../server/config.js';

/**
 * The directory (people, organisations, the entity tree), the outbox and notification settings, attacked
 * by those who may not edit them and by input meant to bend them: every refusal is on the record and
 * nothing changes; no input makes the server fail.
 */

const cursorOf = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('the directory refuses everyone but admins, on the record', () => {
  let t: TestApp;
  let deal: Deal;

  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_FAILURES_PER_IP: '1000' });
    deal = await buildDeal(t);
  });
  afterAll(() => t.close());

  test('a manager, counsel or bidder editing people, organisations or entities, re-inviting or reading the outbox is refused, each refusal in the ledger', async () => {
    const invited = (await deal.admin.post('/api/users', { email: 'waiting@alpha.example', name: 'Wanda Waiting', orgId: deal.orgs.alpha.id, role: 'external' })).body;
    const mailId = (await deal.admin.get('/api/admin/mail')).body.items[0].id as string;
    const callers: Array<[string, Client]> = [
      ['manager', deal.manager],
      ['counsel', deal.counsel],
      ['buyerA', await deal.login('buyerA')],
    ];
    const attempts = [
      { action: 'user.update', call: (c: Client) => c.patch(`/api/users/${deal.users.buyerB.id}`, { name: 'Renamed by an outsider' }) },
      { action: 'user.update', call: (c: Client) => c.patch(`/api/users/${deal.users.buyerA.id}`, { orgId: deal.orgs.beta.id }) },
      { action: 'org.update', call: (c: Client) => c.patch(`/api/orgs/${deal.orgs.beta.id}`, { name: 'Renamed org' }) },
      { action: 'entity.update', call: (c: Client) => c.patch(`/api/entities/${deal.entities.gmbh.id}`, { parentId: deal.entities.outside.id }) },
      { action: 'user.invite', call: (c: Client) => c.post(`/api/users/${invited.id}/invitation`) },
      { action: 'mail.list', call: (c: Client) => c.get('/api/admin/mail') },
      { action: 'mail.read', call: (c: Client) => c.get(`/api/admin/mail/${mailId}`) },
    ];
    const mailsBefore = await t.db('mailOutbox').count({ n: '*' });
    for (const [who, client] of callers) {
      for (const attempt of attempts) {
        const seqBefore = Number((await t.db('auditEvents').max({ s: 'seq' }))[0]!.s);
        const res = await attempt.call(client);
        expect({ who, action: attempt.action, status: res.status }).toEqual({ who, action: attempt.action, status: 403 });
        const events: Array<{ actorId: string; action: string; decision: string; details: string }> = await t.db('auditEvents').where('seq', '>', seqBefore).select('actorId', 'action', 'decision', 'details');
        expect(events).toEqual([expect.objectContaining({ actorId: client.user.id, action: attempt.action, decision: 'deny' })]);
        expect(JSON.parse(events[0]!.details).reason).toBeTruthy();
      }
    }
    // Nothing changed, and no mail went out for the refused re-invitations.
    const admin = deal.admin;
    const users = (await admin.get('/api/users?limit=1000')).body.items as Array<{ id: string; name: string; orgId: string }>;
    expect(users.find((u) => u.id === deal.users.buyerB.id)!.name).toBe('Bob Beta');
    expect(users.find((u) => u.id === deal.users.buyerA.id)!.orgId).toBe(deal.orgs.alpha.id);
    expect(((await admin.get('/api/orgs?limit=1000')).body.items as Array<{ id: string; name: string }>).find((o) => o.id === deal.orgs.beta.id)!.name).toBe('Beta Holdings');
    expect(((await admin.get('/api/entities?limit=1000')).body.items as Array<{ id: string; parentId: string | null }>).find((e) => e.id === deal.entities.gmbh.id)!.parentId).toBeNull();
    expect(await t.db('mailOutbox').count({ n: '*' })).toEqual(mailsBefore);
  });

  test('fields nobody sets through the directory (role, status, email, kind, ids) are refused by name and change nothing', async () => {
    const tries = [
      { path: `/api/users/${deal.users.buyerA.id}`, body: { name: 'Anna', role: 'admin' }, field: 'role' },
      { path: `/api/users/${deal.users.buyerA.id}`, body: { name: 'Anna', status: 'active' }, field: 'status' },
      { path: `/api/users/${deal.users.buyerA.id}`, body: { name: 'Anna', email: 'anna@evil.example' }, field: 'email' },
      { path: `/api/users/${deal.users.buyerA.id}`, body: { name: 'Anna', disabledAt: null }, field: 'disabledAt' },
      { path: `/api/users/${deal.users.buyerA.id}`, body: { name: 'Anna', mfaEnabled: false }, field: 'mfaEnabled' },
      { path: `/api/orgs/${deal.orgs.alpha.id}`, body: { name: 'Alpha', kind: 'seller' }, field: 'kind' },
      { path: `/api/entities/${deal.entities.gmbh.id}`, body: { name: 'GmbH', id: deal.entities.ltd.id }, field: 'id' },
    ];
    for (const attempt of tries) {
      const res = await deal.admin.patch(attempt.path, attempt.body);
      expect({ path: attempt.path, status: res.status, field: res.body.error?.details?.[attempt.field] }).toEqual({ path: attempt.path, status: 400, field: 'unknown field' });
    }
    const anna = await t.db('users').where({ id: deal.users.buyerA.id }).first();
    expect({ role: anna.role, email: anna.email, name: anna.name, status: anna.status }).toEqual({ role: 'external', email: 'anna@alpha.example', name: 'Łukasz Ørsted', status: 'active' });
    expect((await t.db('orgs').where({ id: deal.orgs.alpha.id }).first()).kind).toBe('acquirer');
  });

  test('a bidder in a party stays in their organisation; others move only to an organisation that fits their role', async () => {
    const moveMember = await deal.admin.patch(`/api/users/${deal.users.buyerA.id}`, { orgId: deal.orgs.beta.id });
    expect(moveMember.status).toBe(409);
    // Moving an advisor into the other bidder would carry them into party B's access.
    expect((await deal.admin.patch(`/api/users/${deal.users.advisorA.id}`, { orgId: deal.orgs.beta.id })).status).toBe(409);
    const staffToBidder = await deal.admin.patch(`/api/users/${deal.users.manager.id}`, { orgId: deal.orgs.alpha.id });
    expect(staffToBidder.status).toBe(400);
    expect(staffToBidder.body.error.details.orgId).toBeDefined();
    const loose = (await deal.admin.post('/api/users', { email: 'loose@alpha.example', name: 'Lou Loose', orgId: deal.orgs.alpha.id, role: 'external', password: PASSWORD })).body;
    const toSeller = await deal.admin.patch(`/api/users/${loose.id}`, { orgId: deal.orgs.sellerOrgId });
    expect(toSeller.status).toBe(400);
    expect(toSeller.body.error.details.orgId).toBeDefined();
    const toNowhere = await deal.admin.patch(`/api/users/${loose.id}`, { orgId: 'no-such-org' });
    expect(toNowhere.status).toBe(400);
    expect(toNowhere.body.error.details.orgId).toBeDefined();
    expect((await deal.admin.patch(`/api/users/${loose.id}`, { orgId: deal.orgs.beta.id })).status).toBe(200);
    // The admin cannot demote themselves into a bidder either.
    const me = (await deal.admin.get('/api/me')).body;
    expect((await deal.admin.patch(`/api/users/${me.id}`, { orgId: deal.orgs.alpha.id })).status).toBe(400);
    expect((await t.db('users').where({ id: deal.users.buyerA.id }).first()).orgId).toBe(deal.orgs.alpha.id);
  });

  test('the entity tree never gets a cycle: under itself, under its own subsidiary, deep down a long chain, or two moves racing', async () => {
    const make = async (name: string, parentId?: string) => (await deal.admin.post('/api/entities', { name, parentId })).body as { id: string };
    const a = await make('Cycle A');
    const b = await make('Cycle B', a.id);
    const c = await make('Cycle C', b.id);
    const move = (id: string, parentId: string | null) => deal.admin.patch(`/api/entities/${id}`, { parentId });
    for (const [id, parentId] of [
      [a.id, a.id],
      [a.id, b.id],
      [a.id, c.id],
      [b.id, c.id],
    ] as const) {
      const res = await move(id, parentId);
      expect(res.status).toBe(400);
      expect(res.body.error.details.parentId).toBeDefined();
    }
    const unknown = await move(a.id, 'no-such-entity');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.parentId).toBeDefined();

    // A chain 60 deep: its root cannot go under its leaf.
    let chain = [await make('Deep 0')];
    for (let i = 1; i < 60; i++) chain = [...chain, await make(`Deep ${i}`, chain[i - 1]!.id)];
    const deep = await move(chain[0]!.id, chain[59]!.id);
    expect(deep.status).toBe(400);
    expect(deep.body.error.details.parentId).toBeDefined();

    // Two admins at once: X under Y and Y under X. One may win; never both.
    for (let round = 0; round < 5; round++) {
      const x = await make(`Race X${round}`);
      const y = await make(`Race Y${round}`);
      const [first, second] = await Promise.all([move(x.id, y.id), move(y.id, x.id)]);
      expect([first.status, second.status].sort()).toEqual([200, 400]);
    }
    // Walking up from every entity ends at a root.
    const parents = new Map(((await deal.admin.get('/api/entities?limit=1000')).body.items as Array<{ id: string; parentId: string | null }>).map((e) => [e.id, e.parentId]));
    for (const start of parents.keys()) {
      const seen = new Set<string>();
      for (let at: string | null | undefined = start; at; at = parents.get(at)) {
        expect(seen.has(at)).toBe(false);
        seen.add(at);
      }
    }
    expect((await move(c.id, null)).status).toBe(200);
  });

  test('forged paging cursors and limits get 400 naming the field on every directory list and the outbox, never a 500', async () => {
    const lists = ['/api/users', '/api/orgs', '/api/entities', '/api/admin/mail'];
    const forged = [
      'not a cursor at all!!',
      cursorOf(['only one']),
      cursorOf(['a', 'b', 'c']),
      cursorOf({ 0: 'a', 1: 'b' }),
      cursorOf([1, 2]),
      cursorOf(['a', null]),
      cursorOf('null'),
      cursorOf('"a string"'),
      cursorOf('[["a"],["b"]]'),
      cursorOf('{"__proto__":{"admin":true}}'),
      'x'.repeat(501),
      // Well-formed, but with a NUL no stored key holds (PostgreSQL fails a query comparing with one).
      cursorOf(['\u0000', '\u0000']),
      cursorOf(['a', 'b\u0000c']),
    ];
    for (const list of lists) {
      for (const cursor of forged) {
        const res = await deal.admin.get(list).query({ cursor });
        expect({ list, cursor, status: res.status, named: Boolean(res.body.error?.details?.cursor) }).toEqual({ list, cursor, status: 400, named: true });
      }
      // Two cursors (an array): still the field named, no crash.
      for (const query of ['cursor=a&cursor=b', `cursor=${cursorOf(['a', 'b'])}&cursor=${cursorOf(['c', 'd'])}`]) {
        const res = await deal.admin.get(`${list}?${query}`);
        expect({ list, query, status: res.status, named: Boolean(res.body.error?.details?.cursor) }).toEqual({ list, query, status: 400, named: true });
      }
      for (const limit of ['0', '-1', '1001', 'abc', '1.5', '']) {
        const res = await deal.admin.get(`${list}?limit=${limit}`);
        expect({ list, limit, status: res.status, named: Boolean(res.body.error?.details?.limit) }).toEqual({ list, limit, status: 400, named: true });
      }
      // A well-formed cursor the server never issued pages from wherever it points, and no further: SQL in it is data.
      for (const cursor of [cursorOf(["' OR 1=1 --", "'); drop table users; --"]), cursorOf(['\uffff', 'z']), cursorOf(['\ud800', '\udfff']), cursorOf(['2026-01-01T00:00:00.000Z', 'x'])]) {
        const res = await deal.admin.get(list).query({ cursor });
        expect({ list, status: res.status }).toEqual({ list, status: 200 });
        expect(Array.isArray(res.body.items)).toBe(true);
      }
    }
    expect(await t.db('users').where({ email: ADMIN.email }).first()).toBeDefined();
  });

  test('a cursor from one list does not page another into rows the caller may not see', async () => {
    // Staff page the people they may see; a cursor crafted to sort before everyone shows no one more.
    const all = (await deal.manager.get('/api/users?limit=1000')).body.items.map((u: { id: string }) => u.id).sort();
    const fromStart = (await deal.manager.get('/api/users').query({ cursor: cursorOf(['', '']), limit: 1000 })).body.items.map((u: { id: string }) => u.id).sort();
    expect(fromStart).toEqual(all);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await deal.manager.get('/api/users').query({ limit: 2, ...(cursor ? { cursor } : {}) });
      paged.push(...res.body.items.map((u) => u.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(paged.sort()).toEqual(all);
  });

  test('search terms with %, _ and \\ match those characters, not everything', async () => {
    for (const name of ['Wild 100% Holding', 'Wild_Under', 'WildXUnder', 'Wild\\Back', 'Wild plain']) {
      expect((await deal.admin.post('/api/entities', { name })).status).toBe(201);
      expect((await deal.admin.post('/api/orgs', { name, kind: 'advisor' })).status).toBe(201);
    }
    for (const [email, name] of [
      ['pct@wild.example', 'Wild 100% Person'],
      ['under_score@wild.example', 'Wild_Person'],
      ['underxscore@wild.example', 'WildXPerson'],
      ['back@wild.example', 'Wild\\Person'],
    ]) {
      expect((await deal.admin.post('/api/users', { email, name, orgId: deal.orgs.sellerOrgId, role: 'staff', password: PASSWORD })).status).toBe(201);
    }
    const names = async (list: string, q: string) => ((await deal.admin.get(list).query({ q, limit: 1000 })).body.items as Array<{ name: string }>).map((i) => i.name).sort();
    for (const list of ['/api/entities', '/api/orgs']) {
      expect(await names(list, '%')).toEqual(['Wild 100% Holding']);
      expect(await names(list, 'Wild_')).toEqual(['Wild_Under']);
      expect(await names(list, '_')).toEqual(['Wild_Under']);
      expect(await names(list, '\\')).toEqual(['Wild\\Back']);
      expect(await names(list, '%%')).toEqual([]);
    }
    expect(await names('/api/users', '%')).toEqual(['Wild 100% Person']);
    expect(await names('/api/users', 'wild_')).toEqual(['Wild_Person']);
    expect(await names('/api/users', 'under_')).toEqual(['Wild_Person']);
    expect(await names('/api/users', '\\')).toEqual(['Wild\\Person']);
  });

  test('notification settings take notify alone: status, role or another user\'s id are refused by name and nothing changes', async () => {
    const bidder = await deal.login('buyerB');
    const tries: Array<[object, string]> = [
      [{ notify: 'off', status: 'disabled' }, 'status'],
      [{ notify: 'off', role: 'admin' }, 'role'],
      [{ notify: 'off', userId: deal.users.buyerA.id }, 'userId'],
      [{ notify: 'off', id: deal.users.buyerA.id }, 'id'],
      [{ notify: 'off', email: 'bob@evil.example' }, 'email'],
      [{ notify: 'off', lastDigestAt: '2999-01-01T00:00:00.000Z' }, 'lastDigestAt'],
      [{ notify: 'OFF' }, 'notify'],
      [{ notify: null }, 'notify'],
      [{ notify: ['off'] }, 'notify'],
      [{ notify: { $ne: 'x' } }, 'notify'],
      [{}, 'notify'],
    ];
    for (const [body, field] of tries) {
      const res = await bidder.put('/api/me/settings', body);
      expect({ body, status: res.status, named: Boolean(res.body.error?.details?.[field]) }).toEqual({ body, status: 400, named: true });
    }
    const proto = await bidder.agent.put('/api/me/settings').set('X-CSRF-Token', (await bidder.get('/api/auth/csrf')).body.token).set('Content-Type', 'application/json').send('{"notify":"off","__proto__":{"role":"admin"}}');
    expect(proto.status).toBe(400);
    const row = await t.db('users').where({ id: deal.users.buyerB.id }).first();
    expect({ role: row.role, status: row.status, notify: row.notify, email: row.email, disabledAt: row.disabledAt, lastDigestAt: row.lastDigestAt }).toEqual({
      role: 'external',
      status: 'active',
      notify: 'immediate',
      email: 'bob@beta.example',
      disabledAt: null,
      lastDigestAt: null,
    });
    expect((await t.db('users').where({ id: deal.users.buyerA.id }).first()).notify).toBe('immediate');
    // A valid change touches the caller only.
    expect((await bidder.put('/api/me/settings', { notify: 'off' })).body).toEqual({ notify: 'off' });
    expect((await t.db('users').where({ id: deal.users.buyerA.id }).first()).notify).toBe('immediate');
  });

  test("a manager cannot pull another deal's bidder organisation into their party, and so never sees its people", async () => {
    // Another deal, run by the admin; its bidder organisation is one the manager of Falcon does not see.
    const hidden = (await deal.admin.post('/api/orgs', { name: 'Hidden Bidder Corp', kind: 'acquirer' })).body;
    const hiddenAdvisor = (await deal.admin.post('/api/orgs', { name: 'Hidden Advisor LLP', kind: 'advisor' })).body;
    const person = (await deal.admin.post('/api/users', { email: 'secret.person@hidden.example', name: 'Sid Secret', orgId: hidden.id, role: 'external', password: PASSWORD })).body;
    const room2 = (await deal.admin.post('/api/rooms', { name: 'Sale of Hidden', entityIds: [deal.entities.outside.id] })).body;
    expect((await deal.admin.post(`/api/rooms/${room2.id}/parties`, { name: 'Hidden party', acquirerOrgId: hidden.id, advisorOrgIds: [hiddenAdvisor.id] })).status).toBe(201);
    expect((await deal.manager.get('/api/orgs?limit=1000')).body.items.map((o: { id: string }) => o.id)).not.toContain(hidden.id);

    // The manager has come by the id (a screenshot, a CSV, a colleague): it must be as good as an unknown one.
    const unknown = await deal.manager.post(`${deal.roomPath}/parties`, { name: 'Pulled in', acquirerOrgId: 'no-such-org' });
    const pulled = await deal.manager.post(`${deal.roomPath}/parties`, { name: 'Pulled in', acquirerOrgId: hidden.id });
    expect(unknown.status).toBe(400);
    expect(pulled.status).toBe(unknown.status);
    expect(pulled.body.error.details).toEqual(unknown.body.error.details);
    const advisorPulled = await deal.manager.post(`${deal.roomPath}/parties`, { name: 'Pulled in', acquirerOrgId: deal.orgs.alpha.id, advisorOrgIds: [hiddenAdvisor.id] });
    expect(advisorPulled.status).toBe(400);
    const people = (await deal.manager.get('/api/users?limit=1000')).body.items.map((u: { id: string }) => u.id);
    expect(people).not.toContain(person.id);
    expect(JSON.stringify((await deal.manager.get(`/api/users?orgId=${hidden.id}`)).body)).not.toContain('secret.person');
  });
});

describe('the outbox holds mail exactly when the change happened', () => {
  let t: TestApp;
  let deal: Deal;

  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_FAILURES_PER_IP: '1000' });
    deal = await buildDeal(t);
  });
  afterAll(() => t.close());

  test('two admins inviting one address at once: one account, one invitation mail, the other told email_taken', async () => {
    const seller = deal.orgs.sellerOrgId;
    await deal.admin.post('/api/users', { email: 'second.admin@seller.example', name: 'Second Admin', orgId: seller, role: 'admin', password: PASSWORD });
    const admin2 = await Client.login(t.app, 'second.admin@seller.example', PASSWORD);
    for (let round = 0; round < 5; round++) {
      const email = `twice-${round}@alpha.example`;
      const results = await Promise.all([
        deal.admin.post('/api/users', { email, name: 'From admin one', orgId: deal.orgs.alpha.id, role: 'external' }),
        admin2.post('/api/users', { email: email.toUpperCase(), name: 'From admin two', orgId: deal.orgs.alpha.id, role: 'external' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.status === 409)!.body.error.code).toBe('email_taken');
      const users = await t.db('users').whereRaw('lower(email) = ?', [email]);
      expect(users).toHaveLength(1);
      const mails = await t.db('mailOutbox').whereRaw('lower(to_address) = ?', [email]);
      expect(mails).toHaveLength(1);
      expect(mails[0].toUserId).toBe(users[0].id);
      expect(await t.db('accountTokens').where({ userId: users[0].id })).toHaveLength(1);
    }
  });

  test('two managers inviting one new address into two parties at once: one account, one membership, one mail', async () => {
    const r = deal.roomPath;
    // Lex & Co advise party A; make them advise party B too, so one address fits both parties.
    const partyC = (await deal.manager.post(`${r}/parties`, { name: 'Bidder C', acquirerOrgId: (await deal.admin.post('/api/orgs', { name: 'Gamma Race', kind: 'acquirer' })).body.id, advisorOrgIds: [deal.orgs.lex.id] })).body;
    const manager2 = (await deal.admin.post('/api/users', { email: 'manager2@seller.example', name: 'Max Manager', orgId: deal.orgs.sellerOrgId, role: 'staff', password: PASSWORD })).body;
    expect((await deal.manager.post(`${r}/staff`, { userId: manager2.id, role: 'manager' })).status).toBe(201);
    const other = await Client.login(t.app, 'manager2@seller.example', PASSWORD);
    for (let round = 0; round < 4; round++) {
      const email = `contested-${round}@lex.example`;
      const results = await Promise.all([
        deal.manager.post(`${r}/parties/${deal.parties.A.id}/invitations`, { email, name: 'Contested', orgId: deal.orgs.lex.id }),
        other.post(`${r}/parties/${partyC.id}/invitations`, { email, name: 'Contested', orgId: deal.orgs.lex.id }),
      ]);
      const statuses = results.map((x) => x.status).sort();
      expect(statuses[0]).toBe(201);
      expect(statuses[1]).toBe(409);
      expect(['email_taken', 'party_conflict']).toContain(results.find((x) => x.status === 409)!.body.error.code);
      const users = await t.db('users').where({ email });
      expect(users).toHaveLength(1);
      expect(await t.db('partyMembers').where({ userId: users[0].id })).toHaveLength(1);
      expect(await t.db('mailOutbox').where({ toAddress: email })).toHaveLength(1);
    }
  });

  test('two managers adding one existing person to two parties at once: one wins, the other is told party_conflict', async () => {
    const r = deal.roomPath;
    const partyD = (await deal.manager.post(`${r}/parties`, { name: 'Bidder D', acquirerOrgId: (await deal.admin.post('/api/orgs', { name: 'Delta Race', kind: 'acquirer' })).body.id, advisorOrgIds: [deal.orgs.lex.id] })).body;
    for (let round = 0; round < 4; round++) {
      const lawyer = (await deal.admin.post('/api/users', { email: `lawyer-${round}@lex.example`, name: 'Lawyer', orgId: deal.orgs.lex.id, role: 'external', password: PASSWORD })).body;
      const results = await Promise.all([
        deal.manager.post(`${r}/parties/${deal.parties.A.id}/members`, { userId: lawyer.id }),
        deal.admin.post(`${r}/parties/${partyD.id}/members`, { userId: lawyer.id }),
      ]);
      expect(results.map((x) => x.status).sort()).toEqual([201, 409]);
      expect(results.find((x) => x.status === 409)!.body.error.code).toBe('party_conflict');
      expect(await t.db('partyMembers').where({ userId: lawyer.id })).toHaveLength(1);
    }
  });

  test('a refused change queues nothing: an invitation into a party refused for the organisation leaves no user and no mail', async () => {
    const before = await t.db('mailOutbox').count({ n: '*' });
    const wrongOrg = await deal.manager.post(`${deal.roomPath}/parties/${deal.parties.A.id}/invitations`, { email: 'wrong.org@beta.example', name: 'W', orgId: deal.orgs.beta.id });
    expect(wrongOrg.status).toBe(400);
    const wrongRole = await deal.admin.post('/api/users', { email: 'wrong.role@alpha.example', name: 'W', orgId: deal.orgs.alpha.id, role: 'staff' });
    expect(wrongRole.status).toBe(400);
    expect(await t.db('mailOutbox').count({ n: '*' })).toEqual(before);
    expect(await t.db('users').whereIn('email', ['wrong.org@beta.example', 'wrong.role@alpha.example'])).toHaveLength(0);
  });
});

describe('a misconfigured mail setting stops the server at start, naming the variable', () => {
  const base = { DATA_DIR: '/tmp/gatehouse-config-test' };
  const refused = (env: Record<string, string>, variable: string) => {
    let error: unknown;
    try {
      loadConfig({ ...base, ...env });
    } catch (err) {
      error = err;
    }
    expect({ env, isConfigError: error instanceof ConfigError }).toEqual({ env, isConfigError: true });
    expect((error as Error).message).toContain(variable);
  };

  test('PUBLIC_URL must be a plain http(s) base: no query, fragment, credentials or other scheme', () => {
    for (const value of [
      'https://dataroom.example.com/?next=https://evil.example',
      'https://dataroom.example.com/#x',
      'https://dataroom.example.com/?',
      'https://dataroom.example.com/#',
      'https://dataroom.example.com?',
      'https://user:secret@dataroom.example.com',
      'javascript:alert(1)//https://dataroom.example.com',
      'data:text/html,<script>alert(1)</script>',
      'ftp://dataroom.example.com',
      'file:///etc/passwd',
      '//dataroom.example.com',
      'dataroom.example.com',
      'not a url',
    ]) {
      refused({ PUBLIC_URL: value }, 'PUBLIC_URL');
    }
    expect(loadConfig({ ...base, PUBLIC_URL: 'https://dataroom.example.com/' }).mail.publicUrl).toBe('https://dataroom.example.com');
    expect(loadConfig({ ...base, PUBLIC_URL: 'https://example.com/gatehouse/' }).mail.publicUrl).toBe('https://example.com/gatehouse');
  });

  test('SMTP_URL must be smtp:// or smtps:// with a host', () => {
    for (const value of ['http://mail.example.com', 'https://mail.example.com', 'file:///var/mail', 'sendmail://localhost', 'smtp://', 'smtps:///x', 'mail.example.com:587', 'direct://']) {
      refused({ SMTP_URL: value }, 'SMTP_URL');
    }
    expect(loadConfig({ ...base, SMTP_URL: 'smtps://u:p@mail.example.com:465' }).mail.smtpUrl).toBe('smtps://u:p@mail.example.com:465');
  });

  test('MAIL_FROM must be one address: a line break cannot smuggle a header or another sender in', () => {
    for (const value of ['Gatehouse <a@example.com>\r\nBcc: spy@evil.example', 'Gatehouse <a@example.com>\nX-Evil: 1', 'no address here', 'a@example.com, b@evil.example', 'Gatehouse <a@example.com> <b@evil.example>']) {
      refused({ MAIL_FROM: value }, 'MAIL_FROM');
    }
    expect(loadConfig({ ...base, MAIL_FROM: 'Deal Room <no-reply@dataroom.example.com>' }).mail.from).toBe('Deal Room <no-reply@dataroom.example.com>');
    expect(loadConfig({ ...base, MAIL_FROM: 'no-reply@dataroom.example.com' }).mail.from).toBe('no-reply@dataroom.example.com');
    expect(loadConfig(base).mail.from).toBe('Gatehouse <no-reply@localhost>');
  });

  test('a misconfigured mail setting never echoes an SMTP password', () => {
    for (const value of ['http://user:hunter2-secret@mail.example.com', 'smtp://user:hunter2-secret@']) {
      try {
        loadConfig({ ...base, SMTP_URL: value });
        throw new Error('accepted');
      } catch (err) {
        expect((err as Error).message).not.toContain('hunter2-secret');
      }
    }
  });
});
