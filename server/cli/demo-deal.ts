import { DemoApiSession } from './demo-api-session.js';
import { renderDemoPdf, type DemoDocumentText } from './demo-documents.js';
import type { Classification, Level, PersonalData } from '../ranks.js';

/**
 * "Project Falcon": the sale of the Halvorsen group, as a newcomer should find it a minute after
 * `npm run demo`. Every name is invented; every address is under .example (RFC 2606), so nothing
 * the demo does can ever reach a real mailbox.
 */

/** One password for every demo person: printed beside each sign-in, and fine by the password policy. */
export const DEMO_PASSWORD = 'falcon-data-room';

export const DEMO_SELLER_ORG = 'Halvorsen Group';
export const DEMO_ADMIN = { email: 'admin@halvorsen.example', password: DEMO_PASSWORD };
export const DEMO_ROOM = { name: 'Sale of the Halvorsen group', codeName: 'Project Falcon' };

interface DemoPerson {
  key: 'manager' | 'counsel' | 'bidderA' | 'advisorA' | 'bidderB' | 'advisorB';
  name: string;
  email: string;
  org: 'seller' | 'northbridge' | 'whitfield' | 'castellan' | 'lindqvist';
}

const PEOPLE: DemoPerson[] = [
  { key: 'manager', name: 'Erik Lund', email: 'erik.lund@halvorsen.example', org: 'seller' },
  { key: 'counsel', name: 'Sofia Brandt', email: 'sofia.brandt@halvorsen.example', org: 'seller' },
  { key: 'bidderA', name: 'Olivia Grant', email: 'olivia.grant@northbridge.example', org: 'northbridge' },
  { key: 'advisorA', name: 'James Whitfield', email: 'james.whitfield@whitfield-crane.example', org: 'whitfield' },
  { key: 'bidderB', name: 'Lukas Meier', email: 'lukas.meier@castellan.example', org: 'castellan' },
  { key: 'advisorB', name: 'Hannah Berg', email: 'hannah.berg@lindqvist.example', org: 'lindqvist' },
];

const personOf = (key: DemoPerson['key']) => PEOPLE.find((p) => p.key === key)!;

/** Who to sign in as, and what each one finds: printed by `npm run demo` on every start. */
export const DEMO_SIGN_INS: ReadonlyArray<{ role: string; email: string; password: string; finds: string }> = [
  { role: 'admin', email: DEMO_ADMIN.email, password: DEMO_PASSWORD, finds: 'organisations, people, the entity tree; acts as manager in every room' },
  { role: 'manager', email: personOf('manager').email, password: DEMO_PASSWORD, finds: 'the whole room: folders, documents, parties, grants, disclosures' },
  { role: 'counsel', email: personOf('counsel').email, password: DEMO_PASSWORD, finds: "Castellan's NDA, waiting for confirmation (four-eyes: Erik registered it)" },
  { role: 'bidder A member', email: personOf('bidderA').email, password: DEMO_PASSWORD, finds: 'covered by a confirmed NDA: browses and downloads stamped copies' },
  { role: 'bidder A advisor', email: personOf('advisorA').email, password: DEMO_PASSWORD, finds: "covered through Northbridge's NDA (it answers for its representatives)" },
  { role: 'bidder B member', email: personOf('bidderB').email, password: DEMO_PASSWORD, finds: 'NDA not yet confirmed: sees the room and the NDA status, nothing else' },
  { role: 'bidder B advisor', email: personOf('advisorB').email, password: DEMO_PASSWORD, finds: 'the same as bidder B, until counsel confirms' },
];

const DAY = 86_400_000;

interface DemoFolder {
  name: string;
  children?: DemoFolder[];
  documents?: DemoDocument[];
}

interface DemoDocument {
  title: string;
  fileName: string;
  entity: EntityKey;
  classification: Classification;
  personalData: PersonalData;
  text: Omit<DemoDocumentText, 'issuer'>;
}

type EntityKey = 'holding' | 'precision' | 'logistics';

/** The seller group: a parent and two subsidiaries, all three targets of the room. */
const ENTITIES: Record<EntityKey, { name: string; parent?: EntityKey }> = {
  holding: { name: 'Halvorsen Holding B.V.' },
  precision: { name: 'Halvorsen Precision GmbH', parent: 'holding' },
  logistics: { name: 'Halvorsen Logistics Ltd', parent: 'holding' },
};

/**
 * The index a buyer's counsel would expect. The attributes are chosen so each party's view shows the
 * rule at work: bidder A's NDA leaves out the Logistics entity, its grant stops below
 * highly_confidential and identified personal data.
 */
const FOLDERS: DemoFolder[] = [
  {
    name: 'Corporate',
    children: [
      {
        name: 'Constitutional documents',
        documents: [
          {
            title: 'Articles of association — Halvorsen Holding B.V.',
            fileName: 'articles-halvorsen-holding.pdf',
            entity: 'holding',
            classification: 'standard',
            personalData: 'none',
            text: {
              heading: 'Articles of Association',
              paragraphs: [
                'Article 1 — Name and seat. The company bears the name Halvorsen Holding B.V. and has its corporate seat in Rotterdam, the Netherlands.',
                'Article 2 — Objects. The objects of the company are to incorporate, participate in, finance and manage other enterprises, in particular enterprises engaged in precision engineering and contract logistics.',
                'Article 3 — Capital. The issued capital amounts to EUR 18,000,000, divided into 18,000,000 ordinary shares with a nominal value of EUR 1.00 each, all held by Halvorsen Industrier AS.',
                'Article 4 — Transfer of shares. A transfer of shares requires the prior approval of the general meeting, save where the shareholder transfers all of its shares to a purchaser under a share purchase agreement approved by the management board.',
              ],
            },
          },
          {
            title: 'Articles of association — Halvorsen Precision GmbH',
            fileName: 'articles-halvorsen-precision.pdf',
            entity: 'precision',
            classification: 'standard',
            personalData: 'none',
            text: {
              heading: 'Articles of Association (Gesellschaftsvertrag)',
              paragraphs: [
                '§ 1 Company and registered office. The company trades as Halvorsen Precision GmbH with its registered office in Stuttgart, Germany.',
                '§ 2 Object. The object of the company is the design and manufacture of machined components for the automotive and aerospace industries.',
                '§ 3 Share capital. The share capital amounts to EUR 2,500,000 and is held in full by Halvorsen Holding B.V.',
              ],
            },
          },
        ],
      },
      {
        name: 'Group structure',
        documents: [
          {
            title: 'Group structure chart',
            fileName: 'group-structure.pdf',
            entity: 'holding',
            classification: 'standard',
            personalData: 'none',
            text: {
              heading: 'Group structure as at 31 December 2024',
              paragraphs: [
                'Halvorsen Holding B.V. (Rotterdam) holds 100% of Halvorsen Precision GmbH (Stuttgart) and 100% of Halvorsen Logistics Ltd (Birmingham).',
                'The perimeter of the transaction comprises the three entities above. No minority interests, joint ventures or branches exist outside this perimeter.',
              ],
            },
          },
        ],
      },
    ],
  },
  {
    name: 'Finance',
    children: [
      {
        name: 'Annual accounts',
        documents: [
          {
            title: 'Annual accounts 2024 — Halvorsen Precision GmbH',
            fileName: 'annual-accounts-2024-precision.pdf',
            entity: 'precision',
            classification: 'confidential',
            personalData: 'none',
            text: {
              heading: 'Annual accounts for the year ended 31 December 2024',
              paragraphs: [
                'Revenue EUR 84.2 million (2023: EUR 79.6 million). EBITDA EUR 11.9 million (2023: EUR 10.4 million). Net debt at year end EUR 6.1 million.',
                'The increase in revenue reflects the full-year effect of the supply agreement with Nordwerk Automotive AG and price adjustments agreed in the second quarter.',
                'The auditor issued an unqualified opinion on 14 March 2025.',
              ],
            },
          },
          {
            title: 'Annual accounts 2024 — Halvorsen Logistics Ltd',
            fileName: 'annual-accounts-2024-logistics.pdf',
            entity: 'logistics',
            classification: 'confidential',
            personalData: 'none',
            text: {
              heading: 'Annual report and financial statements 2024',
              paragraphs: [
                'Turnover GBP 31.4 million (2023: GBP 33.0 million). Operating profit GBP 2.2 million. The decline in turnover follows the end of a warehousing contract in Coventry.',
                'The directors consider the company a going concern; the parent has confirmed its support for at least twelve months from the date of approval.',
              ],
            },
          },
        ],
      },
      {
        name: 'Management accounts',
        documents: [
          {
            title: 'Management accounts Q1 2025',
            fileName: 'management-accounts-q1-2025.pdf',
            entity: 'holding',
            classification: 'highly_confidential',
            personalData: 'none',
            text: {
              heading: 'Group management accounts, first quarter 2025',
              paragraphs: [
                'Group revenue for the quarter EUR 29.8 million, 4% ahead of budget. Order intake EUR 33.1 million, of which EUR 9.4 million from new aerospace programmes.',
                'Forecast for the full year: revenue EUR 121 million, EBITDA EUR 15.3 million. These figures are unaudited and must not be relied on without the vendor due diligence report.',
              ],
            },
          },
        ],
      },
    ],
  },
  {
    name: 'Commercial',
    documents: [
      {
        title: 'Supply agreement with Nordwerk Automotive AG',
        fileName: 'supply-agreement-nordwerk.pdf',
        entity: 'precision',
        classification: 'confidential',
        personalData: 'none',
        text: {
          heading: 'Framework supply agreement',
          paragraphs: [
            'Between Nordwerk Automotive AG (the Customer) and Halvorsen Precision GmbH (the Supplier), dated 2 May 2023, for a term of five years.',
            'Clause 14 — Change of control. The Customer may terminate this agreement on six months notice if a competitor of the Customer acquires control of the Supplier.',
            'Clause 9 — Pricing. Prices are adjusted annually by the index of steel and aluminium prices, capped at 6% per year.',
          ],
        },
      },
    ],
  },
  {
    name: 'People',
    documents: [
      {
        title: 'Headcount and payroll summary',
        fileName: 'headcount-summary.pdf',
        entity: 'precision',
        classification: 'confidential',
        personalData: 'pseudonymised',
        text: {
          heading: 'Headcount and payroll by function, 31 March 2025',
          paragraphs: [
            'Production 312 FTE; engineering 58 FTE; sales and administration 41 FTE. Employees are listed by personnel reference only (E-1001 to E-1411).',
            'Total personnel costs 2024: EUR 27.3 million, of which variable pay EUR 1.8 million.',
          ],
        },
      },
      {
        title: 'Key employee list',
        fileName: 'key-employees.pdf',
        entity: 'precision',
        classification: 'confidential',
        personalData: 'identified',
        text: {
          heading: 'Key employees and their terms',
          paragraphs: [
            'Dr. Anja Keller, Managing Director: notice period 12 months, change-of-control bonus of one annual salary.',
            'Tobias Roth, Head of Engineering: notice period 6 months, non-compete of 12 months after termination.',
          ],
        },
      },
    ],
  },
];

/** What each party may reach, on top of what its NDA covers. */
const GRANTS: Array<{ party: 'A' | 'B'; folder: string | null; level: Level; maxClassification: Classification; maxPersonalData: PersonalData }> = [
  { party: 'A', folder: null, level: 'download', maxClassification: 'confidential', maxPersonalData: 'pseudonymised' },
  { party: 'A', folder: 'Corporate', level: 'original', maxClassification: 'standard', maxPersonalData: 'none' },
  { party: 'B', folder: null, level: 'view', maxClassification: 'standard', maxPersonalData: 'none' },
];

/**
 * Builds the deal through the HTTP API of the Gatehouse at `baseUrl`, signed in as the people who
 * would do each step: the admin sets up the directory, the manager the room, counsel the NDAs.
 * The first admin must exist (ADMIN_EMAIL/ADMIN_PASSWORD at start-up); nothing else may.
 */
export async function buildDemoDeal(baseUrl: string, now = new Date()): Promise<{ roomId: string }> {
  const at = (offsetDays: number) => new Date(now.getTime() + offsetDays * DAY).toISOString();
  const admin = await DemoApiSession.signIn(baseUrl, DEMO_ADMIN.email, DEMO_ADMIN.password);

  const orgs = {
    seller: admin.user.orgId,
    northbridge: (await admin.post<{ id: string }>('/api/orgs', { name: 'Northbridge Capital Partners', kind: 'acquirer' })).id,
    whitfield: (await admin.post<{ id: string }>('/api/orgs', { name: 'Whitfield & Crane LLP', kind: 'advisor' })).id,
    castellan: (await admin.post<{ id: string }>('/api/orgs', { name: 'Castellan Industries AG', kind: 'acquirer' })).id,
    lindqvist: (await admin.post<{ id: string }>('/api/orgs', { name: 'Lindqvist Corporate Finance AB', kind: 'advisor' })).id,
  };
  const userIds = {} as Record<DemoPerson['key'], string>;
  for (const person of PEOPLE) {
    const role = person.org === 'seller' ? 'staff' : 'external';
    const user = await admin.post<{ id: string }>('/api/users', { email: person.email, name: person.name, password: DEMO_PASSWORD, orgId: orgs[person.org], role });
    userIds[person.key] = user.id;
  }
  const entityIds = {} as Record<EntityKey, string>;
  // Parents first: the tree is built top-down, as an admin would enter it.
  for (const key of ['holding', 'precision', 'logistics'] as const) {
    const { name, parent } = ENTITIES[key];
    entityIds[key] = (await admin.post<{ id: string }>('/api/entities', { name, ...(parent ? { parentId: entityIds[parent] } : {}) })).id;
  }

  const manager = await DemoApiSession.signIn(baseUrl, personOf('manager').email, DEMO_PASSWORD);
  const room = await manager.post<{ id: string }>('/api/rooms', { ...DEMO_ROOM, entityIds: Object.values(entityIds) });
  const roomPath = `/api/rooms/${room.id}`;
  await manager.post(`${roomPath}/staff`, { userId: userIds.counsel, role: 'counsel' });
  const parties = {
    A: await manager.post<{ id: string }>(`${roomPath}/parties`, { name: 'Bidder A — Northbridge', acquirerOrgId: orgs.northbridge, advisorOrgIds: [orgs.whitfield] }),
    B: await manager.post<{ id: string }>(`${roomPath}/parties`, { name: 'Bidder B — Castellan', acquirerOrgId: orgs.castellan, advisorOrgIds: [orgs.lindqvist] }),
  };
  await manager.post(`${roomPath}/parties/${parties.A.id}/members`, { userId: userIds.bidderA });
  await manager.post(`${roomPath}/parties/${parties.A.id}/members`, { userId: userIds.advisorA });
  await manager.post(`${roomPath}/parties/${parties.B.id}/members`, { userId: userIds.bidderB });
  await manager.post(`${roomPath}/parties/${parties.B.id}/members`, { userId: userIds.advisorB });

  const folderIds = new Map<string, string>();
  const addFolders = async (folders: DemoFolder[], parentId?: string) => {
    for (const folder of folders) {
      const { id } = await manager.post<{ id: string }>(`${roomPath}/folders`, { name: folder.name, ...(parentId ? { parentId } : {}) });
      folderIds.set(folder.name, id);
      for (const document of folder.documents ?? []) {
        const data = await renderDemoPdf({ issuer: ENTITIES[document.entity].name, ...document.text });
        await manager.upload(
          `${roomPath}/documents`,
          { data, name: document.fileName, type: 'application/pdf' },
          { folderId: id, entityId: entityIds[document.entity], title: document.title, classification: document.classification, personalData: document.personalData },
        );
      }
      await addFolders(folder.children ?? [], id);
    }
  };
  await addFolders(FOLDERS);
  // Uploads may start as drafts (staged disclosure); the demo's documents are there to be seen.
  const listed = await manager.get<{ items: Array<{ id: string; status?: string }> }>(`${roomPath}/documents?limit=1000`);
  const drafts = listed.items.filter((d) => d.status === 'draft').map((d) => d.id);
  if (drafts.length > 0) await manager.post(`${roomPath}/publish`, { documentIds: drafts }, 200);

  for (const grant of GRANTS) {
    await manager.post(`${roomPath}/grants`, {
      partyId: parties[grant.party].id,
      folderId: grant.folder === null ? null : folderIds.get(grant.folder)!,
      level: grant.level,
      maxClassification: grant.maxClassification,
      maxPersonalData: grant.maxPersonalData,
      expiresAt: null,
    });
  }

  // The manager registers every NDA and counsel decides on it: the registrant never confirms.
  const counsel = await DemoApiSession.signIn(baseUrl, personOf('counsel').email, DEMO_PASSWORD);
  const registerNda = async (nda: { counterparty: string; orgId: string; kind: 'nda' | 'joinder'; signedDaysAgo: number; entities: EntityKey[]; coversRepresentatives: boolean }) => {
    const covered = nda.entities.map((key) => ENTITIES[key].name);
    const data = await renderDemoPdf({
      issuer: ENTITIES.holding.name,
      heading: nda.kind === 'joinder' ? 'Joinder to the confidentiality agreement' : 'Confidentiality agreement',
      paragraphs: [
        `Between ${covered.join(', ')} (together the Disclosing Parties) and ${nda.counterparty} (the Recipient), in connection with a possible acquisition referred to as Project Falcon.`,
        `The Recipient shall keep the Confidential Information secret, use it solely to evaluate the transaction${nda.coversRepresentatives ? ' and disclose it only to its Representatives, for whose compliance it remains responsible' : ''}.`,
        'This agreement remains in force for two years from its effective date. Signed by both parties.',
      ],
    });
    return manager.upload<{ id: string }>(`${roomPath}/ndas`, { data, name: `${nda.kind}-${nda.counterparty.toLowerCase().replace(/[^a-z]+/g, '-')}.pdf`, type: 'application/pdf' }, {
      orgId: nda.orgId,
      kind: nda.kind,
      signedAt: at(-nda.signedDaysAgo),
      effectiveAt: at(-nda.signedDaysAgo),
      expiresAt: at(-nda.signedDaysAgo + 2 * 365),
      entityIds: nda.entities.map((key) => entityIds[key]),
      coversRepresentatives: nda.coversRepresentatives,
    });
  };
  // Bidder A: confirmed, for the holding and the Precision GmbH (not the Logistics Ltd), its advisors included.
  const northbridgeNda = await registerNda({ counterparty: 'Northbridge Capital Partners', orgId: orgs.northbridge, kind: 'nda', signedDaysAgo: 21, entities: ['holding', 'precision'], coversRepresentatives: true });
  await counsel.post(`${roomPath}/ndas/${northbridgeNda.id}/confirm`, {}, 200);
  // A joinder of bidder A's law firm, confirmed and later terminated: Northbridge's NDA already answers for it.
  const whitfieldJoinder = await registerNda({ counterparty: 'Whitfield & Crane LLP', orgId: orgs.whitfield, kind: 'joinder', signedDaysAgo: 20, entities: ['holding', 'precision'], coversRepresentatives: false });
  await counsel.post(`${roomPath}/ndas/${whitfieldJoinder.id}/confirm`, {}, 200);
  await counsel.post(`${roomPath}/ndas/${whitfieldJoinder.id}/terminate`, { reason: "Withdrawn at Northbridge's request: its NDA covers its representatives." }, 200);
  // Bidder B: signed and registered, waiting for counsel — the first thing counsel sees.
  await registerNda({ counterparty: 'Castellan Industries AG', orgId: orgs.castellan, kind: 'nda', signedDaysAgo: 2, entities: ['holding', 'precision', 'logistics'], coversRepresentatives: true });

  // One real delivery, so the disclosure register, the audit trail and tracing have something to show.
  const bidderA = await DemoApiSession.signIn(baseUrl, personOf('bidderA').email, DEMO_PASSWORD);
  const visible = await bidderA.get<{ items: Array<{ id: string; title: string }> }>(`${roomPath}/documents`);
  const structureChart = visible.items.find((d) => d.title === 'Group structure chart');
  if (!structureChart) throw new Error('bidder A does not see the group structure chart: the demo deal is not what it should be');
  await bidderA.get(`/api/documents/${structureChart.id}/content`);

  return { roomId: room.id };
}
