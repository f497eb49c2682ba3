import fs from 'node:fs';
import path from 'node:path';
import { parse as parseDisposition } from 'content-disposition';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { binary } from '../support/binary.js';
import { makePdf } from '../support/fixtures.js';
import { storedObjectKeys } from '../support/stored-objects.js';

let t: TestApp;
let deal: Deal;
beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
});
afterAll(() => t.close());

const BOUNDARY = '----gatehouse-hostile-corpus';

/**
 * A multipart body written by hand, so the file name reaches the server exactly as a hostile client
 * sends it: raw UTF-8 in `filename="…"` as browsers do, or RFC 5987 `filename*` for bytes a quoted
 * string cannot carry (NUL, CR, LF).
 */
function multipart(fileNameParam: string, data: Buffer, fields: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; ${fileNameParam}\r\nContent-Type: application/octet-stream\r\n\r\n`, 'utf8'));
  parts.push(data, Buffer.from(`\r\n--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}
const quoted = (name: string) => `filename="${name}"`;
const extended = (name: string) => `filename*=UTF-8''${encodeURIComponent(name)}`;

async function upload(fileNameParam: string, data: Buffer) {
  const csrf = (await deal.manager.get('/api/auth/csrf')).body.token;
  const fields = { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' };
  return deal.manager.agent
    .post(`${deal.roomPath}/documents`)
    .set('X-CSRF-Token', csrf)
    .set('Content-Type', `multipart/form-data; boundary=${BOUNDARY}`)
    .send(multipart(fileNameParam, data, fields));
}

const HOSTILE_NAMES: Array<[string, string, string]> = [
  ['path traversal', '../../../../etc/passwd.pdf', quoted('../../../../etc/passwd.pdf')],
  ['Windows path traversal', '..\\..\\Windows\\System32\\evil.pdf', quoted('..\\..\\Windows\\System32\\evil.pdf')],
  ['NUL', 'report.pdf\u0000.exe', extended('report.pdf\u0000.exe')],
  ['CR/LF header injection', 'report\r\nSet-Cookie: gatehouse.sid=evil\r\n.pdf', extended('report\r\nSet-Cookie: gatehouse.sid=evil\r\n.pdf')],
  ['right-to-left override', 'invoice\u202Efdp.exe', quoted('invoice\u202Efdp.exe')],
  ['1,000 characters', `${'a'.repeat(996)}.pdf`, quoted(`${'a'.repeat(996)}.pdf`)],
  ['non-Latin script', 'Bilanz Ørsted – 決算 2025.pdf', quoted('Bilanz Ørsted – 決算 2025.pdf')],
];

const UNSAFE_IN_HEADER_NAME = /[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069/\\]/;

describe('Files: hostile names are metadata only and served safely (docs/quality.md security 8)', () => {
  it.each(HOSTILE_NAMES)('stores a name with %s as metadata under a generated key, and serves it in an RFC 6266 Content-Disposition', async (_label, name, param) => {
    const pdf = await makePdf('hostile name');
    const res = await upload(param, pdf);
    expect(res.status).toBe(201);

    const version = await t.db('documentVersions').where({ id: res.body.versionId }).first();
    expect(version.objectKey).toMatch(/^versions\/[0-9a-f-]{36}$/);
    // Kept as given (busboy keeps only the last path segment, which is safer still), minus NUL, capped.
    const kept = name.replace(/\u0000/g, '').slice(0, 1000);
    expect([kept, kept.split(/[/\\]/).pop()]).toContain(version.fileName);
    // Nothing was written anywhere the name points to.
    // (Every stored key is a generated id, plus derived objects such as a stamping index beside it.)
    expect(storedObjectKeys(t).filter((k) => !/^[a-z]+[/\\][0-9a-f-]{36}(\.[a-z0-9.-]+)?$/.test(k))).toEqual([]);
    expect(fs.existsSync(path.join(t.dataDir, 'etc'))).toBe(false);

    for (const url of [`/api/documents/${res.body.id}/original`, `/api/documents/${res.body.id}/content`]) {
      const file = await deal.manager.get(url).buffer(true).parse(binary);
      expect(file.status).toBe(200);
      const header = String(file.headers['content-disposition']);
      expect(header).toMatch(/^attachment;/);
      expect(header).not.toMatch(/[\r\n\u0000]/);
      expect(String(file.headers['set-cookie'] ?? '')).not.toContain('evil');
      const parsed = parseDisposition(header);
      expect(parsed.type).toBe('attachment');
      expect(parsed.parameters.filename).not.toMatch(UNSAFE_IN_HEADER_NAME);
      expect(parsed.parameters.filename.length).toBeLessThanOrEqual(210);
      if (/[^\x20-\x7e]/.test(parsed.parameters.filename)) expect(header).toContain("filename*=UTF-8''");
    }
  });

  it("serves a non-Latin name in filename*=UTF-8'' with an ASCII fallback", async () => {
    const res = await upload(quoted('Bilanz Ørsted – 決算.pdf'), await makePdf('x'));
    const file = await deal.manager.get(`/api/documents/${res.body.id}/original`).buffer(true).parse(binary);
    const header = String(file.headers['content-disposition']);
    expect(header).toContain(`filename*=UTF-8''${encodeURIComponent('Bilanz Ørsted – 決算.pdf').replace(/'/g, '%27')}`);
    expect(header).toMatch(/filename="[\x20-\x7e]+"/);
  });
});

describe('Files: HTML, SVG and XML are never rendered inline from the app’s origin', () => {
  const ACTIVE: Array<[string, string, string]> = [
    ['HTML', 'page.html', '<!doctype html><html><body><script>fetch("/api/me")</script></body></html>'],
    ['SVG', 'image.svg', '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'],
    ['XML', 'data.xml', '<?xml version="1.0"?><?xml-stylesheet href="x.xsl"?><root/>'],
    ['HTML disguised as a PDF', 'report.pdf', '<html><script>alert(1)</script></html>'],
  ];
  it.each(ACTIVE)('refuses %s or keeps it as inert text: the original only as an attachment, renditions only as a stamped PDF or image', async (_label, name, body) => {
    const res = await upload(quoted(name), Buffer.from(body));
    if (res.status === 415) return; // refused outright: the type is not one a data room accepts
    expect(res.status).toBe(201);
    expect(res.body.mimeType).toBe('text/plain');
    for (const url of [`/api/documents/${res.body.id}/original`, `/api/documents/${res.body.id}/content?disposition=inline`]) {
      const file = await deal.manager.get(url).buffer(true).parse(binary);
      if (file.status !== 200) {
        // Not stampable, so not delivered below level original: a clear 4xx, never the bytes.
        expect(file.status).toBe(422);
        continue;
      }
      expect(file.headers['content-type']).not.toMatch(/html|svg|xml|javascript/i);
      // The original goes out only as an attachment; a stamped rendition only as a PDF or image.
      if (url.endsWith('/original')) expect(String(file.headers['content-disposition'])).toMatch(/^attachment;/);
      else expect(file.headers['content-type']).toMatch(/^(application\/pdf|image\/(png|jpeg|webp))/);
      expect(file.headers['x-content-type-options']).toBe('nosniff');
    }
  });
});
