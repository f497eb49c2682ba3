import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { promisify } from 'node:util';
import { constants as zlibConstants, crc32, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import type { DatasetEvent } from '../../../server/datasets/dataset-types.js';

/**
 * Files for the dataset reader's tests: workbooks written by exceljs, by LibreOffice and by hand,
 * zip archives laid out byte by byte (bombs, data descriptors), OLE containers, and the streams
 * they are read from.
 */

/** An `open` for readDataset over bytes, in chunks of `chunkBytes` (small ones cut characters and headers in two). */
export function opener(data: Buffer, chunkBytes = 64 * 1024): () => Promise<Readable> {
  return async () => Readable.from(chunksOf(data, chunkBytes));
}

function* chunksOf(data: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

/** An `open` of a file that remembers every stream it opened, to see that the reader closes them. */
export function trackedOpener(file: string) {
  const streams: fs.ReadStream[] = [];
  const open = async () => {
    const stream = fs.createReadStream(file);
    streams.push(stream);
    return stream;
  };
  return { open, streams };
}

/** An `open` whose stream delivers `data` and then fails as a broken disk or network would. */
export function failingOpener(data: Buffer, failAfterBytes: number, error: Error): () => Promise<Readable> {
  return async () => {
    const stream = new PassThrough();
    stream.write(data.subarray(0, failAfterBytes));
    setTimeout(() => stream.destroy(error), 10);
    return stream;
  };
}

/** Every event of a read, as the tests compare them. */
export async function eventsOf(events: AsyncIterable<DatasetEvent>): Promise<DatasetEvent[]> {
  const all: DatasetEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/** The sheets of a read as `{ name, header, rows }`. */
export async function tablesOf(events: AsyncIterable<DatasetEvent>) {
  const tables: Array<{ name: string; header: string[]; rows: string[][] }> = [];
  for await (const event of events) {
    if (event.kind === 'sheet') tables.push({ name: event.name, header: event.header, rows: [] });
    else tables[event.row.sheet].rows.push(event.row.cells);
  }
  return tables;
}

/** A workbook written by exceljs's streaming writer with shared strings, as the upload of an exceljs user would be. */
export async function exceljsWorkbook(build: (workbook: ExcelJS.stream.xlsx.WorkbookWriter) => void | Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: true, useStyles: true });
  await build(workbook);
  await workbook.commit();
  return Buffer.concat(chunks);
}

/** A sheet of rows added and committed one by one, as the streaming writer wants them. */
export function addSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, name: string, rows: ExcelJS.CellValue[][]): ExcelJS.Worksheet {
  const sheet = workbook.addWorksheet(name);
  for (const values of rows) sheet.addRow(values).commit();
  sheet.commit();
  return sheet;
}

/** An XLSX rewritten with JSZip: `edit` changes its entries, which are then stored in `order` (names first, then the rest). */
export async function rewriteZip(data: Buffer, edit: (zip: JSZip) => Promise<void> | void, order: string[] = []): Promise<Buffer> {
  const zip = await JSZip.loadAsync(data);
  await edit(zip);
  const names = Object.keys(zip.files).filter((name) => !zip.files[name].dir);
  const reordered = new JSZip();
  for (const name of [...order, ...names.filter((n) => !order.includes(n))]) reordered.file(name, await zip.file(name)!.async('nodebuffer'));
  return reordered.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

export interface ZipFile {
  name: string;
  /** Deflated here, unless `deflated` is given. */
  data?: Buffer;
  /** An already deflated body and the size it inflates to. */
  deflated?: { bytes: Buffer; size: number };
  /** Sizes and CRC after the data (a data descriptor), as LibreOffice and exceljs write every entry. */
  sizesAfterData?: boolean;
}

/** A zip archive laid out byte by byte: local headers, bodies, central directory. */
export function zipOf(files: ZipFile[]): Buffer {
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name, 'utf8');
    const body = file.deflated?.bytes ?? deflateRawSync(file.data!);
    const size = file.deflated?.size ?? file.data!.length;
    const crc = file.data ? crc32(file.data) : 0;
    const flags = 0x800 | (file.sizesAfterData ? 0x08 : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(8, 8);
    if (!file.sizesAfterData) {
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(body.length, 18);
      local.writeUInt32LE(size, 22);
    }
    local.writeUInt16LE(name.length, 26);
    parts.push(local, name, body);
    let length = local.length + name.length + body.length;
    if (file.sizesAfterData) {
      const descriptor = Buffer.alloc(16);
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(crc, 4);
      descriptor.writeUInt32LE(body.length, 8);
      descriptor.writeUInt32LE(size, 12);
      parts.push(descriptor);
      length += descriptor.length;
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    directory.push(central, name);
    offset += length;
  }
  const directoryBytes = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directoryBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directoryBytes, end]);
}

/**
 * `gibibytes` of zeros as a deflate stream of about a megabyte each: one mebibyte compressed and
 * flushed to a byte boundary (its back-references stay inside it), repeated, then an empty final
 * block. Nothing of the size is ever made.
 */
export function deflatedZeros(gibibytes: number): { bytes: Buffer; size: number } {
  const segment = deflateRawSync(Buffer.alloc(2 ** 20), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const count = gibibytes * 1024;
  return { bytes: Buffer.concat([...Array.from({ length: count }, () => segment), Buffer.from([0x03, 0x00])]), size: count * 2 ** 20 };
}

/** A body deflated as one stored (uncompressed) block: its bytes appear in the entry as they are. */
export function deflatedAsStored(data: Buffer): { bytes: Buffer; size: number } {
  const header = Buffer.alloc(5);
  header[0] = 0x01; // final block, stored
  header.writeUInt16LE(data.length, 1);
  header.writeUInt16LE(~data.length & 0xffff, 3);
  return { bytes: Buffer.concat([header, data]), size: data.length };
}

const SPREADSHEET_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const RELATIONSHIPS_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PACKAGE_RELATIONSHIPS_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';

/**
 * A workbook written by hand, part by part, for what exceljs's writer never produces (inline
 * strings, typed dates, the 1904 date system, phonetic guides, cells without addresses). Sheets
 * are `<sheetData>` contents; number formats are `[numFmtId, formatCode?]` per cell style.
 */
export function handmadeWorkbook(options: HandmadeWorkbook): Buffer {
  return zipOf(handmadeWorkbookFiles(options));
}

interface HandmadeWorkbook {
  sheets: Array<{ name: string; rows: string }>;
  sharedStrings?: string[];
  cellFormats?: Array<[number, string?]>;
  date1904?: boolean;
  extraFiles?: ZipFile[];
}

/** The entries of a handmade workbook, to be zipped (in another order, or with one replaced). */
export function handmadeWorkbookFiles(options: HandmadeWorkbook): ZipFile[] {
  const { sheets, sharedStrings = [], cellFormats = [[0]], date1904 = false } = options;
  const customFormats = cellFormats.filter(([, code]) => code !== undefined);
  const files: ZipFile[] = [
    {
      name: '[Content_Types].xml',
      data: Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`,
      ),
    },
    { name: '_rels/.rels', data: Buffer.from(`<?xml version="1.0"?><Relationships xmlns="${PACKAGE_RELATIONSHIPS_NS}"><Relationship Id="rId1" Type="${RELATIONSHIPS_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`) },
    ...sheets.map((sheet, i) => ({
      name: `xl/worksheets/sheet${i + 1}.xml`,
      data: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${SPREADSHEET_NS}"><sheetData>${sheet.rows}</sheetData></worksheet>`),
      sizesAfterData: true,
    })),
    {
      name: 'xl/sharedStrings.xml',
      data: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${SPREADSHEET_NS}">${sharedStrings.map((s) => (s.startsWith('<') ? `<si>${s}</si>` : `<si><t>${s}</t></si>`)).join('')}</sst>`),
    },
    {
      name: 'xl/styles.xml',
      data: Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="${SPREADSHEET_NS}"><numFmts count="${customFormats.length}">${customFormats.map(([id, code]) => `<numFmt numFmtId="${id}" formatCode="${code}"/>`).join('')}</numFmts><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs count="${cellFormats.length}">${cellFormats.map(([id]) => `<xf numFmtId="${id}" xfId="0"/>`).join('')}</cellXfs></styleSheet>`,
      ),
    },
    {
      name: 'xl/workbook.xml',
      data: Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${SPREADSHEET_NS}" xmlns:r="${RELATIONSHIPS_NS}"><workbookPr${date1904 ? ' date1904="1"' : ''}/><sheets>${sheets.map((sheet, i) => `<sheet name="${sheet.name}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`,
      ),
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: Buffer.from(
        `<?xml version="1.0"?><Relationships xmlns="${PACKAGE_RELATIONSHIPS_NS}">${sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${RELATIONSHIPS_NS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('')}<Relationship Id="rIdS" Type="${RELATIONSHIPS_NS}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rIdY" Type="${RELATIONSHIPS_NS}/styles" Target="styles.xml"/></Relationships>`,
      ),
    },
    ...(options.extraFiles ?? []),
  ];
  return files;
}

/**
 * An OLE container (Compound File Binary): the 512-byte header and one directory sector naming
 * `streams`. A password-protected XLSX is one holding EncryptionInfo and EncryptedPackage; an
 * Excel 97–2003 workbook one holding Workbook.
 */
export function oleContainer(streams: string[]): Buffer {
  const header = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header, 0);
  header.writeUInt16LE(0x3e, 24); // minor version
  header.writeUInt16LE(3, 26); // major version 3: 512-byte sectors
  header.writeUInt16LE(0xfffe, 28); // byte order
  header.writeUInt16LE(9, 30); // sector shift
  header.writeUInt16LE(6, 32); // mini sector shift
  header.writeUInt32LE(0, 48); // first directory sector
  const directory = Buffer.alloc(512);
  ['Root Entry', ...streams].slice(0, 4).forEach((name, i) => {
    const entry = directory.subarray(i * 128, (i + 1) * 128);
    entry.write(name, 0, 'utf16le');
    entry.writeUInt16LE((name.length + 1) * 2, 64);
    entry[66] = i === 0 ? 5 : 2; // root storage, or stream
  });
  return Buffer.concat([header, directory, Buffer.alloc(4096, 0x5a)]);
}

/** `csv` converted to XLSX by LibreOffice, or null where LibreOffice is not installed. */
export async function libreOfficeWorkbook(csv: string): Promise<Buffer | null> {
  if (!fs.existsSync('/usr/bin/soffice')) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-lo-'));
  try {
    fs.writeFileSync(path.join(dir, 'people.csv'), csv);
    // A profile of its own, so that this run does not wait on another LibreOffice; the CSV is
    // comma-separated (44), quoted with " (34), UTF-8 (76), whatever the machine's locale says.
    await promisify(execFile)('/usr/bin/soffice', [`-env:UserInstallation=file://${dir}/profile`, '--headless', '--infilter=CSV:44,34,76', '--convert-to', 'xlsx', '--outdir', dir, path.join(dir, 'people.csv')], { timeout: 120_000 });
    return fs.readFileSync(path.join(dir, 'people.xlsx'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
