import fs from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { ELF_BYTES, makePdf } from '../support/fixtures.js';
import { storedObjectKeys } from '../support/stored-objects.js';
import { buildZip, crc32, deflatedZeros, zipOf, type ZipEntrySpec } from '../support/zip-files.js';
import { isPostgres } from '../../server/db.js';

let t: TestApp;
let deal: Deal;
let pdf: Buffer;

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  pdf = await makePdf('A harmless page');
}, 60_000);
afterAll(() => t.close());

const MiB = 1024 * 1024;

const post = (zip: Buffer, name = 'upload.zip') =>
  deal.manager.upload(`${deal.roomPath}/imports`, { data: zip, name }, {
    folderId: deal.folders.legal.id,
    entityId: deal.entities.gmbh.id,
    classification: 'standard',
    personalData: 'none',
  });

/** Everything an import could leave behind: rows, stored objects, the spooled ZIP. */
async function footprint() {
  const count = async (table: string) => Number((await t.db(table).count({ n: '*' }).first())!.n);
  const spool = path.join(t.dataDir, 'tmp', 'imports');
  return {
    documents: await count('documents'),
    versions: await count('documentVersions'),
    renditions: await count('stampRenditions'),
    folders: await count('folders'),
    objects: storedObjectKeys(t).sort(),
    spooled: fs.existsSync(spool) ? fs.readdirSync(spool) : [],
  };
}

/** Posts the ZIP, expects the refusal, and that the room, the store and the data dir are as before. */
async function expectRefused(zip: Buffer, status: number, details: Record<string, unknown>, name?: string) {
  const before = await footprint();
  const res = await post(zip, name);
  expect({ status: res.status, details: res.body.error?.details }).toEqual({ status, details });
  expect(res.body.error.message).toEqual(expect.any(String));
  expect(await footprint()).toEqual(before);
  return res;
}

const entryRefusal = (name: string, why: RegExp) => ({ [`entries.${name}`]: expect.stringMatching(why) });

describe('a ZIP whose names would reach outside the folder', () => {
  it.each([
    ['../../evil.pdf', '../../evil.pdf'],
    ['Finance/../../evil.pdf', 'Finance/../../evil.pdf'],
    // Backslashes are separators to Windows' unzip: read as such, and refused all the same.
    ['..\\..\\evil.pdf', '../../evil.pdf'],
  ])('refuses a zip slip entry %j naming it, and creates nothing', async (entry, shown) => {
    await expectRefused(buildZip([{ name: 'fine.pdf', data: pdf }, { name: entry, data: pdf }]), 400, entryRefusal(shown, /out of the folder/));
  });

  it('refuses an absolute path', async () => {
    await expectRefused(buildZip([{ name: '/etc/cron.d/evil.pdf', data: pdf }]), 400, entryRefusal('/etc/cron.d/evil.pdf', /absolute/));
  });

  it.each(['C:\\Windows\\evil.pdf', 'c:/evil.pdf'])('refuses a path with a drive letter (%j)', async (entry) => {
    await expectRefused(buildZip([{ name: entry, data: pdf }]), 400, entryRefusal(entry.replace(/\\/g, '/'), /drive letter/));
  });

  it('refuses a symbolic link (made by zip-stream, as a Unix zip tool makes one)', async () => {
    const zip = await zipOf([{ name: 'Finance/ok.pdf', data: pdf }, { name: 'Finance/passwd.pdf', linkname: '/etc/passwd' }]);
    await expectRefused(zip, 400, entryRefusal('Finance/passwd.pdf', /symbolic link/));
  });

  it('refuses a device or other special file', async () => {
    await expectRefused(buildZip([{ name: 'fifo.pdf', data: pdf, mode: 0o010644 }]), 400, entryRefusal('fifo.pdf', /not a regular file/));
  });

  it('refuses control characters in a name', async () => {
    await expectRefused(buildZip([{ name: 'evil\r\nname.pdf', data: pdf }]), 400, entryRefusal('evil??name.pdf', /control characters/));
  });
});

describe('a ZIP that cannot be read safely', () => {
  it('refuses an encrypted entry', async () => {
    await expectRefused(buildZip([{ name: 'ok.pdf', data: pdf }, { name: 'secret.pdf', data: pdf, encrypted: true }]), 400, entryRefusal('secret.pdf', /encrypted/));
  });

  it('refuses a bomb by ratio: one entry of zeros inflating 1,000 to 1', async () => {
    await expectRefused(buildZip([{ name: 'report.pdf', raw: deflatedZeros(16 * MiB) }]), 413, entryRefusal('report.pdf', /100 to 1/));
  });

  it('refuses a bomb by total: thousands of small entries, each under the ratio floor, past the total in all', async () => {
    // 4 × the 512 MB upload limit in all: 2,049 entries of 1 MiB each pass it, from about 2 MB of ZIP.
    const zeros = deflatedZeros(MiB);
    const entries: ZipEntrySpec[] = Array.from({ length: 2_100 }, (_, i) => ({ name: `parts/part-${String(i + 1).padStart(4, '0')}.pdf`, raw: zeros }));
    const zip = buildZip(entries);
    expect(zip.length).toBeLessThan(4 * MiB);
    await expectRefused(zip, 413, entryRefusal('parts/part-2049.pdf', /more than \d+ bytes in all/));
  }, 30_000);

  it('refuses an entry that unpacks to more than it declares (a bomb behind a small size), removing what was stored before it', async () => {
    const payload = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(8 * MiB)]);
    const lying = { compressed: deflateRawSync(payload), size: 1_000, crc: crc32(payload) };
    await expectRefused(buildZip([{ name: 'a.pdf', data: pdf }, { name: 'b.pdf', data: pdf }, { name: 'small.pdf', raw: lying }]), 413, entryRefusal('small.pdf', /more than the archive declares/));
  });

  it.each([10_000, 10_001])('refuses %d entries, before unpacking any', async (n) => {
    const entries: ZipEntrySpec[] = Array.from({ length: n }, (_, i) => ({ name: `f/${i}.txt`, data: Buffer.from('x') }));
    await expectRefused(buildZip(entries), 413, { file: expect.stringMatching(new RegExp(`${n} entries`)) });
  }, 30_000);

  it('accepts 9,999 entries as far as the count goes (the next refusal is about the files themselves)', async () => {
    const entries: ZipEntrySpec[] = Array.from({ length: 9_999 }, (_, i) => ({ name: `f/${i}/`, data: Buffer.alloc(0) }));
    entries[9_998] = { name: 'f/last.bin', data: ELF_BYTES };
    await expectRefused(buildZip(entries), 415, entryRefusal('f/last.bin', /not accepted/));
  }, 60_000);

  it('refuses a corrupt entry (its bytes do not match its checksum), removing the files stored before it', async () => {
    const zip = buildZip([{ name: 'a.pdf', data: pdf, deflate: true }, { name: 'b.pdf', data: pdf }]);
    // Flip one byte in the middle of b.pdf's stored bytes.
    // The local header's name comes first (the central directory repeats it at the end).
    const at = zip.indexOf(Buffer.from('b.pdf')) + 5 + Math.floor(pdf.length / 2);
    zip[at] ^= 0xff;
    await expectRefused(zip, 400, entryRefusal('b.pdf', /damaged|cannot be unpacked/));
  });

  it('refuses a ZIP cut short (no central directory), naming the file', async () => {
    const zip = buildZip([{ name: 'a.pdf', data: pdf }]);
    await expectRefused(zip.subarray(0, zip.length - 40), 400, { file: expect.stringMatching(/not a readable ZIP/) });
  });

  it('refuses a file that is not a ZIP at all', async () => {
    await expectRefused(pdf, 415, { file: 'not a ZIP archive' }, 'upload.zip');
  });

  it('refuses a compression method other than stored or deflated', async () => {
    const zip = buildZip([{ name: 'a.pdf', data: pdf }]);
    zip.writeUInt16LE(12, 8); // bzip2, in the local header…
    zip.writeUInt16LE(12, zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 10); // …and the directory
    await expectRefused(zip, 400, entryRefusal('a.pdf', /method 12/));
  });
});

describe('a ZIP whose entries are not documents, or not one of each', () => {
  it('refuses two entries of one name (case aside), rather than guess which one was meant', async () => {
    await expectRefused(buildZip([{ name: 'Legal/Report.pdf', data: pdf }, { name: 'legal/report.PDF', data: pdf }]), 400, entryRefusal('legal/report.PDF', /second entry of the same name/));
  });

  it('refuses a file and a folder of one name', async () => {
    await expectRefused(buildZip([{ name: 'Minutes', data: pdf }, { name: 'Minutes/2024.pdf', data: pdf }]), 400, entryRefusal('Minutes/2024.pdf', /a file and a folder/));
  });

  it('refuses an executable among documents, naming it, and removes the documents stored before it', async () => {
    await expectRefused(buildZip([{ name: 'a.pdf', data: pdf }, { name: 'b.pdf', data: pdf }, { name: 'tools/setup.pdf', data: ELF_BYTES }]), 415, entryRefusal('tools/setup.pdf', /not accepted/));
  });

  it('refuses a ZIP inside the ZIP', async () => {
    const inner = buildZip([{ name: 'x.pdf', data: pdf }]);
    await expectRefused(buildZip([{ name: 'nested.zip', data: inner }]), 415, entryRefusal('nested.zip', /application\/zip/));
  });

  it('refuses a PDF the intake cannot read, naming the entry, with the intake’s own code', async () => {
    const res = await expectRefused(buildZip([{ name: 'ok.pdf', data: pdf }, { name: 'broken.pdf', data: Buffer.from('%PDF-1.7\nthis is not a PDF at all\n%%EOF\n') }]), 422, entryRefusal('broken.pdf', /./));
    expect(res.body.error.code).not.toBe('internal');
  });

  it('refuses an empty file', async () => {
    await expectRefused(buildZip([{ name: 'empty.pdf', data: Buffer.alloc(0) }]), 400, entryRefusal('empty.pdf', /empty/));
  });
});

describe('a failure while the rows are written', () => {
  it('leaves no folder, document or stored object when the database refuses one document midway', async () => {
    // A real database failure on the third document's row: the import's one transaction must undo the two before it.
    if (isPostgres(t.db)) {
      await t.db.raw(`create function poison_import() returns trigger as $$ begin if new.title = 'Poison' then raise exception 'poisoned'; end if; return new; end $$ language plpgsql`);
      await t.db.raw('create trigger poison_import before insert on documents for each row execute function poison_import()');
    } else {
      await t.db.raw(`create trigger poison_import before insert on documents when new.title = 'Poison' begin select raise(abort, 'poisoned'); end`);
    }
    try {
      const before = await footprint();
      const audit = Number((await t.db('auditEvents').count({ n: '*' }).first())!.n);
      const res = await post(buildZip([{ name: 'A/one.pdf', data: pdf }, { name: 'A/two.pdf', data: pdf }, { name: 'B/Poison.pdf', data: pdf }]));
      expect(res.status).toBe(500);
      expect(await footprint()).toEqual(before);
      expect(Number((await t.db('auditEvents').count({ n: '*' }).first())!.n)).toBe(audit);
    } finally {
      await t.db.raw('drop trigger poison_import' + (isPostgres(t.db) ? ' on documents' : ''));
      if (isPostgres(t.db)) await t.db.raw('drop function poison_import()');
    }
  });
});
