import { execFile } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describeDataset } from '../../../server/datasets/describe-dataset.js';
import { NotADatasetError, type DatasetFormat } from '../../../server/datasets/dataset-types.js';
import { detectDatasetFormat, readDataset, type DatasetLimits } from '../../../server/datasets/read-dataset.js';
import {
  addSheet,
  deflatedAsStored,
  deflatedZeros,
  eventsOf,
  exceljsWorkbook,
  failingOpener,
  handmadeWorkbook,
  handmadeWorkbookFiles,
  libreOfficeWorkbook,
  oleContainer,
  opener,
  rewriteZip,
  tablesOf,
  trackedOpener,
  zipOf,
} from './dataset-files.js';

/**
 * The dataset reader: a CSV or XLSX upload read as sheets of text cells, the same at upload and at
 * every delivery, streamed so that no file's size shows in memory, and refused with a reason the
 * deal team can act on when it is not a table.
 */

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const tables = (data: Buffer, format: DatasetFormat, chunkBytes?: number, limits?: Partial<DatasetLimits>) => tablesOf(readDataset(opener(data, chunkBytes), format, limits));

/** The NotADatasetError a read ends with (failing the test if it ends otherwise). */
async function refusal(data: Buffer, format: DatasetFormat, limits?: Partial<DatasetLimits>): Promise<NotADatasetError> {
  try {
    await eventsOf(readDataset(opener(data), format, limits));
  } catch (err) {
    if (err instanceof NotADatasetError) return err;
    throw err;
  }
  throw new Error('the file was read as a dataset');
}

const csv = (text: string) => Buffer.from(text, 'utf8');

/** One CSV converted by LibreOffice once for the tests that read its workbook (a conversion takes ~10 s here). */
const PEOPLE_CSV = 'name,joined,amount\nZoë,2024-03-01,1.5\nAna,2024-03-02,2\n';
let peopleFromLibreOffice: Promise<Buffer | null> | undefined;
const libreOfficePeople = () => (peopleFromLibreOffice ??= libreOfficeWorkbook(PEOPLE_CSV));

describe('CSV datasets', () => {
  it('reads a comma CSV with a BOM, quoted line breaks, quotes and delimiters, each field exactly as written', async () => {
    const data = csv('\uFEFFid,note,name\r\n1,"line one\r\nline two","Zoë ""the boss"" Müller"\r\n2,"a, b; c",  spaced  \r\n');
    expect(await tables(data, 'csv')).toEqual([
      {
        name: 'Sheet1',
        header: ['id', 'note', 'name'],
        rows: [
          ['1', 'line one\r\nline two', 'Zoë "the boss" Müller'],
          ['2', 'a, b; c', '  spaced  '],
        ],
      },
    ]);
  });

  it('guesses a semicolon or a tab from the header line, counting none inside quotes', async () => {
    expect(await tables(csv('"amount, in EUR";name;city\n1,5;Zoë;Köln\n'), 'csv')).toEqual([{ name: 'Sheet1', header: ['amount, in EUR', 'name', 'city'], rows: [['1,5', 'Zoë', 'Köln']] }]);
    expect(await tables(csv('id\tname\n1\t"tab\tinside"\n'), 'csv')).toEqual([{ name: 'Sheet1', header: ['id', 'name'], rows: [['1', 'tab\tinside']] }]);
    expect(await tables(csv('\n\nid|name\n1|Ana\n'), 'csv')).toEqual([{ name: 'Sheet1', header: ['id', 'name'], rows: [['1', 'Ana']] }]);
  });

  it('splits on , ; tab or | only: a header full of some other character is one column', async () => {
    const header = 'aXbXcXdXeXf';
    expect(await tables(csv(`${header}\nyXyXy\n`), 'csv')).toEqual([{ name: 'Sheet1', header: [header], rows: [['yXyXy']] }]);
  });

  it('keeps a character whole when the stream cuts its bytes in two', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `${i},Zoë Łukasz 张伟 ☃ ${i}`);
    const data = csv(`id,name\n${rows.join('\n')}\n`);
    for (const chunkBytes of [1, 2, 3, 7]) {
      const [table] = await tables(data, 'csv', chunkBytes);
      expect(table.rows).toEqual(rows.map((row) => row.split(',')));
    }
  });

  it('reads Windows-1252 (é, €) when the bytes are not UTF-8, even when the first é comes after 64 KB of ASCII', async () => {
    const ascii = Array.from({ length: 3000 }, (_, i) => `${i},plain ascii row number ${i}`).join('\r\n');
    expect(ascii.length).toBeGreaterThan(64 * 1024);
    const euro = Buffer.concat([Buffer.from(`id,name\r\n${ascii}\r\n3000,Caf`, 'latin1'), Buffer.from([0xe9]), Buffer.from(' 5 ', 'latin1'), Buffer.from([0x80]), Buffer.from('\r\n')]);
    const [table] = await tables(euro, 'csv', 4096);
    expect(table.rows).toHaveLength(3001);
    expect(table.rows.at(-1)).toEqual(['3000', 'Café 5 €']);
  });

  it('reads UTF-16 with its BOM, little- and big-endian (Excel’s "Unicode text")', async () => {
    const text = 'id\tname\r\n1\tZoë €\r\n';
    const little = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const big = Buffer.from(little).swap16();
    for (const data of [little, big]) {
      expect(await tables(data, 'csv', 3)).toEqual([{ name: 'Sheet1', header: ['id', 'name'], rows: [['1', 'Zoë €']] }]);
    }
  });

  it('refuses a binary file named .csv as binary, whether its first bytes or later ones give it away', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.from('IHDR')]);
    expect((await refusal(png, 'csv')).reason).toBe('binary');
    const lateNul = Buffer.concat([csv(`id,name\n${'1,Ana\n'.repeat(30_000)}`), Buffer.from([0, 0, 0, 1, 2, 3])]);
    expect((await refusal(lateNul, 'csv')).reason).toBe('binary');
  });

  it('refuses a 10 MB cell as cell_too_large, after holding at most one row of it', async () => {
    const data = csv(`id,blob\n1,"${'x'.repeat(10 * 2 ** 20)}"\n`);
    const error = await refusal(data, 'csv');
    expect(error.reason).toBe('cell_too_large');
    expect(error.message).toMatch(/32,767/);
  });

  it('refuses a file whose quote never closes as cell_too_large once a row passes what a row can hold', async () => {
    const data = csv(`id,note\n1,"opened\n${'2,more text\n'.repeat(1000)}`);
    expect((await refusal(data, 'csv', { maxColumns: 10, maxCellCharacters: 100 })).reason).toBe('cell_too_large');
  });
});

describe('the table rules, for both formats', () => {
  it('takes the first row holding something as the header and leaves out rows that hold nothing', async () => {
    const data = csv(',,\n  , \nid,name,\n\n1,Ana,\n,,\n2,Bo,\n');
    expect(await tables(data, 'csv')).toEqual([{ name: 'Sheet1', header: ['id', 'name'], rows: [['1', 'Ana'], ['2', 'Bo']] }]);
  });

  it('makes blank and repeated header names unique, never renaming a name the file gives', async () => {
    const data = csv('Name, Name ,,Column 3,,Name\nA,B,C,D,E,F\n');
    const [table] = await tables(data, 'csv');
    expect(table.header).toEqual(['Name', 'Name (2)', 'Column 3 (2)', 'Column 3', 'Column 5', 'Name (3)']);
    expect(new Set(table.header).size).toBe(table.header.length);
  });

  it('pads short rows with empty cells so every row has a cell per column', async () => {
    const [table] = await tables(csv('a,b,c\n1\n1,2\n'), 'csv');
    expect(table.rows).toEqual([['1', '', ''], ['1', '2', '']]);
  });

  it('refuses a row holding a value beyond its header as ragged_row, naming the row; blank cells beyond it are fine', async () => {
    expect(await tables(csv('a,b\n1,2,,  \n'), 'csv')).toEqual([{ name: 'Sheet1', header: ['a', 'b'], rows: [['1', '2']] }]);
    const error = await refusal(csv('name,street\nAna,Main St\nBo,Main St, 5\n'), 'csv');
    expect(error.reason).toBe('ragged_row');
    expect(error.message).toMatch(/Row 3 of sheet "Sheet1" has a value in column 3/);

    const workbook = await exceljsWorkbook((wb) => void addSheet(wb, 'Staff', [['name'], ['Ana'], ['Bo', undefined, 'checked by JD']]));
    const fromWorkbook = await refusal(workbook, 'xlsx');
    expect(fromWorkbook.reason).toBe('ragged_row');
    expect(fromWorkbook.message).toMatch(/Row 3 of sheet "Staff"/);
  });

  it('refuses a file in which no row holds anything as no_header', async () => {
    expect((await refusal(csv(''), 'csv')).reason).toBe('no_header');
    expect((await refusal(csv(' , \n\n,,\n'), 'csv')).reason).toBe('no_header');
    const emptyWorkbook = await exceljsWorkbook((wb) => void addSheet(wb, 'Empty', []));
    expect((await refusal(emptyWorkbook, 'xlsx')).reason).toBe('no_header');
  });

  it('refuses a sheet of 16,384 columns (Excel’s widest) as too_many_columns, in a CSV and in a workbook', async () => {
    const names = Array.from({ length: 16_384 }, (_, i) => `c${i}`);
    expect((await refusal(csv(`${names.join(',')}\n${names.join(',')}\n`), 'csv')).reason).toBe('too_many_columns');
    const workbook = await exceljsWorkbook((wb) => void addSheet(wb, 'Wide', [names]));
    const error = await refusal(workbook, 'xlsx');
    expect(error.reason).toBe('too_many_columns');
    expect(error.message).toMatch(/beyond column ALL/);
  });

  it('reads 1,000 columns, the most a dataset has', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `c${i}`);
    const [table] = await tables(csv(`${names.join(',')}\n${names.join(',')}\n`), 'csv');
    expect(table.header).toHaveLength(1000);
  });
});

describe('XLSX datasets', () => {
  it('reads every sheet in order: numbers, dates, formulas by their cached result only, rich text, links, booleans, errors', async () => {
    const workbook = await exceljsWorkbook((wb) => {
      const people = wb.addWorksheet('People');
      people.addRow(['id', 'name', 'amount', 'joined', 'seen', 'active', 'double', 'motto', 'site', 'check']).commit();
      const rows: Array<Array<unknown>> = [
        [1, 'Zoë', 1.5, new Date(Date.UTC(2024, 2, 1)), new Date(Date.UTC(2024, 2, 1, 10, 30)), true, { formula: 'A2*2', result: 2 }, { richText: [{ text: 'Bold ', font: { bold: true } }, { text: 'plain' }] }, { text: 'Site', hyperlink: 'https://example.com' }, { error: '#N/A' }],
        [2, 'Łukasz 张', 0.1 + 0.2, new Date(Date.UTC(1999, 11, 31)), new Date(Date.UTC(2024, 2, 1, 23, 59, 59)), false, { formula: 'A3*2', result: 4 }, 'plain text', { formula: 'IF(A3>1,"big","small")', result: 'big' }, { formula: '1/0', result: { error: '#DIV/0!' } }],
      ];
      for (const values of rows) {
        const row = people.addRow(values);
        row.getCell(4).numFmt = 'yyyy-mm-dd';
        row.getCell(5).numFmt = 'dd/mm/yyyy hh:mm:ss';
        row.commit();
      }
      people.commit();
      addSheet(wb, 'Nothing here', []);
      addSheet(wb, 'Entities', [['entity', 'country'], ['Alpha GmbH', 'DE'], ['Beta SAS', 'FR']]);
    });
    const read = await tables(workbook, 'xlsx', 1000);
    expect(read).toEqual([
      {
        name: 'People',
        header: ['id', 'name', 'amount', 'joined', 'seen', 'active', 'double', 'motto', 'site', 'check'],
        rows: [
          ['1', 'Zoë', '1.5', '2024-03-01', '2024-03-01T10:30:00', 'TRUE', '2', 'Bold plain', 'Site', '#N/A'],
          ['2', 'Łukasz 张', '0.30000000000000004', '1999-12-31', '2024-03-01T23:59:59', 'FALSE', '4', 'plain text', 'big', '#DIV/0!'],
        ],
      },
      { name: 'Entities', header: ['entity', 'country'], rows: [['Alpha GmbH', 'DE'], ['Beta SAS', 'FR']] },
    ]);
    expect(JSON.stringify(read)).not.toMatch(/A2\*2|IF\(/);
    const events = await eventsOf(readDataset(opener(workbook), 'xlsx'));
    expect(events.filter((e) => e.kind === 'sheet').map((e) => e.kind === 'sheet' && e.sheet)).toEqual([0, 1]);
  });

  it('reads a workbook LibreOffice saved from a CSV as that CSV', async () => {
    const workbook = await libreOfficePeople();
    if (!workbook) return void console.warn('LibreOffice (/usr/bin/soffice) is not installed: its workbook was not read');
    const [fromCsv] = await tables(csv(PEOPLE_CSV), 'csv');
    const [fromWorkbook] = await tables(workbook, 'xlsx');
    expect(fromWorkbook).toEqual({ ...fromCsv, name: 'people' });
  }, 120_000);

  it('keeps accented text whole across the chunks of a large workbook (exceljs’s own streaming reader damages some)', async () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `José Müller ${i} – ☃ naïve`);
    const workbook = await exceljsWorkbook((wb) => void addSheet(wb, 'S', [['name'], ...names.map((n) => [n])]));
    const [table] = await tables(workbook, 'xlsx');
    expect(table.rows.map(([name]) => name)).toEqual(names);
  }, 60_000);

  it('reads the sheets in the workbook’s order when the zip holds them in another', async () => {
    const workbook = await exceljsWorkbook((wb) => {
      addSheet(wb, 'First', [['a'], ['1']]);
      addSheet(wb, 'Second', [['b'], ['2']]);
      addSheet(wb, 'Third', [['c'], ['3']]);
    });
    const shuffled = await rewriteZip(workbook, () => undefined, ['xl/worksheets/sheet3.xml', 'xl/worksheets/sheet1.xml', 'xl/worksheets/sheet2.xml']);
    expect((await tables(shuffled, 'xlsx')).map((t) => [t.name, t.rows])).toEqual([['First', [['1']]], ['Second', [['2']]], ['Third', [['3']]]]);
  });

  it('reads what other writers put in a workbook: inline and phonetic text, escapes, typed dates, the 1904 system, cells without addresses', async () => {
    const workbook = handmadeWorkbook({
      date1904: true,
      sharedStrings: ['line_x000D__x000A_break', 'Tom &amp; Jerry', '<r><t>Hello </t></r><r><rPr><b/></rPr><t>world</t></r><rPh sb="0" eb="1"><t>ハロー</t></rPh>'],
      cellFormats: [[0], [14], [165, '[h]:mm'], [166, 'yyyy\\-mm\\-dd hh:mm']],
      sheets: [
        {
          name: 'Kinds',
          rows: [
            '<row r="1"><c r="A1" t="inlineStr"><is><t>kind</t></is></c><c r="B1" t="inlineStr"><is><t>value</t></is></c></row>',
            '<row r="2"><c r="A2" t="inlineStr"><is><r><t>rich </t></r><r><t>inline</t></r></is></c><c r="B2" t="inlineStr"><is><r><t>Hello </t></r><r><t>world</t></r><rPh><t>ハロー</t></rPh></is></c></row>',
            '<row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3" t="s"><v>2</v></c></row>',
            '<row r="4"><c r="A4" t="s"><v>1</v></c><c r="B4" t="str"><f>A4&amp;"!"</f><v>Tom &amp; Jerry!</v></c></row>',
            '<row r="5"><c r="A5" t="inlineStr"><is><t>no cached result</t></is></c><c r="B5"><f>NOW()</f></c></row>',
            '<row r="6"><c r="A6" t="inlineStr"><is><t>shared formula</t></is></c><c r="B6"><f t="shared" si="0"/><v>42</v></c></row>',
            '<row r="7"><c r="A7" t="inlineStr"><is><t>boolean formula</t></is></c><c r="B7" t="b"><f>1&gt;2</f><v>0</v></c></row>',
            '<row r="8"><c r="A8" t="inlineStr"><is><t>typed date</t></is></c><c r="B8" t="d"><v>2024-03-01T00:00:00Z</v></c></row>',
            '<row r="9"><c r="A9" t="inlineStr"><is><t>1904 date</t></is></c><c r="B9" s="1"><v>0</v></c></row>',
            '<row r="10"><c r="A10" t="inlineStr"><is><t>1904 date and time</t></is></c><c r="B10" s="3"><v>43890.4375</v></c></row>',
            '<row r="11"><c r="A11" t="inlineStr"><is><t>duration</t></is></c><c r="B11" s="2"><v>1.5</v></c></row>',
            '<row r="12"><c r="A12" t="inlineStr"><is><t>exponent</t></is></c><c r="B12"><v>1.5E-3</v></c></row>',
            '<row><c t="inlineStr"><is><t>no addresses</t></is></c><c><v>7</v></c></row>',
            '<row r="20" spans="1:3"><c r="A20" s="1"/><c r="B20" s="1"/></row>',
            '<row r="21"><c r="B21" t="inlineStr"><is><t>only B</t></is></c></row>',
          ].join(''),
        },
      ],
    });
    expect(await tables(workbook, 'xlsx', 97)).toEqual([
      {
        name: 'Kinds',
        header: ['kind', 'value'],
        rows: [
          ['rich inline', 'Hello world'],
          ['line\r\nbreak', 'Hello world'],
          ['Tom & Jerry', 'Tom & Jerry!'],
          ['no cached result', ''],
          ['shared formula', '42'],
          ['boolean formula', 'FALSE'],
          ['typed date', '2024-03-01'],
          ['1904 date', '1904-01-01'],
          ['1904 date and time', '2024-03-01T10:30:00'],
          ['duration', '1.5'],
          ['exponent', '0.0015'],
          ['no addresses', '7'],
          ['', 'only B'],
        ],
      },
    ]);
  });

  it('reads an entry whose compressed bytes happen to hold the signature that ends an entry of unknown size', async () => {
    // unzipper (under exceljs's streaming reader) ends such an entry at that signature and fails.
    const image = Buffer.concat([Buffer.from('PNG data '), Buffer.from([0x50, 0x4b, 0x07, 0x08]), Buffer.alloc(64, 7)]);
    const workbook = handmadeWorkbook({
      sheets: [{ name: 'S', rows: '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>' }],
      sharedStrings: ['id'],
      extraFiles: [{ name: 'xl/media/image1.png', deflated: deflatedAsStored(image), sizesAfterData: true }],
    });
    expect(await tables(workbook, 'xlsx', 5)).toEqual([{ name: 'S', header: ['id'], rows: [['1']] }]);
  });

  it('leaves out empty sheets and chart sheets, numbering the tables from 0', async () => {
    const workbook = await exceljsWorkbook((wb) => {
      addSheet(wb, 'Cover', []);
      addSheet(wb, 'Data', [['x'], ['1']]);
    });
    const events = await eventsOf(readDataset(opener(workbook), 'xlsx'));
    expect(events).toEqual([
      { kind: 'sheet', sheet: 0, name: 'Data', header: ['x'] },
      { kind: 'row', row: { sheet: 0, index: 0, cells: ['1'] } },
    ]);
  });

  it('refuses a password-protected workbook (an OLE container holding EncryptedPackage) as encrypted', async () => {
    const error = await refusal(oleContainer(['EncryptionInfo', 'EncryptedPackage', '\u0006DataSpaces']), 'xlsx');
    expect(error.reason).toBe('encrypted');
  });

  it('refuses an Excel 97–2003 workbook as unreadable, saying what it is', async () => {
    const error = await refusal(oleContainer(['Workbook', '\u0005SummaryInformation']), 'xlsx');
    expect(error.reason).toBe('unreadable');
    expect(error.message).toMatch(/97–2003/);
  });

  it('refuses a macro-enabled workbook, by its content types or by a vbaProject.bin', async () => {
    const workbook = await exceljsWorkbook((wb) => void addSheet(wb, 'S', [['a'], ['1']]));
    const saysMacroEnabled = await rewriteZip(workbook, async (zip) => {
      const types = await zip.file('[Content_Types].xml')!.async('string');
      zip.file('[Content_Types].xml', types.replace('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml', 'application/vnd.ms-excel.sheet.macroEnabled.main+xml'));
    });
    expect((await refusal(saysMacroEnabled, 'xlsx')).reason).toBe('macro_enabled');
    const holdsMacros = await rewriteZip(workbook, (zip) => void zip.file('xl/vbaProject.bin', Buffer.alloc(512, 1)));
    expect((await refusal(holdsMacros, 'xlsx')).reason).toBe('macro_enabled');
  });

  it('reads a workbook whose external links keep cached values only', async () => {
    const workbook = await exceljsWorkbook((wb) => void addSheet(wb, 'S', [['a'], ['1']]));
    const linked = await rewriteZip(workbook, (zip) => void zip.file('xl/externalLinks/externalLink1.xml', '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'));
    expect(await tables(linked, 'xlsx')).toEqual([{ name: 'S', header: ['a'], rows: [['1']] }]);
  });

  it('refuses a zip bomb (a 1 MB file whose sheet unpacks to 1 GiB of zeros) after unpacking a fraction of it', async () => {
    // The sheet first in the zip, as Excel writes it, and with its size after its data.
    const parts = handmadeWorkbookFiles({ sheets: [{ name: 'S', rows: '' }] });
    const sheet = { name: 'xl/worksheets/sheet1.xml', deflated: deflatedZeros(1), sizesAfterData: true };
    const bomb = zipOf([sheet, ...parts.filter((part) => part.name !== sheet.name)]);
    expect(bomb.length).toBeLessThan(1.1 * 2 ** 20);
    const started = process.cpuUsage();
    const error = await refusal(bomb, 'xlsx');
    expect(error.reason).toBe('unreadable');
    expect(error.message).toMatch(/zip bomb/);
    // Unpacking all of it takes ~2.6 s of CPU; the ratio stops it after ~100 MB. CPU time, not the
    // clock's: the work done does not grow when other suites share the cores.
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(2000);
  });

  it('refuses a workbook that unpacks beyond the budget, and shared text beyond its own', async () => {
    const workbook = await exceljsWorkbook((wb) => void addSheet(wb, 'S', [['name'], ...Array.from({ length: 2000 }, (_, i) => [`person ${i}`])]));
    expect((await refusal(workbook, 'xlsx', { maxInflatedBytes: 50_000 })).message).toMatch(/unpacks to more than/);
    const sharedText = await refusal(workbook, 'xlsx', { maxSharedStringsBytes: 10_000 });
    expect(sharedText.reason).toBe('unreadable');
    expect(sharedText.message).toMatch(/shared text unpacks to more than/);
  });

  it('refuses a workbook of more than 100 sheets as too_many_sheets', async () => {
    const workbook = await exceljsWorkbook((wb) => {
      for (let i = 1; i <= 101; i++) addSheet(wb, `S${i}`, [['a'], [String(i)]]);
    });
    expect((await refusal(workbook, 'xlsx')).reason).toBe('too_many_sheets');
  });

  it('refuses a cell of more than 32,767 characters as cell_too_large', async () => {
    const workbook = await exceljsWorkbook((wb) => void addSheet(wb, 'S', [['blob'], ['x'.repeat(40_000)]]));
    expect((await refusal(workbook, 'xlsx')).reason).toBe('cell_too_large');
  });

  it('refuses what is not a workbook as unreadable, with its reason', async () => {
    expect((await refusal(csv('id,name\n1,Ana\n'), 'xlsx')).message).toMatch(/not a zip archive/);
    const docx = zipOf([{ name: 'word/document.xml', data: Buffer.from('<w:document/>') }]);
    expect((await refusal(docx, 'xlsx')).message).toMatch(/not an XLSX workbook/);
    const workbook = await exceljsWorkbook((wb) => void addSheet(wb, 'S', [['a'], ['1']]));
    expect((await refusal(workbook.subarray(0, workbook.length - 400), 'xlsx')).reason).toBe('unreadable');
    const corrupt = Buffer.from(workbook);
    corrupt.fill(0x33, 2000, 2400);
    expect((await refusal(corrupt, 'xlsx')).reason).toBe('unreadable');
  });
});

describe('a read settles, however it ends', () => {
  it('passes on the storage’s own error when the stored file fails mid-read (it is not the file’s fault)', async () => {
    const broken = new Error('disk went away');
    const data = csv(`id,name\n${'1,Ana\n'.repeat(50_000)}`);
    await expect(eventsOf(readDataset(failingOpener(data, 100_000, broken), 'csv'))).rejects.toBe(broken);
    const workbook = await exceljsWorkbook((wb) => void addSheet(wb, 'S', [['a'], ...Array.from({ length: 5000 }, (_, i) => [`row ${i}`])]));
    await expect(eventsOf(readDataset(failingOpener(workbook, workbook.length - 3000, broken), 'xlsx'))).rejects.toBe(broken);
  });
});

describe('describeDataset', () => {
  it('counts each sheet’s rows and types each column from all of its values', async () => {
    const data = csv(
      [
        'id,amount,joined,active,postcode,note,mixed,blank,card',
        '1,10,2024-03-01,TRUE,01234,a,1,,1234567890123456',
        '2,10.5,01/03/2024,false,80331,,x,,1234567890123457',
        '3,-2,2024-03-01T10:30:00,TRUE,12345,c,2,  ,1234567890123458',
      ].join('\n'),
    );
    expect(await describeDataset(opener(data), 'csv')).toEqual({
      format: 'csv',
      sheets: [
        {
          name: 'Sheet1',
          rows: 3,
          columns: [
            { name: 'id', type: 'integer' },
            { name: 'amount', type: 'decimal' },
            { name: 'joined', type: 'date' },
            { name: 'active', type: 'boolean' },
            { name: 'postcode', type: 'text' },
            { name: 'note', type: 'text' },
            { name: 'mixed', type: 'text' },
            { name: 'blank', type: 'empty' },
            { name: 'card', type: 'text' },
          ],
        },
      ],
    });
  });

  it('describes every sheet of a workbook, its dates as dates', async () => {
    const workbook = await exceljsWorkbook((wb) => {
      const sheet = wb.addWorksheet('People');
      sheet.addRow(['name', 'born', 'salary']).commit();
      for (let i = 0; i < 3; i++) {
        const row = sheet.addRow([`P${i}`, new Date(Date.UTC(1980 + i, 0, 1)), 50_000 + i * 1000.5]);
        row.getCell(2).numFmt = 'yyyy-mm-dd';
        row.commit();
      }
      sheet.commit();
      addSheet(wb, 'Entities', [['entity'], ['Alpha'], ['Beta']]);
    });
    expect(await describeDataset(opener(workbook), 'xlsx')).toEqual({
      format: 'xlsx',
      sheets: [
        { name: 'People', rows: 3, columns: [{ name: 'name', type: 'text' }, { name: 'born', type: 'date' }, { name: 'salary', type: 'decimal' }] },
        { name: 'Entities', rows: 2, columns: [{ name: 'entity', type: 'text' }] },
      ],
    });
  });
});

describe('detectDatasetFormat', () => {
  it('takes workbooks for XLSX, as exceljs and LibreOffice write them', async () => {
    const workbook = await exceljsWorkbook((wb) => void addSheet(wb, 'S', [['a']]));
    expect(detectDatasetFormat(workbook.subarray(0, 4100), 'upload.bin')).toBe('xlsx');
    const fromLibreOffice = await libreOfficePeople();
    if (fromLibreOffice) expect(detectDatasetFormat(fromLibreOffice.subarray(0, 4100), 'people.xlsx')).toBe('xlsx');
  }, 120_000);

  it('takes an OLE container named .xlsx for an XLSX (to be refused as encrypted), and not one named .xls', () => {
    const ole = oleContainer(['EncryptionInfo', 'EncryptedPackage']);
    expect(detectDatasetFormat(ole, 'figures.xlsx')).toBe('xlsx');
    expect(detectDatasetFormat(ole, 'figures.xls')).toBeNull();
  });

  it('leaves other zip archives alone', () => {
    expect(detectDatasetFormat(zipOf([{ name: 'word/document.xml', data: Buffer.from('<w/>') }]), 'letter.docx')).toBeNull();
    expect(detectDatasetFormat(zipOf([{ name: 'photos/a.jpg', data: Buffer.from('jpeg') }]), 'photos.zip')).toBeNull();
  });

  it('takes text named .csv or .tsv for CSV, in UTF-8, UTF-16 or Windows-1252, and not binary named so', () => {
    expect(detectDatasetFormat(csv('id,name\n1,Zoë\n'), 'people.csv')).toBe('csv');
    expect(detectDatasetFormat(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a\tb\r\n', 'utf16le')]), 'export.TSV')).toBe('csv');
    expect(detectDatasetFormat(Buffer.from('name\nCaf\xe9\n', 'latin1'), 'legacy.csv')).toBe('csv');
    expect(detectDatasetFormat(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]), 'image.csv')).toBeNull();
    expect(detectDatasetFormat(csv('id,name\n1,Zoë\n'), 'minutes.txt')).toBeNull();
    expect(detectDatasetFormat(Buffer.alloc(0), 'empty.csv')).toBeNull();
  });
});

describe('large files are streamed', () => {
  let dir: string;
  let bigCsv: string;
  let bigXlsx: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-datasets-'));
    bigCsv = path.join(dir, 'people.csv');
    bigXlsx = path.join(dir, 'people.xlsx');
    const out = fs.createWriteStream(bigCsv);
    out.write('id,name,email,amount,joined,note\n');
    for (let i = 0; i < 1_000_000; i++) {
      if (!out.write(`${i},Person ${i} Müller,p${i}@example.com,${i * 1.25},2020-01-${String(1 + (i % 28)).padStart(2, '0')},"a note, with a comma, on row ${i} of the list"\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
    // Written by exceljs in a process of its own: its writer's memory must not sit in the baseline here.
    await promisify(execFile)(process.execPath, ['--input-type=module', '-e', WORKBOOK_WRITER, bigXlsx, '200000'], { cwd: PROJECT_ROOT, timeout: 110_000 });
  }, 120_000);

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a 1,000,000-row, 100 MB CSV with RSS growing well under 100 MB', async () => {
    expect(fs.statSync(bigCsv).size).toBeGreaterThan(100 * 2 ** 20);
    const measured = await measureRead(bigCsv, 'csv');
    console.log(`1,000,000-row CSV (${Math.round(fs.statSync(bigCsv).size / 2 ** 20)} MB): ${measured.seconds.toFixed(1)} s, RSS +${measured.rssGrowth.toFixed(0)} MB`);
    expect(measured.rows).toBe(1_000_000);
    expect(measured.last).toEqual(['999999', 'Person 999999 Müller', 'p999999@example.com', '1249998.75', '2020-01-08', 'a note, with a comma, on row 999999 of the list']);
    expect(measured.rssGrowth).toBeLessThan(100);
  }, 120_000);

  it('reads a 200,000-row XLSX with RSS growing well under 150 MB', async () => {
    const measured = await measureRead(bigXlsx, 'xlsx');
    console.log(`200,000-row XLSX (${Math.round(fs.statSync(bigXlsx).size / 2 ** 20)} MB, ~70 MB of XML): ${measured.seconds.toFixed(1)} s, RSS +${measured.rssGrowth.toFixed(0)} MB`);
    expect(measured.rows).toBe(200_000);
    expect(measured.last).toEqual(['199999', 'Person 199999 Müller', 'p199999@example.com', '249998.75', '2022-09-26', 'FALSE', 'Bern']);
    expect(measured.rssGrowth).toBeLessThan(150);
  }, 120_000);

  it.each([
    ['csv', () => bigCsv],
    ['xlsx', () => bigXlsx],
  ] as const)('closes the file when the reader stops after 10 rows of a large %s', async (format, file) => {
    const { open, streams } = trackedOpener(file());
    let rows = 0;
    for await (const event of readDataset(open, format)) if (event.kind === 'row' && ++rows === 10) break;
    await Promise.all(streams.map((stream) => (stream.closed ? undefined : once(stream, 'close'))));
    expect(streams.length).toBeGreaterThanOrEqual(2);
    expect(streams.every((stream) => stream.destroyed)).toBe(true);
    // The last one, which the rows came from, was closed long before its end.
    expect(streams.at(-1)!.bytesRead).toBeLessThan(fs.statSync(file()).size / 2);
  }, 60_000);
});

/** A 200,000-row workbook of 7 columns, shared strings, dates: written by exceljs's streaming writer. */
const WORKBOOK_WRITER = `
import ExcelJS from 'exceljs';
const [file, rows] = [process.argv[1], Number(process.argv[2])];
const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: true });
const sheet = workbook.addWorksheet('People');
sheet.addRow(['id', 'name', 'email', 'amount', 'joined', 'active', 'city']).commit();
const cities = ['Zürich', 'Genève', 'Basel', 'Bern'];
for (let i = 0; i < rows; i++) {
  const row = sheet.addRow([i, 'Person ' + i + ' Müller', 'p' + i + '@example.com', i * 1.25, new Date(Date.UTC(2020, 0, 1 + (i % 1000))), i % 2 === 0, cities[i % 4]]);
  row.getCell(5).numFmt = 'yyyy-mm-dd';
  row.commit();
}
sheet.commit();
await workbook.commit();
`;

/** Reads a file in a process of its own (so nothing of this one is in its baseline), sampling RSS as it goes. */
const MEASURING_PROGRAM = `
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { readDataset } from ${JSON.stringify(path.join(PROJECT_ROOT, 'server/datasets/read-dataset.ts'))};

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc');
const [file, format] = [process.argv[1], process.argv[2]];
collectGarbage();
const before = process.memoryUsage.rss();
let peak = before;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 10);
const started = Date.now();
let rows = 0;
let last = null;
for await (const event of readDataset(async () => fs.createReadStream(file), format)) {
  if (event.kind === 'row') { rows++; last = event.row.cells; }
}
const seconds = (Date.now() - started) / 1000;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage.rss());
console.log(JSON.stringify({ rows, last, seconds, rssGrowth: (peak - before) / 2 ** 20 }));
`;

async function measureRead(file: string, format: DatasetFormat): Promise<{ rows: number; last: string[]; seconds: number; rssGrowth: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', MEASURING_PROGRAM, file, format], { cwd: PROJECT_ROOT, timeout: 110_000 });
  return JSON.parse(stdout);
}
