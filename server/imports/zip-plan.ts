import yauzl from 'yauzl';
import type { Config } from '../config.js';
import { HttpError, type ErrorCode } from '../errors.js';

/** What one ZIP import may unpack (docs: the import's caps, and why). */
export interface ImportLimits {
  /** Entries of every kind (files, folders, skipped ones): 10,000 or more are refused. */
  maxEntries: number;
  /** One file: the same cap as one upload. */
  maxEntryBytes: number;
  /** All files together. */
  maxTotalBytes: number;
  /** Inflated / compressed, for a file past `ratioFloorBytes`: real documents stay far below it, zeros reach 1,000. */
  maxRatio: number;
  ratioFloorBytes: number;
  /** Folders inside folders, from the ZIP's top. */
  maxDepth: number;
}

export const importLimitsOf = (config: Pick<Config, 'maxUploadBytes'>): ImportLimits => ({
  maxEntries: 9_999,
  maxEntryBytes: config.maxUploadBytes,
  maxTotalBytes: 4 * config.maxUploadBytes,
  maxRatio: 100,
  ratioFloorBytes: 1024 * 1024,
  maxDepth: 32,
});

/** The longest folder name (as a folder created through the API may have). */
const MAX_FOLDER_NAME = 200;

/** A folder the import creates; `path` is its place in the ZIP, "Finance/Payroll". */
export interface PlannedFolder {
  path: string;
  name: string;
  parent: string | null;
}

export interface PlannedFile {
  /** The entry's name as the ZIP gives it (after decoding): what a refusal names. */
  entryName: string;
  /** The file's own name, the last part of the path: the document's title and file name come from it. */
  name: string;
  /** The folder it goes into; null: the folder imported into. */
  folder: string | null;
  entry: yauzl.Entry;
}

export interface ImportPlan {
  /** Parents before their children; siblings in the natural order of their names. */
  folders: PlannedFolder[];
  /** In folder order, then by name: the order of their positions. */
  files: PlannedFile[];
  /** What the import leaves out on purpose (a Mac's or Windows' own files), with why. */
  skipped: Array<{ entry: string; reason: string }>;
}

/** Written by operating systems into ZIPs of folders, never by anyone as a document. */
const SYSTEM_FILES = new Set(['.ds_store', 'thumbs.db', 'desktop.ini']);

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** A name as it may be shown back in a message: no control characters, bounded. */
const shown = (name: string) => Array.from(name.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?')).slice(0, 300).join('');

/** A refusal naming the entry at fault, in `details` as `entries.<name>`. */
export function refuseEntry(entryName: string, why: string, status: 400 | 413 | 415 | 422 = 400, code: ErrorCode = CODES[status]): HttpError {
  const name = shown(entryName);
  return new HttpError(status, code, `ZIP entry "${name}": ${why}.`, { [`entries.${name}`]: why });
}

/** A refusal of the archive as a whole, naming the form's `file`. */
export const refuseFile = (why: string, status: 400 | 413 | 415 = 400): HttpError => new HttpError(status, CODES[status], `The ZIP cannot be imported: ${why}.`, { file: why });

const CODES = { 400: 'invalid_request', 413: 'too_large', 415: 'unsupported_type', 422: 'invalid_request' } as const satisfies Record<number, ErrorCode>;

/** Opens the spooled ZIP for reading: its central directory, entry by entry, names undecoded (we judge them). */
export async function openZip(filePath: string): Promise<yauzl.ZipFile> {
  try {
    return await yauzl.openPromise(filePath, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false });
  } catch (err) {
    throw refuseFile(`not a readable ZIP archive (${(err as Error).message})`);
  }
}

const naturalOrder = new Intl.Collator('en', { numeric: true, sensitivity: 'base' }).compare;

/**
 * Reads the ZIP's central directory and decides, before one byte of any file is unpacked, what the
 * import will create — or refuses naming the entry. Entry names are only ever titles and folder
 * names here (nothing is written to a path), but a name that would be a path out of the folder
 * when unpacked (`../`, `/etc`, `C:\`) is refused all the same: such an archive is an attack or
 * broken, and the deal team should know rather than get a quietly renamed file. So are links,
 * devices, encrypted entries, methods other than stored and deflated, and sizes past the caps — a
 * declared size is held to when the file is unpacked (yauzl's validateEntrySizes), so the caps
 * checked here bound the work.
 *
 * Duplicates are refused, not renamed: two entries of one name (case aside, as Windows and macOS
 * unpack them) mean an archive whose author cannot know which file they meant, and silently keeping
 * both would put a file before the deal team they may never have seen.
 */
export async function planImport(zip: yauzl.ZipFile, limits: ImportLimits): Promise<ImportPlan> {
  if (zip.entryCount > limits.maxEntries) {
    throw refuseFile(`it holds ${zip.entryCount} entries; at most ${limits.maxEntries.toLocaleString('en')} are imported at once`, 413);
  }
  const folders = new Map<string, PlannedFolder>();
  const files = new Map<string, PlannedFile>();
  const skipped: ImportPlan['skipped'] = [];
  const listedFolders = new Set<string>();
  let total = 0;

  const addFolder = (segments: string[], entryName: string) => {
    for (let i = 1; i <= segments.length; i++) {
      const key = segments.slice(0, i).join('/').toLowerCase();
      if (files.has(key)) throw refuseEntry(entryName, 'a file and a folder of the same name');
      if (!folders.has(key)) {
        folders.set(key, { path: segments.slice(0, i).join('/'), name: segments[i - 1], parent: i > 1 ? segments.slice(0, i - 1).join('/').toLowerCase() : null });
      }
    }
  };

  try {
    for await (const entry of zip.eachEntry()) {
      const entryName = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false).normalize('NFC');
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (/[\u0000-\u001f\u007f]/.test(entryName)) throw refuseEntry(entryName, 'its name holds control characters');
      if (entryName.startsWith('/')) throw refuseEntry(entryName, 'an absolute path');
      if (/^[A-Za-z]:/.test(entryName)) throw refuseEntry(entryName, 'a path with a drive letter');
      const isDirectory = entryName.endsWith('/') || mode === S_IFDIR;
      const segments = entryName.split('/').filter((s) => s !== '' && s !== '.');
      if (segments.includes('..')) throw refuseEntry(entryName, 'a path out of the folder (..)');
      if (mode === S_IFLNK) throw refuseEntry(entryName, 'a symbolic link');
      if (mode !== 0 && mode !== S_IFREG && mode !== S_IFDIR) throw refuseEntry(entryName, 'not a regular file or folder');
      if (entry.generalPurposeBitFlag & 0x1) throw refuseEntry(entryName, 'encrypted');
      if (segments.length === 0) throw refuseEntry(entryName, 'an entry without a name');
      if (segments.length > limits.maxDepth) throw refuseEntry(entryName, `folders nested deeper than ${limits.maxDepth}`);
      const system = segments.some((s) => s === '__MACOSX') || SYSTEM_FILES.has(segments.at(-1)!.toLowerCase()) || segments.at(-1)!.startsWith('._');
      if (system) {
        skipped.push({ entry: shown(entryName), reason: 'written by the operating system, not a document' });
        continue;
      }
      const folderSegments = isDirectory ? segments : segments.slice(0, -1);
      const long = folderSegments.find((s) => s.trim().length > MAX_FOLDER_NAME);
      if (long) throw refuseEntry(entryName, `a folder name longer than ${MAX_FOLDER_NAME} characters`);
      if (folderSegments.some((s) => s.trim() === '')) throw refuseEntry(entryName, 'a folder name of only spaces');

      if (isDirectory) {
        // A folder implied by a file inside it and then listed is one folder; listed twice, it is a duplicate.
        const key = segments.join('/').toLowerCase();
        if (listedFolders.has(key)) throw refuseEntry(entryName, 'a second entry of the same name');
        listedFolders.add(key);
        addFolder(segments, entryName);
        continue;
      }
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) throw refuseEntry(entryName, `compressed with method ${entry.compressionMethod}; only stored and deflated entries are read`);
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        throw refuseEntry(entryName, `it unpacks to ${entry.uncompressedSize} bytes, over the ${limits.maxEntryBytes}-byte limit of one file`, 413);
      }
      if (entry.uncompressedSize > limits.ratioFloorBytes && entry.uncompressedSize > limits.maxRatio * entry.compressedSize) {
        throw refuseEntry(entryName, `compressed more than ${limits.maxRatio} to 1, as a ZIP bomb is`, 413);
      }
      total += entry.uncompressedSize;
      if (total > limits.maxTotalBytes) throw refuseEntry(entryName, `the archive unpacks to more than ${limits.maxTotalBytes} bytes in all`, 413);
      const key = segments.join('/').toLowerCase();
      if (files.has(key) || folders.has(key)) throw refuseEntry(entryName, 'a second entry of the same name');
      addFolder(folderSegments, entryName);
      files.set(key, { entryName, name: segments.at(-1)!, folder: folderSegments.length ? folderSegments.join('/').toLowerCase() : null, entry });
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw refuseFile(`not a readable ZIP archive (${(err as Error).message})`);
  }

  // Folders, parents first and siblings by name (1 before 2 before 10): the order a data room index reads in.
  const childrenOf = new Map<string | null, PlannedFolder[]>();
  for (const f of folders.values()) childrenOf.set(f.parent, [...(childrenOf.get(f.parent) ?? []), f]);
  const ordered: PlannedFolder[] = [];
  const walk = (parent: string | null) => {
    for (const f of (childrenOf.get(parent) ?? []).sort((a, b) => naturalOrder(a.name, b.name) || (a.name < b.name ? -1 : 1))) {
      ordered.push(f);
      walk(f.path.toLowerCase());
    }
  };
  walk(null);
  const rank = new Map<string | null, number>([[null, -1], ...ordered.map((f, i) => [f.path.toLowerCase(), i] as const)]);
  const plannedFiles = [...files.values()].sort((a, b) => rank.get(a.folder)! - rank.get(b.folder)! || naturalOrder(a.name, b.name) || (a.name < b.name ? -1 : 1));
  return { folders: ordered.map(({ path, name, parent }) => ({ path, name: name.trim(), parent })), files: plannedFiles, skipped };
}
