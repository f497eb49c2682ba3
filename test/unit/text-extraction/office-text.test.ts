import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extractOfficeText } from '../../../server/text-extraction/office-text.js';
import { TextExtractionError } from '../../../server/text-extraction/text-extraction-types.js';
import { odtWithLinks } from '../../support/odf-document.js';

// database-independent: LibreOffice (in its bwrap sandbox where available) and poppler, no server.

/**
 * An Office document is searched through its PDF rendition (issue 21): its words, on the pages the
 * stamped PDF shows, from LibreOffice's conversion in the intake's sandbox.
 */
const ODT = 'application/vnd.oasis.opendocument.text';
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-office-text-test-'));
const workRoot = path.join(scratch, 'work');
fs.mkdirSync(workRoot);
let memo: string;

beforeAll(() => {
  memo = path.join(scratch, 'memo.odt');
  fs.writeFileSync(memo, odtWithLinks({ paragraphs: ['Board memo of Project Falcon.', 'The Kündigungsfrist of the lease is three months; the escrow holdback stays in place.'] }));
});
afterEach(() => expect(fs.readdirSync(workRoot)).toEqual([]));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

it('reads the words of an OpenDocument text through its PDF rendition, and removes its work folder', async () => {
  const result = await extractOfficeText(memo, ODT, { tempDir: workRoot });
  expect(result.pages).toHaveLength(1);
  expect(result.pages[0]).toEqual({ page: 1, source: 'text', text: 'Board memo of Project Falcon. The Kündigungsfrist of the lease is three months; the escrow holdback stays in place.' });
  expect(result.failures).toEqual([]);
}, 180_000);

it('says why when LibreOffice is not installed, or the type is not one it converts', async () => {
  const missing = await extractOfficeText(memo, ODT, { tempDir: workRoot, soffice: path.join(scratch, 'no-soffice-here') }).catch((e) => e);
  expect(missing).toBeInstanceOf(TextExtractionError);
  expect(missing).toMatchObject({ code: 'not_converted', reason: 'LibreOffice is not installed on the server, so the text of Office documents is not read.' });
  await expect(extractOfficeText(memo, 'image/png', { tempDir: workRoot })).rejects.toMatchObject({ code: 'not_converted' });
});

it('ends with a typed error when the conversion outlasts the document budget', async () => {
  const started = Date.now();
  const err = await extractOfficeText(memo, ODT, { tempDir: workRoot, documentTimeoutMs: 50 }).catch((e) => e);
  expect(err).toBeInstanceOf(TextExtractionError);
  expect(err.code).toBe('too_long');
  expect(Date.now() - started).toBeLessThan(3_000);
  // LibreOffice, killed with its process group, is gone with its work folder.
  expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(workRoot);
}, 30_000);
