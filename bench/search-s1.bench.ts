/*
 * S1 of docs/quality.md: full-text search in a room of 10,000 documents with 200,000 pages of text,
 * by an advisor of a party with 20 grants: p95 < 50 ms on SQLite and on PostgreSQL, ranked, with the
 * access rule's filter in the same query.
 *
 * The room is P1's (bench/load-p1.bench.ts: 500 folders, the grants on 20 of its 50 top folders);
 * each document gets 20 pages of ~250 words written straight into the page-text index
 * (document_pages), as the text indexer writes them. The words are drawn from a vocabulary of 20,000
 * with Zipf's law (the k-th word about 1/k as often as the first), as in written language: a few
 * words are on nearly every page, most are rare; a few percent of the words are set phrases of a
 * contract ("change of control", "purchase price"). Each query kind rotates over several queries:
 * - a rare word (one of the vocabulary's last: on ~0.1% of pages);
 * - a common word ("agreement", "company"…: on more than half the pages, the hard case, where every
 *   match of the word is a candidate for the ranking);
 * - two words (each on a third to a quarter of the pages);
 * - a quoted phrase (on a tenth to a quarter of the pages, its words on nearly all of them);
 * each at the API's default page of 20 and at a page of 100, with autocannon against a real server
 * process (GET /api/rooms/:id/search with a bearer token). Baseline in the same run: GET /api/me with
 * the same token. Each query kind's SQL is checked with EXPLAIN: pages are reached through the text
 * index and documents by their key, never by scanning either table; and one answer of each is
 * checked: a full page, of documents the advisor may view only.
 * Runs alone with `npm run bench -- search`; BENCH_S1_DOCUMENTS shrinks the room (pages follow).
 */
import fs from 'node:fs';
import { startServerProcess } from '../test/reliability/support/server-process.js';
import { isPostgres, readerOf, type Db } from '../server/db.js';
import { writeDocumentPages } from '../server/search/text-index.js';
import { explainQuery, measure, openSeedingApp, postgresSchema, seedRoom } from './load-p1.bench.js';
import type { BenchFigure } from './bench-figure.js';

export const name = 'search';

const DOCUMENTS = Number(process.env.BENCH_S1_DOCUMENTS ?? 10_000);
const PAGES_PER_DOCUMENT = 20;
const WORDS_PER_PAGE = 250;
const VOCABULARY = 20_000;
/** Of every hundred words written, about this many start a set phrase instead. */
const PHRASE_PERCENT = 2;
const SECONDS = Number(process.env.BENCH_S1_SECONDS ?? 10);
const TARGET_MS = 50;

/** The most frequent words, most frequent first: the function words, then a contract's. */
const COMMON_WORDS = `the of and to in a shall be or any by for with such on as this that is its
  agreement company purchaser seller parties shares date price closing party
  completion time business obligations rights period terms respect group relevant consent written
  notice accordance provided information payment amount extent law subject including liability
  under without prior applicable warranties claims pursuant costs accounts property relating
  material adverse change control purchase assets employees tax limited provisions
  member director directors contract contracts schedule clause section fees interest day days
  month year accounting financial statements standard reasonable consideration transaction
  transactions security securities loan debt bank account indemnity escrow insurance pension plan
  benefit employee employment lease premises real estate intellectual licence licensed software
  data protection personal processing regulatory authority court proceedings dispute arbitration
  governing jurisdiction confidential disclosure letter disclosed knowledge breach damages loss
  losses termination terminate effective valid binding execution counterparts amendment waiver
  assignment successors third notices addresses email delivery entire severability`.split(/\s+/);

/** Set phrases of a contract, most frequent first (after these, phrases made of vocabulary words). */
const SET_PHRASES = [
  'subject to', 'in accordance with', 'change of control', 'to the extent', 'purchase price', 'material adverse change',
  'limitation of liability', 'governing law', 'working capital', 'intellectual property rights', 'effective date',
  'notwithstanding the foregoing', 'reasonable endeavours', 'termination for convenience', 'sole discretion',
  'without prejudice', 'force majeure', 'completion accounts', 'locked box', 'warranty and indemnity insurance',
  'ordinary course of business', 'conditions precedent', 'long stop date', 'events of default', 'net debt',
  'deed of adherence', 'transitional services agreement', 'key employees', 'data room', 'fairly disclosed',
];
const PHRASES = 200;

// Query kinds: vocabulary ranks (0 = the most frequent word) or phrase ranks.
const RARE_RANKS = Array.from({ length: 20 }, (_, i) => VOCABULARY - 1 - i * 37);
const COMMON_RANKS = Array.from({ length: 10 }, (_, i) => 20 + i);
const PAIR_RANKS: Array<[number, number]> = Array.from({ length: 10 }, (_, i) => [40 + i, 60 + 2 * i]);
const PHRASE_RANKS = [2, 3, 4, 5, 6, 7, 8, 9];

/** mulberry32: a small seeded generator, so every run searches the same text. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** VOCABULARY words: COMMON_WORDS first, then made-up words of two to four syllables (none of them a common word). */
function vocabulary(rand: () => number): string[] {
  const syllables = 'ba be bi bo bu ca ce co da de di do du fa fe fi fo ga ge go ka ke ki ko la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo za zo bra dre fli gro kla pre stu tor van mer lin das kor sel tim ban'.split(' ');
  const words = [...COMMON_WORDS];
  const seen = new Set(words);
  while (words.length < VOCABULARY) {
    let w = '';
    const n = 2 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) w += syllables[Math.floor(rand() * syllables.length)];
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  return words;
}

/** Draws ranks 0…n-1 with probability ∝ 1/(rank+1) (Zipf's law, exponent 1). */
function zipf(n: number, rand: () => number): () => number {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cumulative[k] = sum += 1 / (k + 1);
  return () => {
    const x = rand() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

interface Corpus {
  words: string[];
  phrases: string[];
  /** Writes the text of the next page. */
  page(): string;
  /** How many pages written so far hold vocabulary word `rank` (query words only), phrase `rank`, or both words of a pair. */
  pagesWithWord: Map<number, number>;
  pagesWithPhrase: Map<number, number>;
  pagesWithPair: Map<string, number>;
  pages: number;
}

function corpus(): Corpus {
  const rand = random(20261212);
  const words = vocabulary(rand);
  const phrases = [...SET_PHRASES];
  while (phrases.length < PHRASES) {
    const n = 2 + Math.floor(rand() * 2);
    phrases.push(Array.from({ length: n }, () => words[50 + Math.floor(rand() * 3000)]).join(' '));
  }
  const nextWord = zipf(VOCABULARY, rand);
  const nextPhrase = zipf(PHRASES, rand);
  const counted = new Set([...RARE_RANKS, ...COMMON_RANKS, ...PAIR_RANKS.flat()]);
  const lastPageOf = new Int32Array(VOCABULARY).fill(-1);
  const lastPageOfPhrase = new Int32Array(PHRASES).fill(-1);
  const c: Corpus = {
    words,
    phrases,
    pagesWithWord: new Map([...counted].map((r) => [r, 0])),
    pagesWithPhrase: new Map(PHRASE_RANKS.map((r) => [r, 0])),
    pagesWithPair: new Map(PAIR_RANKS.map((p) => [p.join(','), 0])),
    pages: 0,
    page() {
      const pageNo = c.pages++;
      const out: string[] = [];
      let sentence = 0;
      while (out.length < WORDS_PER_PAGE) {
        let text: string;
        if (rand() * 100 < PHRASE_PERCENT) {
          const p = nextPhrase();
          text = phrases[p];
          if (c.pagesWithPhrase.has(p) && lastPageOfPhrase[p] !== pageNo) c.pagesWithPhrase.set(p, c.pagesWithPhrase.get(p)! + 1);
          lastPageOfPhrase[p] = pageNo;
        } else {
          const w = nextWord();
          text = words[w];
          if (counted.has(w) && lastPageOf[w] !== pageNo) c.pagesWithWord.set(w, c.pagesWithWord.get(w)! + 1);
          lastPageOf[w] = pageNo;
        }
        // Sentences of 8 to 30 words, capitalised, with a full stop.
        if (sentence === 0) text = text[0].toUpperCase() + text.slice(1);
        sentence += 1;
        if (sentence > 8 && rand() < 0.06) {
          text += '.';
          sentence = 0;
        }
        out.push(text);
      }
      for (const [a, b] of PAIR_RANKS) if (lastPageOf[a] === pageNo && lastPageOf[b] === pageNo) c.pagesWithPair.set(`${a},${b}`, c.pagesWithPair.get(`${a},${b}`)! + 1);
      return `${out.join(' ')}.`;
    },
  };
  return c;
}

interface QueryKind {
  key: string;
  what: string;
  queries: string[];
  /** Share of the pages the queries match, the least and the most. */
  share: [number, number];
}

function queryKinds(c: Corpus): QueryKind[] {
  const share = (counts: number[]): [number, number] => [Math.min(...counts) / c.pages, Math.max(...counts) / c.pages];
  return [
    { key: 'rare', what: 'a rare word', queries: RARE_RANKS.map((r) => c.words[r]), share: share(RARE_RANKS.map((r) => c.pagesWithWord.get(r)!)) },
    { key: 'common', what: 'a common word', queries: COMMON_RANKS.map((r) => c.words[r]), share: share(COMMON_RANKS.map((r) => c.pagesWithWord.get(r)!)) },
    { key: 'two', what: 'two words', queries: PAIR_RANKS.map(([a, b]) => `${c.words[a]} ${c.words[b]}`), share: share(PAIR_RANKS.map((p) => c.pagesWithPair.get(p.join(','))!)) },
    { key: 'phrase', what: 'a quoted phrase', queries: PHRASE_RANKS.map((r) => `"${c.phrases[r]}"`), share: share(PHRASE_RANKS.map((r) => c.pagesWithPhrase.get(r)!)) },
  ];
}

const percent = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 2 : 0)}%`;

interface Seeded {
  dataDir: string;
  databaseUrl?: string;
  roomPath: string;
  token: string;
  kinds: QueryKind[];
  pages: number;
  /** The documents the advisor may view: those in granted folders. */
  visible: Set<string>;
  plans: Map<string, string[]>;
  drop(): Promise<void>;
}

/** Writes the corpus's pages for `documents` into the page-text index, as the text indexer stores them. */
async function writePages(db: Db, documents: Array<{ id: string }>, c: Corpus): Promise<void> {
  const PER_TRANSACTION = 10_000; // pages
  let rows: Array<{ documentId: string; page: number; text: string }> = [];
  const flush = async () => {
    await db.transaction((trx) => writeDocumentPages(trx, rows));
    rows = [];
  };
  for (const d of documents) {
    for (let page = 1; page <= PAGES_PER_DOCUMENT; page++) rows.push({ documentId: d.id, page, text: c.page() });
    if (rows.length >= PER_TRANSACTION) await flush();
  }
  await flush();
}

/** The SQL of the search request's page queries (where the ranked window starts, the ranking), as sent, with their bindings. */
async function searchQueriesOf(db: Db, request: () => Promise<unknown>): Promise<Array<{ sql: string; bindings: unknown[] }>> {
  const seen: Array<{ sql: string; bindings: unknown[] }> = [];
  const listener = (q: { sql: string; bindings?: unknown[] }) => seen.push({ sql: q.sql, bindings: [...(q.bindings ?? [])] });
  // A search reads its pages on SQLite's read connections (server/db.ts readerOf).
  const dbs = [...new Set([db, readerOf(db)])];
  for (const d of dbs) d.on('query', listener);
  try {
    await request();
  } finally {
    for (const d of dbs) d.off('query', listener);
  }
  const queries = seen.filter((q) => /document_pages/i.test(q.sql) && /order by/i.test(q.sql) && /limit/i.test(q.sql));
  if (queries.length === 0) throw new Error('no ranked page query seen');
  return queries;
}

/** A full scan of the page texts or of documents is what S1 must never need. */
const scansTables = (plan: string[]) =>
  plan.some((line) => /^SCAN (documents|document_pages|document_page_keys)\b(?! (USING|VIRTUAL))/.test(line.trim()) || /Seq Scan on (documents|document_pages)\b/.test(line));

export async function seed(databaseUrl: string | undefined, drop: () => Promise<void>): Promise<Seeded> {
  const { dataDir, db, base, close } = await openSeedingApp('gatehouse-bench-s1-', databaseUrl);
  try {
    const room = await seedRoom(db, base, DOCUMENTS);
    const c = corpus();
    const started = Date.now();
    await writePages(db, room.documents, c);
    // Fresh statistics, and for PostgreSQL the GIN index's pending entries merged, as autovacuum leaves a live database.
    if (isPostgres(db)) await db.raw('vacuum analyze');
    else await db.raw('analyze');
    console.log(`S1 ${isPostgres(db) ? 'PostgreSQL' : 'SQLite'}: ${c.pages} pages written and indexed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const kinds = queryKinds(c);
    const granted = new Set(room.grantedFolderIds);
    const visible = new Set(room.documents.filter((d) => granted.has(d.folderId)).map((d) => d.id));
    const plans = new Map<string, string[]>();
    for (const kind of kinds) {
      const queries = await searchQueriesOf(db, () => room.advisor.get(`${room.roomPath}/search?q=${encodeURIComponent(kind.queries[0])}&limit=100`));
      const plan: string[] = [];
      for (const query of queries) plan.push(...(await explainQuery(db, query)));
      plans.set(kind.key, plan);
    }
    return { dataDir, databaseUrl, roomPath: room.roomPath, token: room.token, kinds, pages: c.pages, visible, plans, drop };
  } finally {
    await close();
  }
}

/** One answer of each query: a full page, only of documents the advisor may view. */
async function checkAnswer(base: string, seeded: Seeded, q: string, limit: number): Promise<string | null> {
  const res = await fetch(`${base}${seeded.roomPath}/search?q=${encodeURIComponent(q)}&limit=${limit}`, { headers: { authorization: `Bearer ${seeded.token}` } });
  if (res.status !== 200) return `status ${res.status}`;
  const body = (await res.json()) as { items: Array<{ documentId: string }> };
  if (body.items.length !== limit) return `${body.items.length} results, not a full page of ${limit}`;
  if (body.items.some((h) => !seeded.visible.has(h.documentId))) return 'a document the advisor may not view';
  return null;
}

async function runOn(label: 'SQLite' | 'PostgreSQL', seeded: Seeded): Promise<BenchFigure[]> {
  const server = await startServerProcess({ ...(seeded.databaseUrl ? { DATABASE_URL: seeded.databaseUrl } : {}), LOG_LEVEL: 'warn' }, { dataDir: seeded.dataDir });
  try {
    const baseline = await measure(server.base, seeded.token, () => '/api/me', { seconds: SECONDS });
    const figures: BenchFigure[] = [];
    for (const limit of [20, 100]) {
      for (const kind of seeded.kinds) {
        const wrong = (await Promise.all(kind.queries.map((q) => checkAnswer(server.base, seeded, q, limit)))).find((w) => w !== null) ?? null;
        let n = 0;
        const m = await measure(server.base, seeded.token, () => `${seeded.roomPath}/search?q=${encodeURIComponent(kind.queries[n++ % kind.queries.length])}&limit=${limit}`, { seconds: SECONDS });
        const plan = seeded.plans.get(kind.key)!;
        const [least, most] = kind.share;
        figures.push({
          id: 'S1',
          what: `search ${kind.what} (on ${percent(least)}–${percent(most)} of pages), page of ${limit}, on ${label} (${DOCUMENTS} documents, ${seeded.pages} pages, 20 grants)`,
          figure: `p95 ${m.p95.toFixed(1)} ms over ${m.requests} requests, ${m.errors} errors`,
          baseline: `GET /api/me p95 ${baseline.p95.toFixed(1)} ms`,
          ratio: m.p95 / baseline.p95,
          ratioText: `${(m.p95 / baseline.p95).toFixed(1)}× the baseline`,
          target: `p95 < ${TARGET_MS} ms, 0 errors, full pages of visible documents only, no table scan`,
          met: m.p95 < TARGET_MS && m.errors === 0 && wrong === null && !scansTables(plan),
          details: { queries: kind.queries, pageShare: kind.share, wrongAnswer: wrong, plan, scansTables: scansTables(plan), seconds: SECONDS },
        });
      }
    }
    return figures;
  } finally {
    await server.stop();
    await seeded.drop();
    fs.rmSync(seeded.dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchFigure[]> {
  const figures = await runOn('SQLite', await seed(undefined, async () => undefined));
  const pg = await postgresSchema();
  if (pg) figures.push(...(await runOn('PostgreSQL', await seed(pg.url, pg.drop))));
  else console.log('S1 on PostgreSQL skipped: the bench database does not answer');
  return figures;
}
