import ExcelJS from 'exceljs';
import { describeDataset } from '../../../server/datasets/describe-dataset.js';
import type { DatasetClassification, DatasetFormat } from '../../../server/datasets/dataset-types.js';
import { extractDatasetText, type DatasetText } from '../../../server/text-extraction/dataset-text.js';
import { TextExtractionError } from '../../../server/text-extraction/text-extraction-types.js';
import { opener } from '../datasets/dataset-files.js';

// database-independent: the dataset reader on bytes in memory.

/**
 * A dataset's words for search (issue 21): column names and the values of columns the deal team
 * says hold no personal data — never a `direct` or `quasi` column's, nor those of a column nobody has
 * classified — and, where rows are scoped to entities, each value only for those who get its row.
 */
const HEADER = ['Employee ID', 'Name', 'Birth date', 'Department', 'Location', 'Entity'];
const ROWS = [
  ['E1001', 'Anna Müller', '1980-04-02', 'Treasury', 'Hamburg', 'Falcon GmbH'],
  ['E1002', 'Piet de Vries', '1975-11-30', 'Procurement', 'Utrecht', 'Falcon BV'],
  ['E1003', 'Zoë Dubois', '1990-01-15', 'Treasury', 'Lyon', 'Falcon SAS'],
];
const csv = (header: string[], rows: string[][]) => Buffer.from(`${[header, ...rows].map((r) => r.join(',')).join('\n')}\n`);
const PERSONAL = ['E1001', 'E1002', 'E1003', 'Anna', 'Müller', 'Piet', 'Vries', 'Zoë', 'Dubois', '1980', '1975', '1990'];

const classified = (sheets: Array<{ sheet: string; columns: string[] }>, extra: Partial<DatasetClassification> = {}): DatasetClassification => ({
  columns: [
    { name: 'Employee ID', role: 'direct' },
    { name: 'Name', role: 'direct' },
    { name: 'Birth date', role: 'quasi' },
  ],
  subjectColumn: { name: 'Employee ID' },
  entityColumn: null,
  entityMap: {},
  seen: sheets,
  ...extra,
});

async function textOf(data: Buffer, format: DatasetFormat, classification: DatasetClassification | null, options = {}): Promise<DatasetText> {
  const description = await describeDataset(opener(data), format);
  return extractDatasetText({ open: opener(data), format, description, classification, documentEntityId: 'entity-document' }, options);
}
const allText = (result: DatasetText) => result.pages.map((p) => p.text).join(' ');

it('indexes the sheet, the names and values of its non-personal columns, and nothing of its direct or quasi columns', async () => {
  const result = await textOf(csv(HEADER, ROWS), 'csv', classified([{ sheet: 'Sheet1', columns: HEADER }]));
  expect(result.pages).toEqual([{ page: 1, sheet: 'Sheet1', source: 'text', entityIds: null, text: 'Sheet1 Department Location Entity Treasury Hamburg Falcon GmbH Procurement Utrecht Falcon BV Lyon Falcon SAS' }]);
  for (const word of [...PERSONAL, 'Employee ID', 'Name', 'Birth date']) expect(allText(result)).not.toContain(word);
});

it('indexes no values of a dataset the deal team has not classified yet, whose every column may be personal', async () => {
  const result = await textOf(csv(HEADER, ROWS), 'csv', null);
  expect(result.pages).toEqual([{ page: 1, sheet: 'Sheet1', source: 'text', entityIds: null, text: 'Sheet1' }]);
  const noRolesYet = await textOf(csv(HEADER, ROWS), 'csv', { columns: [], subjectColumn: null, entityColumn: null, entityMap: {} });
  expect(allText(noRolesYet)).toBe('Sheet1');
});

it('indexes no values of a column new in this version, though a column it was never told about is delivered as `none`', async () => {
  const header = [...HEADER, 'Home address'];
  const rows = ROWS.map((r, i) => [...r, `${i + 1} Canal Street`]);
  const result = await textOf(csv(header, rows), 'csv', classified([{ sheet: 'Sheet1', columns: HEADER }]));
  expect(allText(result)).toContain('Treasury');
  expect(allText(result)).not.toMatch(/Canal|Home address/);
});

it('puts the values of rows scoped to entities on a page per entity, and other sheets under the document\'s entity', async () => {
  const book = new ExcelJS.Workbook();
  const staff = book.addWorksheet('Staff');
  staff.addRow(HEADER);
  for (const row of ROWS) staff.addRow(row);
  const sites = book.addWorksheet('Sites');
  sites.addRow(['Site', 'Area m2']);
  sites.addRow(['Hamburg harbour warehouse', '12000']);
  const data = Buffer.from(await book.xlsx.writeBuffer());
  const classification = classified([{ sheet: 'Staff', columns: HEADER }, { sheet: 'Sites', columns: ['Site', 'Area m2'] }], {
    columns: [
      { sheet: 'Staff', name: 'Employee ID', role: 'direct' },
      { sheet: 'Staff', name: 'Name', role: 'direct' },
      { sheet: 'Staff', name: 'Birth date', role: 'quasi' },
    ],
    subjectColumn: { sheet: 'Staff', name: 'Employee ID' },
    entityColumn: { sheet: 'Staff', name: 'Entity' },
    // Falcon SAS maps to no entity: its rows go to the deal team alone.
    entityMap: { 'Falcon GmbH': 'entity-gmbh', 'Falcon BV': 'entity-bv' },
  });
  const result = await textOf(data, 'xlsx', classification);
  expect(result.pages.map(({ page, sheet, entityIds, text }) => ({ page, sheet, entityIds, text }))).toEqual([
    { page: 1, sheet: 'Staff', entityIds: null, text: 'Staff Department Location Entity' },
    { page: 2, sheet: 'Staff', entityIds: ['entity-gmbh'], text: 'Treasury Hamburg Falcon GmbH' },
    { page: 3, sheet: 'Staff', entityIds: ['entity-bv'], text: 'Procurement Utrecht Falcon BV' },
    { page: 4, sheet: 'Staff', entityIds: [], text: 'Treasury Lyon Falcon SAS' },
    { page: 5, sheet: 'Sites', entityIds: ['entity-document'], text: 'Sites Site Area m2 Hamburg harbour warehouse 12000' },
  ]);
  for (const word of PERSONAL) expect(allText(result)).not.toContain(word);
});

it('indexes each value once, and stops reading at the cap, saying the text was cut', async () => {
  const rows = Array.from({ length: 20_000 }, (_, i) => [`E${i}`, `Person ${i}`, '1980-01-01', i % 2 ? 'Treasury' : 'Sales', `Site ${i}`, 'Falcon GmbH']);
  const data = csv(HEADER, rows);
  const whole = await textOf(data, 'csv', classified([{ sheet: 'Sheet1', columns: HEADER }]));
  expect(whole.truncated).toBe(false);
  expect(whole.pages[0]!.text.match(/Treasury/g)).toHaveLength(1);
  const capped = await textOf(data, 'csv', classified([{ sheet: 'Sheet1', columns: HEADER }]), { maxDocumentBytes: 2_000 });
  expect(capped.truncated).toBe(true);
  expect(Buffer.byteLength(capped.pages[0]!.text)).toBeLessThanOrEqual(2_000);
  expect(capped.pages[0]!.text).toContain('Site 1 ');
  expect(capped.pages[0]!.text).not.toContain('Site 19999');
});

it('refuses a file that no longer reads as a table, with the reader\'s reason', async () => {
  const description = await describeDataset(opener(csv(HEADER, ROWS)), 'csv');
  const ragged = Buffer.from(`${HEADER.join(',')}\nE1,Anna,1980-01-01,Treasury,Hamburg,Falcon GmbH,stray\n`);
  const err = await extractDatasetText({ open: opener(ragged), format: 'csv', description, classification: null, documentEntityId: 'entity-document' }).catch((e) => e);
  expect(err).toBeInstanceOf(TextExtractionError);
  expect(err.code).toBe('not_a_dataset');
  expect(err.reason).toMatch(/Row 2/);
});
