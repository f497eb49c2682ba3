import { CLASSIFICATIONS, LEVELS, PERSONAL_DATA, classificationOf, classificationRank, levelOf, levelRank, personalDataOf, personalDataRank, type Classification, type Level, type PersonalData } from '../ranks.js';

/**
 * The permission matrix as a sheet: what the export writes and the import reads back.
 *
 *        A          B             C (hidden)     D, E, …
 *   1    Index      Folder        Folder id      party name     (names: for people, never read back)
 *   2    MARKER     room id       grants version party id       (hidden: what the import goes by)
 *   3               Whole room    room           cells of grants on the whole room (folderId null)
 *   4…   1.2        Payroll       folder id      cells of grants on that folder's subtree
 *
 * Folders and parties are matched by their ids, so a folder renamed or moved since the export, or a
 * party renamed, still gets the cells of its row or column.
 */
export const MATRIX_SHEET = 'Permissions';
export const README_SHEET = 'Read me';
/** A2: says the sheet is a Gatehouse permission matrix, and of which layout. */
export const MATRIX_MARKER = 'gatehouse:permission-matrix:1';
/** The folder id cell of the whole-room row. */
export const WHOLE_ROOM = 'room';

export const HEADER_ROW = 1;
export const ID_ROW = 2;
export const ROOM_ROW = 3;
export const FIRST_FOLDER_ROW = 4;

export const INDEX_COLUMN = 1;
export const NAME_COLUMN = 2;
export const FOLDER_ID_COLUMN = 3;
export const FIRST_PARTY_COLUMN = 4;

/** The cells of row 2 that are not party ids: the marker, the room and the version of its grants. */
export const MARKER_COLUMN = INDEX_COLUMN;
export const ROOM_ID_COLUMN = NAME_COLUMN;
export const VERSION_COLUMN = FOLDER_ID_COLUMN;

/** What one grant says, without the grant's identity: two grants alike read alike in a cell. */
export interface GrantTerms {
  levelRank: number;
  maxClassificationRank: number;
  maxPersonalDataRank: number;
  expiresAt: string | null;
}

/** `level/maxClassification/maxPersonalData[/expiresAt]`, e.g. `view/standard/pseudonymised/2027-03-31T00:00:00.000Z`. */
export function grantText(g: GrantTerms): string {
  const parts: string[] = [levelOf(g.levelRank), classificationOf(g.maxClassificationRank), personalDataOf(g.maxPersonalDataRank)];
  if (g.expiresAt !== null) parts.push(canonicalTime(g.expiresAt));
  return parts.join('/');
}

/**
 * A party's grants on one folder as one cell. A party may hold several grants on a folder (download
 * of what is standard, view of what is highly confidential): they share the cell, separated by `; `,
 * strongest first, so the same grants always read the same.
 */
export function cellText(grants: GrantTerms[]): string {
  return [...grants].sort(strongestFirst).map(grantText).join('; ');
}

const strongestFirst = (a: GrantTerms, b: GrantTerms) =>
  b.levelRank - a.levelRank ||
  b.maxClassificationRank - a.maxClassificationRank ||
  b.maxPersonalDataRank - a.maxPersonalDataRank ||
  (a.expiresAt === b.expiresAt ? 0 : a.expiresAt === null ? -1 : b.expiresAt === null ? 1 : a.expiresAt < b.expiresAt ? 1 : -1);

/** Times as the API writes them (`toISOString`), so a grant's cell text is the same however it was stored. */
export const canonicalTime = (time: string) => {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? time : new Date(ms).toISOString();
};

/** An ISO 8601 instant with a time and a zone: `2027-03-31T00:00:00Z`, `2027-03-31T02:00:00+02:00`, with optional fractions. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Why a cell's text is not grants (the words a person fixing the sheet reads), or its grants. */
export function parseCell(text: string): { grants: GrantTerms[] } | { error: string } {
  const grants: GrantTerms[] = [];
  const pieces = text.split(';').map((p) => p.trim()).filter((p) => p !== '');
  for (const piece of pieces) {
    const fields = piece.split('/').map((f) => f.trim());
    const quoted = `"${piece.length > 80 ? `${piece.slice(0, 80)}…` : piece}"`;
    if (fields.length < 3 || fields.length > 4) {
      return { error: `${quoted} is not a grant: write level/classification/personal data[/expiry], e.g. view/standard/none${pieces.length > 1 ? ' (several grants separated by ;)' : ''}` };
    }
    const [level, classification, personalData, expiresAt] = [fields[0].toLowerCase(), fields[1].toLowerCase(), fields[2].toLowerCase(), fields[3]];
    if (!(LEVELS as readonly string[]).includes(level)) return { error: `unknown level "${clip(fields[0])}" in ${quoted}: one of ${LEVELS.join(', ')}` };
    if (!(CLASSIFICATIONS as readonly string[]).includes(classification)) {
      return { error: `unknown classification "${clip(fields[1])}" in ${quoted}: one of ${CLASSIFICATIONS.join(', ')}` };
    }
    if (!(PERSONAL_DATA as readonly string[]).includes(personalData)) {
      return { error: `unknown personal data value "${clip(fields[2])}" in ${quoted}: one of ${PERSONAL_DATA.join(', ')}` };
    }
    let expiry: string | null = null;
    if (expiresAt !== undefined) {
      const ms = ISO_INSTANT.test(expiresAt) ? Date.parse(expiresAt) : NaN;
      if (Number.isNaN(ms)) return { error: `malformed expiry date "${clip(expiresAt)}" in ${quoted}: an ISO 8601 time with its zone, e.g. 2027-03-31T00:00:00Z` };
      expiry = new Date(ms).toISOString();
    }
    grants.push({
      levelRank: levelRank(level as Level),
      maxClassificationRank: classificationRank(classification as Classification),
      maxPersonalDataRank: personalDataRank(personalData as PersonalData),
      expiresAt: expiry,
    });
  }
  return { grants };
}

const clip = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/**
 * Text a spreadsheet must show, never run: a name beginning with = + - @ (or a tab or carriage
 * return, which some programs skip before looking) gets a leading apostrophe, as on every CSV
 * export. The cell is a text cell anyway (Excel does not evaluate one), but a sheet is copied,
 * pasted and saved as CSV, where the text alone would become a formula again.
 */
export function formulaSafe(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** A column's letters: 1 → A, 27 → AA. */
export function columnLetters(column: number): string {
  let name = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

export const cellAddress = (row: number, column: number) => `${columnLetters(column)}${row}`;
