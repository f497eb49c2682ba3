import { isAscii } from 'node:buffer';
import { pipeline, Transform, type Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { NotADatasetError } from './dataset-types.js';
import type { DatasetLimits, SheetContent } from './read-dataset.js';

/**
 * A CSV file as one sheet, record by record, each field exactly as the file has it.
 *
 * The file is read twice, both times as a stream: first its start, for the encoding and the
 * delimiter, then the whole of it through csv-parse. Encodings: UTF-8 with or without a BOM,
 * UTF-16 with its BOM (Excel's "Unicode text"), and Windows-1252 for files that are not UTF-8
 * (Excel's "CSV" on western Windows). Delimiters: comma, semicolon, tab or pipe, whichever the
 * header line holds most of outside quotes (a comma when it holds none: one column).
 */
export async function* csvSheet(open: () => Promise<Readable>, limits: DatasetLimits): AsyncGenerator<SheetContent> {
  const { encoding, delimiter } = await sniffCsv(open);
  const source = await open();
  let sourceError: unknown;
  source.on('error', (err) => (sourceError ??= err));
  const records = pipeline(
    source,
    utf8Of(encoding),
    parse({
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      // A record is held whole: an unclosed quote would otherwise pull the rest of the file into
      // one field. No record within the limits (columns × characters a cell) is longer.
      max_record_size: limits.maxColumns * limits.maxCellCharacters,
    }),
    // Errors surface through the iteration below; stopping it early is no error.
    () => {},
  );
  try {
    yield { kind: 'sheet', name: CSV_SHEET_NAME };
    let number = 0;
    for await (const cells of records as AsyncIterable<string[]>) yield { kind: 'row', number: ++number, cells };
  } catch (err) {
    // A failed read of the stored file is not the file's fault: it passes on as it is.
    if (err === sourceError || err instanceof NotADatasetError || !(err instanceof CsvError)) throw err;
    if (err.code === 'CSV_MAX_RECORD_SIZE') {
      throw new NotADatasetError('cell_too_large', `A row of the file holds more than ${(limits.maxColumns * limits.maxCellCharacters).toLocaleString('en')} characters (a cell holds at most ${limits.maxCellCharacters.toLocaleString('en')}): is a quote left open?`);
    }
    throw new NotADatasetError('unreadable', `The file is not valid CSV: ${err.message}`);
  } finally {
    records.destroy();
    source.destroy();
  }
}

/** A CSV file has no sheet name; this is the one spreadsheet programs give a new workbook's first sheet. */
export const CSV_SHEET_NAME = 'Sheet1';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** Characters text does not hold, and binary files nearly always do (tab, line and page breaks excepted). */
const BINARY_CHARACTER = /[\u0000-\u0008\u000e-\u001f]/;
/** Enough of the start to see the header line, whose delimiters are counted. */
const HEAD_BYTES = 64 * 1024;
const DELIMITERS = [',', ';', '\t', '|'];

const binary = () => new NotADatasetError('binary', 'The file is named as CSV but holds binary data, not text.');

/**
 * The encoding of a text file from its first bytes, or null when they are not text. Used to tell a
 * CSV upload from its head alone; a read of the file decides from more of it (`sniffCsv`).
 */
export function headTextEncoding(head: Buffer): TextEncoding | null {
  const encoding = encodingOfBom(head) ?? (isUtf8Start(head) ? 'utf-8' : 'windows-1252');
  return BINARY_CHARACTER.test(new TextDecoder(encoding).decode(head, { stream: true })) ? null : encoding;
}

function encodingOfBom(head: Buffer): TextEncoding | null {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return null;
}

/** Valid UTF-8, but for a character the end may cut in two. */
function isUtf8Start(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * The encoding and the delimiter. Without a BOM, the encoding is UTF-8 unless the first bytes
 * outside ASCII are not UTF-8 — wherever they are: a Windows-1252 file's first "é" may come
 * a million rows in, so an all-ASCII start reads on (the stream only, nothing kept) until the
 * question is settled or the file ends.
 */
async function sniffCsv(open: () => Promise<Readable>): Promise<{ encoding: TextEncoding; delimiter: string }> {
  const source = await open();
  try {
    const head: Buffer[] = [];
    let headBytes = 0;
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    let encoding: TextEncoding | null = null;
    let nonAsciiSeen = false;
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (headBytes < HEAD_BYTES) {
        head.push(chunk.subarray(0, HEAD_BYTES - headBytes));
        headBytes += head.at(-1)!.length;
      }
      if (!encoding) {
        try {
          utf8.decode(chunk, { stream: true });
        } catch {
          encoding = 'windows-1252';
        }
        // One more chunk after the first one outside ASCII completes a character cut at its end.
        if (!encoding && nonAsciiSeen) encoding = 'utf-8';
        else if (!isAscii(chunk)) nonAsciiSeen = true;
      }
      if (encoding && headBytes >= HEAD_BYTES) break;
    }
    const start = Buffer.concat(head);
    if (!encoding) {
      try {
        utf8.decode();
        encoding = 'utf-8';
      } catch {
        encoding = 'windows-1252';
      }
    }
    encoding = encodingOfBom(start) ?? encoding;
    const text = new TextDecoder(encoding).decode(start, { stream: true });
    if (BINARY_CHARACTER.test(text)) throw binary();
    return { encoding, delimiter: delimiterOf(text) };
  } finally {
    source.destroy();
  }
}

/**
 * The delimiter the first line holding something has most of outside quotes, of the four
 * candidates only (a guess among any characters can be steered into splitting on a letter).
 */
function delimiterOf(text: string): string {
  const counts = new Map(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  let lineHoldsSomething = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) {
      if (lineHoldsSomething) break;
      continue;
    } else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
    if (ch.trim() !== '') lineHoldsSomething = true;
  }
  let best = DELIMITERS[0];
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/**
 * The file as UTF-8 for csv-parse, refused as binary at the first chunk that holds a character
 * text does not. UTF-8 passes through as it is (csv-parse decodes whole fields, so a character
 * split between chunks stays whole); the others are decoded across chunk boundaries.
 */
function utf8Of(encoding: TextEncoding): Transform {
  const decoder = encoding === 'utf-8' ? null : new TextDecoder(encoding);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      // In UTF-8, bytes below 0x20 are only ever those characters: latin1 shows them one to one.
      const text = decoder ? decoder.decode(chunk, { stream: true }) : chunk.toString('latin1');
      if (BINARY_CHARACTER.test(text)) return done(binary());
      done(null, decoder ? Buffer.from(text, 'utf8') : chunk);
    },
    flush(done) {
      const rest = decoder?.decode() ?? '';
      if (BINARY_CHARACTER.test(rest)) return done(binary());
      done(null, rest ? Buffer.from(rest, 'utf8') : undefined);
    },
  });
}
