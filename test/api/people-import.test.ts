import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import { ADMIN, Client, startTestApp, type TestApp } from '../support/test-app.js';

const HEADER = 'email,name,organisation,kind,role';
const PASSWORD = 'a long enough passphrase';

let t: TestApp;
let admin: Client;
const orgs = { alpha: '', lex: '', seller: '' };

// Every test starts from a fresh directory: the seller group and its admin, Alpha Capital (acquirer)
// with Anna, and Lex & Co (advisor).
beforeEach(async () => {
  t = await startTestApp();
  admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
  orgs.seller = (await admin.get('/api/orgs?kind=seller')).body.items[0].id;
  orgs.alpha = (await admin.post('/api/orgs', { name: 'Alpha Capital', kind: 'acquirer' }).expect(201)).body.id;
  orgs.lex = (await admin.post('/api/orgs', { name: 'Lex & Co', kind: 'advisor' }).expect(201)).body.id;
  await admin.post('/api/users', { email: 'anna@alpha.example', name: 'Anna Alpha', password: PASSWORD, orgId: orgs.alpha, role: 'external' }).expect(201);
});
afterEach(() => t.close());

const csv = (...lines: string[]) => Buffer.from(`${lines.join('\n')}\n`);
const importFile = (data: Buffer, name = 'people.csv', dryRun?: boolean) =>
  admin.upload(`/api/users/import${dryRun === undefined ? '' : `?dryRun=${dryRun}`}`, { data, name });

/** Everything an import may write. */
async function writtenRows() {
  const count = async (table: string) => Number((await t.db(table).count({ n: '*' }))[0].n);
  return { users: await count('users'), orgs: await count('orgs'), mail: await count('mailOutbox'), tokens: await count('accountTokens'), ledger: await count('auditEvents') };
}

const row = (n: number, email: string, name: string, organisation: string, kind: string, role: string, action: string) => ({ row: n, email, name, organisation, kind, role, action });

describe('POST /api/users/import', () => {
  it('reports what every row would do on a dry run, the default, and writes nothing', async () => {
    const before = await writtenRows();
    const res = await importFile(
      csv(
        HEADER,
        'nina@north.example,Nina North,North Capital,acquirer,external',
        'nils@north.example,Nils North,NORTH CAPITAL,Acquirer,External',
        'lea@lex.example,Léa Lex,lex & co,advisor,external',
        'Anna@Alpha.example,Anna Alpha,Alpha Capital,acquirer,external',
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      created: 1,
      invited: 2,
      unchanged: 1,
      errors: [],
      rows: [
        row(2, 'nina@north.example', 'Nina North', 'North Capital', 'acquirer', 'external', 'create'),
        row(3, 'nils@north.example', 'Nils North', 'North Capital', 'acquirer', 'external', 'invite'),
        row(4, 'lea@lex.example', 'Léa Lex', 'Lex & Co', 'advisor', 'external', 'invite'),
        row(5, 'anna@alpha.example', 'Anna Alpha', 'Alpha Capital', 'acquirer', 'external', 'unchanged'),
      ],
    });
    expect((await importFile(csv(HEADER, 'nina@north.example,Nina North,North Capital,acquirer,external'), 'people.csv', true)).body.created).toBe(1);
    expect(await writtenRows()).toEqual(before);
  });

  it('writes nothing while any row is wrong, and names the row and field of every wrong one', async () => {
    const before = await writtenRows();
    const res = await importFile(
      csv(
        HEADER,
        'gina@good.example,Gina Good,Good Partners,advisor,external',
        'not-an-email,Bad Email,Good Partners,advisor,external',
        'nameless@good.example,,Good Partners,advisor,external',
        'kim@kind.example,Kim Kind,Kind Ltd,buyer,external',
        'sara@good.example,Sara Staff,Good Partners,advisor,staff',
        'alex@alpha.example,Alex Alpha,Alpha Capital,advisor,external',
        'GINA@good.example,Gina Again,Good Partners,advisor,external',
        'sam@rival.example,Sam Seller,Rival Sellers,seller,staff',
        'anna@alpha.example,Anna Alpha,Lex & Co,advisor,external',
        'gus@good.example,Gus Good,Good Partners,acquirer,external',
        'eve@good.example,Eve External,Good Partners,advisor,admin',
      ),
      'people.csv',
      false,
    );
    expect(res.status).toBe(200);
    expect(res.body.errors.map((e: { row: number; field: string }) => [e.row, e.field])).toEqual([
      [3, 'email'],
      [4, 'name'],
      [5, 'kind'],
      [6, 'role'],
      [7, 'kind'],
      [8, 'email'],
      [9, 'organisation'],
      [10, 'email'],
      [11, 'kind'],
      [12, 'role'],
    ]);
    const messageOf = (n: number) => res.body.errors.find((e: { row: number }) => e.row === n).message;
    expect(messageOf(7)).toMatch(/acquirer/);
    expect(messageOf(8)).toMatch(/row 2/);
    expect(messageOf(9)).toMatch(/Seller Group/);
    expect(messageOf(10)).toMatch(/Alpha Capital/);
    expect(res.body.rows.map((r: { action: string }) => r.action)).toEqual(['create', ...Array(10).fill('error')]);
    expect(await writtenRows()).toEqual(before);
    expect(await t.db('users').where({ email: 'gina@good.example' }).first()).toBeUndefined();
  });

  it('creates the new organisations and invites every new person, one invitation mail each, in one go; importing again changes nothing', async () => {
    const file = csv(
      HEADER,
      'nina@north.example,Nina North,North Capital,acquirer,external',
      'nils@north.example,Nils North,north capital,acquirer,external',
      'lea@lex.example,Léa Lex,Lex & Co,advisor,external',
      'stan@seller.example,Stan Staff,Seller Group,seller,staff',
      'anna@alpha.example,Anna Alpha,Alpha Capital,acquirer,external',
      '',
      'omar@oak.example,Omar Oak,Oak Advisory,advisor,external',
    );
    const before = await writtenRows();
    const res = await importFile(file, 'people.csv', false);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 2, invited: 3, unchanged: 1, errors: [] });
    expect(res.body.rows.map((r: { row: number; action: string }) => [r.row, r.action])).toEqual([
      [2, 'create'],
      [3, 'invite'],
      [4, 'invite'],
      [5, 'invite'],
      [6, 'unchanged'],
      [8, 'create'],
    ]);

    const north = await t.db('orgs').where({ name: 'North Capital' });
    expect(north.map((o) => o.kind)).toEqual(['acquirer']);
    expect((await t.db('orgs').where({ name: 'Oak Advisory' }).first()).kind).toBe('advisor');
    const invited = await t.db('users').whereIn('email', ['nina@north.example', 'nils@north.example', 'lea@lex.example', 'stan@seller.example', 'omar@oak.example']).orderBy('email');
    expect(invited.map((u) => [u.email, u.status, u.role])).toEqual([
      ['lea@lex.example', 'invited', 'external'],
      ['nils@north.example', 'invited', 'external'],
      ['nina@north.example', 'invited', 'external'],
      ['omar@oak.example', 'invited', 'external'],
      ['stan@seller.example', 'invited', 'staff'],
    ]);
    expect(invited.find((u) => u.email === 'nils@north.example').orgId).toBe(north[0].id);
    expect(invited.find((u) => u.email === 'stan@seller.example').orgId).toBe(orgs.seller);
    const mails = await t.db('mailOutbox').where({ kind: 'invitation' }).orderBy('toAddress');
    expect(mails.map((m) => m.toAddress)).toEqual(['lea@lex.example', 'nils@north.example', 'nina@north.example', 'omar@oak.example', 'stan@seller.example']);
    expect(await t.db('accountTokens').where({ purpose: 'invitation' }).count({ n: '*' }).then((r) => Number(r[0].n))).toBe(5);
    const events = await t.db('auditEvents').where('seq', '>', before.ledger).select('action');
    expect(events.map((e) => e.action).sort()).toEqual(['org.create', 'org.create', ...Array(5).fill('user.create'), 'user.import']);

    const afterImport = await writtenRows();
    const again = await importFile(file, 'people.csv', false);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: 0, invited: 0, unchanged: 6, errors: [] });
    expect(again.body.rows.every((r: { action: string }) => r.action === 'unchanged')).toBe(true);
    expect(await writtenRows()).toEqual({ ...afterImport, ledger: afterImport.ledger + 1 }); // only the import itself is recorded
  });

  it('reads CSV separated by semicolons or tabs, with a BOM, CRLF line ends, quotes, and in UTF-16 as Excel saves "Unicode text"', async () => {
    const semicolons = Buffer.from('\ufeffEmail;Name;Organisation;Kind;Role\r\n"mia@semi.example";"Mia; Semicolon";"Semi, AG";acquirer;external\r\n', 'utf8');
    const res = await importFile(semicolons);
    expect(res.body.errors).toEqual([]);
    expect(res.body.rows).toEqual([row(2, 'mia@semi.example', 'Mia; Semicolon', 'Semi, AG', 'acquirer', 'external', 'create')]);

    const unicodeText = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('email\tname\torganisation\tkind\trole\r\nzoe@tab.example\tZoë Tab\tTab Partners\tadvisor\texternal\r\n', 'utf16le')]);
    const tabs = await importFile(unicodeText, 'people.txt');
    expect(tabs.body.errors).toEqual([]);
    expect(tabs.body.rows).toEqual([row(2, 'zoe@tab.example', 'Zoë Tab', 'Tab Partners', 'advisor', 'external', 'create')]);
  });

  it('reads a CSV saved in Windows-1252 (not valid UTF-8) with its accents intact', async () => {
    const file = Buffer.from(`${HEADER}\r\nrene@oslo.example,René Søby,Ørsted Rådgivning,advisor,external\r\n`, 'latin1');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(file)).toThrow();
    const res = await importFile(file, 'people.csv', false);
    expect(res.body.errors).toEqual([]);
    expect(res.body.rows[0]).toMatchObject({ name: 'René Søby', organisation: 'Ørsted Rådgivning' });
    expect((await t.db('users').where({ email: 'rene@oslo.example' }).first()).name).toBe('René Søby');
    expect(await t.db('orgs').where({ name: 'Ørsted Rådgivning' }).first()).toBeDefined();
  });

  it("reads an XLSX workbook's first sheet: header in any case, rich text, mailto links and formulas, row numbers as the sheet shows them", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('People');
    workbook.addWorksheet('Notes').getRow(1).values = ['not read'];
    sheet.getRow(1).values = ['Email', 'NAME', 'Organisation', 'Kind', 'Role', 'Notes'];
    sheet.getRow(2).values = [
      { text: 'xavier@excel.example', hyperlink: 'mailto:xavier@excel.example' },
      { richText: [{ text: 'Xavier ' }, { text: 'Xlsx', font: { bold: true } }] },
      'Excel Partners',
      'advisor',
      'external',
      'met in Zurich',
    ];
    sheet.getRow(4).values = ['  yara@excel.example ', 'Yara Ypsilon', 'Excel Partners', 'ADVISOR', 'external'];
    sheet.getRow(5).values = [{ formula: 'LOWER("ZED@EXCEL.EXAMPLE")', result: 'zed@excel.example' }, 'Zed Zeta', 'Lex & Co', 'advisor', 'external'];
    const data = Buffer.from(await workbook.xlsx.writeBuffer());

    const res = await importFile(data, 'people.xlsx');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      created: 1,
      invited: 2,
      unchanged: 0,
      errors: [],
      rows: [
        row(2, 'xavier@excel.example', 'Xavier Xlsx', 'Excel Partners', 'advisor', 'external', 'create'),
        row(4, 'yara@excel.example', 'Yara Ypsilon', 'Excel Partners', 'advisor', 'external', 'invite'),
        row(5, 'zed@excel.example', 'Zed Zeta', 'Lex & Co', 'advisor', 'external', 'invite'),
      ],
    });
  });

  it('names the missing columns of a wrong header, on row 1, and reads no row', async () => {
    const res = await importFile(csv('email,name,company,type,role', 'x@y.example,X Y,Z,advisor,external'));
    expect(res.status).toBe(200);
    expect(res.body.rows).toEqual([]);
    expect(res.body.errors.map((e: { row: number; field: string }) => [e.row, e.field])).toEqual([
      [1, 'organisation'],
      [1, 'kind'],
    ]);
    expect((await importFile(csv(HEADER))).body.errors).toEqual([{ row: 1, field: 'file', message: 'no rows below the header' }]);
  });

  describe('refuses a file it cannot read safely, naming the field file, and stays up', () => {
    it('a zip bomb: an XLSX whose one entry inflates to a gigabyte', async () => {
      const bomb = zipOf([{ name: 'xl/worksheets/sheet1.xml', deflated: deflatedZeros(1024), size: 2 ** 30 }]);
      expect(bomb.length).toBeLessThan(2 * 2 ** 20);
      const startedAt = Date.now();
      const res = await importFile(bomb, 'people.xlsx');
      expect(res.status).toBe(400);
      expect(res.body.error.details.file).toMatch(/unpacks to more than/);
      expect(Date.now() - startedAt).toBeLessThan(5000);
    });

    it('a zip bomb of many entries that each stay under the limit', async () => {
      const entries = Array.from({ length: 40 }, (_, i) => ({ name: `xl/media/image${i}.png`, deflated: deflatedZeros(1), size: 2 ** 20 }));
      const res = await importFile(zipOf(entries), 'people.xlsx');
      expect(res.status).toBe(400);
      expect(res.body.error.details.file).toMatch(/unpacks to more than/);
    });

    it('random bytes named .xlsx, a zip that is no workbook, random bytes named .csv, a PDF, an old .xls', async () => {
      const garbage = randomBytes(64 * 1024);
      const notXlsx = await importFile(garbage, 'people.xlsx');
      expect(notXlsx.status).toBe(400);
      expect(notXlsx.body.error.details.file).toMatch(/not a zip/);

      const notWorkbook = await importFile(zipOf([{ name: 'readme.txt', deflated: zlib.deflateRawSync(Buffer.from('hello')), size: 5 }]), 'people.xlsx');
      expect(notWorkbook.status).toBe(400);
      expect(notWorkbook.body.error.details.file).toBeDefined();

      const binary = await importFile(garbage, 'people.csv');
      expect(binary.status).toBe(415);
      expect(binary.body.error.details.file).toBeDefined();

      const pdf = await importFile(Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n'), 'people.csv');
      expect(pdf.status).toBe(415);
      expect(pdf.body.error.details.file).toMatch(/pdf/);

      const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(4096)]);
      const legacy = await importFile(xls, 'people.xls');
      expect(legacy.status).toBe(415);
      expect(legacy.body.error.details.file).toMatch(/\.xls/);

      expect((await admin.get('/api/users?q=anna')).status).toBe(200);
    });

    it('a file over 5 MB (413) or over 1,000 rows (400)', async () => {
      const huge = await importFile(Buffer.alloc(5 * 2 ** 20 + 1, 'a'), 'people.csv');
      expect(huge.status).toBe(413);
      expect(huge.body.error.details.file).toMatch(/5 MB/);

      const rows = Array.from({ length: 1_001 }, (_, i) => `p${i}@many.example,Person ${i},Many Partners,advisor,external`);
      const many = await importFile(csv(HEADER, ...rows), 'people.csv');
      expect(many.status).toBe(400);
      expect(many.body.error.details.file).toMatch(/1000 rows/);
    });

    it('no multipart body at all (415), and a dryRun that is neither true nor false (400)', async () => {
      expect((await admin.post('/api/users/import', { email: 'x@y.example' })).status).toBe(415);
      const res = await admin.upload('/api/users/import?dryRun=yes', { data: csv(HEADER), name: 'people.csv' });
      expect(res.status).toBe(400);
      expect(res.body.error.details.dryRun).toBeDefined();
    });
  });
});

/**
 * `mebibytes` of zeros, deflated without allocating them: after a full flush a deflater starts
 * afresh, so one mebibyte's flushed output repeated, then an empty final block, inflates to that
 * many mebibytes (a kilobyte each).
 */
function deflatedZeros(mebibytes: number): Buffer {
  const oneMiB = zlib.deflateRawSync(Buffer.alloc(2 ** 20), { finishFlush: zlib.constants.Z_FULL_FLUSH });
  return Buffer.concat([...Array<Buffer>(mebibytes).fill(oneMiB), zlib.deflateRawSync(Buffer.alloc(0))]);
}

/** A zip archive of deflated entries (CRCs left zero: no reader here checks them). */
function zipOf(entries: Array<{ name: string; deflated: Buffer; size: number }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const size = Math.min(entry.size, 0xfffffffe);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(entry.deflated.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(entry.deflated.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, entry.deflated);
    centrals.push(central, name);
    offset += local.length + name.length + entry.deflated.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
