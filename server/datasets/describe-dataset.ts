import type { Readable } from 'node:stream';
import type { ColumnType, DatasetDescription, DatasetEvent, DatasetFormat, SheetDescription } from './dataset-types.js';
import { readDataset, type DatasetLimits } from './read-dataset.js';

/**
 * What a stored dataset holds, from one read of it: its sheets, each one's data rows and its
 * columns with the type of their values. Memory holds one row and a type per column, whatever the
 * file's size. Throws what readDataset throws.
 */
export async function describeDataset(open: () => Promise<Readable>, format: DatasetFormat, limits?: Partial<DatasetLimits>): Promise<DatasetDescription> {
  const describing = describer(format);
  for await (const event of readDataset(open, format, limits)) describing.add(event);
  return describing.description;
}

/** The description of a dataset built from the reader's events as they come (one read may serve several purposes: service.ts describeUpload). */
export function describer(format: DatasetFormat): { add(event: DatasetEvent): void; description: DatasetDescription } {
  const sheets: SheetDescription[] = [];
  return {
    description: { format, sheets },
    add(event) {
      if (event.kind === 'sheet') {
        sheets.push({ name: event.name, rows: 0, columns: event.header.map((name) => ({ name, type: 'empty' })) });
        return;
      }
      const sheet = sheets[event.row.sheet];
      sheet.rows++;
      event.row.cells.forEach((cell, column) => {
        const described = sheet.columns[column];
        if (described.type !== 'text') described.type = widen(described.type, cell);
      });
    },
  };
}

/**
 * The type of a column that was `type` so far and now also holds `value`: the narrowest type all
 * of its non-blank values have, integers and decimals together being decimal, any other mix text.
 */
export function widen(type: ColumnType, value: string): ColumnType {
  const text = value.trim();
  if (text === '') return type;
  const kind = typeOfValue(text);
  if (type === 'empty' || type === kind) return kind;
  if ((type === 'integer' || type === 'decimal') && (kind === 'integer' || kind === 'decimal')) return 'decimal';
  return 'text';
}

/**
 * Integers without leading zeros and of at most 15 digits (a postcode "01234" or a 16-digit
 * account number is an identifier, whose digits a number would lose); decimals with a point
 * (a decimal comma is indistinguishable from a thousands separator); ISO dates and times, and
 * day/month/year dates either way round; TRUE and FALSE as spreadsheets write them.
 */
function typeOfValue(text: string): Exclude<ColumnType, 'empty'> {
  if (/^[+-]?(0|[1-9]\d{0,14})$/.test(text)) return 'integer';
  if (/^[+-]?(?:(?:0|[1-9]\d*)?\.\d+(?:[eE][+-]?\d+)?|(?:0|[1-9]\d*)[eE][+-]?\d+)$/.test(text)) return 'decimal';
  if (/^(true|false)$/i.test(text)) return 'boolean';
  if (isDate(text)) return 'date';
  return 'text';
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const DAY_MONTH_YEAR = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$/;

function isDate(text: string): boolean {
  const iso = ISO_DATE.exec(text);
  if (iso) return isDay(Number(iso[2]), Number(iso[3]));
  const dmy = DAY_MONTH_YEAR.exec(text);
  if (dmy) return isDay(Number(dmy[2]), Number(dmy[1])) || isDay(Number(dmy[1]), Number(dmy[2]));
  return false;
}

const isDay = (month: number, day: number) => month >= 1 && month <= 12 && day >= 1 && day <= 31;
