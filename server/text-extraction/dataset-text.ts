import type { Readable } from 'node:stream';
import { roleOf } from '../datasets/delivery-plan.js';
import { NotADatasetError, type DatasetClassification, type DatasetDescription, type DatasetFormat } from '../datasets/dataset-types.js';
import { readDataset, type DatasetLimits } from '../datasets/read-dataset.js';
import { ExtractionBudget } from './extraction-budget.js';
import { hasWords, normalisePageText } from './page-text.js';
import { TextExtractionError, type DocumentText, type PageText } from './text-extraction-types.js';

/*
 * A dataset's words for the index (docs/http-api.md, "Search"): its sheet names, and the names and
 * values of the columns the deal team has said hold no personal data — never anything of a `direct`
 * or `quasi` column, nor of a column they have not looked at. The dataset code delivers a column it
 * was never told about as `none` (roleOf), but unclassified-columns.ts is why that reading holds only
 * for columns that were there when the deal team classified: a column new in this version, or every
 * column of a dataset not yet classified, may hold anything. So a column's values are indexed only
 * when the classification has seen it and gives it no role.
 *
 * Who may read what is narrower than the document for a dataset whose rows are scoped to entities
 * (delivery-plan.ts): each page says which entities' NDA coverage it needs (`entityIds`), so that a
 * search never finds a value in a row the searcher would not be delivered.
 */

export interface DatasetTextSource {
  /** A fresh stream of the stored file each time it is called (readDataset reads a file more than once). */
  open: () => Promise<Readable>;
  format: DatasetFormat;
  /** The version's stored description (`dataset_descriptions`). */
  description: DatasetDescription;
  /** The document's classification (findClassification); null or `seen`-less: nothing classified yet. */
  classification: DatasetClassification | null;
  /** The entity the document is filed under: a sheet without the entity column belongs to it. */
  documentEntityId: string;
}

export interface DatasetTextOptions {
  /** UTF-8 bytes kept per page: default 1 MiB. */
  maxPageBytes?: number;
  /** UTF-8 bytes kept for the dataset: default 4 MiB; reading stops there. */
  maxDocumentBytes?: number;
  /** Default 10 min; past it, TextExtractionError 'too_long'. */
  timeoutMs?: number;
  signal?: AbortSignal;
  limits?: Partial<DatasetLimits>;
}

/**
 * One page of a dataset's text. `entityIds` says who may find it:
 * - null: whoever may view the document (the sheet's name and its indexed column names, and the
 *   values of a dataset whose rows are not scoped to entities);
 * - a list: only a searcher whose NDA coverage includes one of these entities (the rows of one
 *   entity; a sheet without the entity column, which belongs to the document's entity);
 * - empty: the deal team only (rows whose entity value maps to no entity, or a classification whose
 *   entity column this version no longer has).
 * The simplest safe index keeps only the pages whose `entityIds` is null.
 */
export interface DatasetPageText extends PageText {
  sheet: string;
  entityIds: string[] | null;
}

export interface DatasetText extends DocumentText {
  pages: DatasetPageText[];
}

const DEFAULTS = { maxPageBytes: 1024 * 1024, maxDocumentBytes: 4 * 1024 * 1024, timeoutMs: 10 * 60_000 };
/** Distinct values a page remembers, to index each once: dropped whole when full, as pseudonymiser does. */
const REMEMBERED_VALUES = 65_536;
/** Rows between two looks at the budget. */
const ROWS_PER_CHECK = 1_000;

/** What is left of the dataset's cap; `full` once a value did not fit, and reading stops. */
interface DocumentCap {
  left: number;
  full: boolean;
  truncated: boolean;
}

/** A page being filled: its words, deduplicated, until its cap. */
class PageBuilder {
  private readonly parts: string[] = [];
  private seen = new Set<string>();
  bytes = 0;
  full = false;

  constructor(
    readonly sheet: string,
    readonly entityIds: string[] | null,
    private readonly maxBytes: number,
    private readonly document: DocumentCap,
  ) {}

  add(raw: string): void {
    if (this.full || raw.trim() === '') return;
    if (this.seen.has(raw)) return;
    if (this.seen.size >= REMEMBERED_VALUES) this.seen = new Set();
    this.seen.add(raw);
    const text = normalisePageText(raw);
    if (!text) return;
    const bytes = Buffer.byteLength(text) + 1;
    if (bytes > this.document.left) this.document.full = true;
    if (this.bytes + bytes > this.maxBytes || this.document.full) {
      this.full = true;
      this.document.truncated = true;
      return;
    }
    this.parts.push(text);
    this.bytes += bytes;
    this.document.left -= bytes;
  }

  get text(): string {
    return this.parts.join(' ');
  }
}

/**
 * The text of a dataset, streamed from its stored file: one page per sheet (its name, the names and
 * values of its indexable columns), and for the sheet holding the entity column one more page per
 * entity its rows map to. Throws TextExtractionError 'not_a_dataset' when the file no longer reads
 * as the table it was described as, 'too_long' or 'aborted' past its budget; a failed read of the
 * stored file throws that stream's own error (the file may be fine: try again).
 */
export async function extractDatasetText(source: DatasetTextSource, options: DatasetTextOptions = {}): Promise<DatasetText> {
  const maxPageBytes = options.maxPageBytes ?? DEFAULTS.maxPageBytes;
  const budget = new ExtractionBudget(options.timeoutMs ?? DEFAULTS.timeoutMs, options.signal);
  const document: DocumentCap = { left: options.maxDocumentBytes ?? DEFAULTS.maxDocumentBytes, full: false, truncated: false };
  const { description, classification } = source;
  const scope = entityScope(description, classification);

  const pages: PageBuilder[] = [];
  /** Per sheet of the read: the columns whose values are indexed, and where each row's values go. */
  let columns: number[] = [];
  let pageForRow: (cells: string[]) => PageBuilder = () => pages[pages.length - 1]!;
  let rows = 0;
  budget.assertLeft();
  try {
    for await (const event of readDataset(source.open, source.format, options.limits)) {
      if (event.kind === 'sheet') {
        const name = description.sheets[event.sheet]?.name ?? event.name;
        const indexable = (column: string) => isIndexable(description, classification, event.sheet, name, column);
        columns = event.header.flatMap((column, at) => (indexable(column) ? [at] : []));
        const sheetScope = scope(event.sheet, source.documentEntityId);
        const head = new PageBuilder(name, sheetScope.kind === 'rows_by_entity' ? null : sheetScope.entityIds, maxPageBytes, document);
        pages.push(head);
        head.add(name);
        for (const at of columns) head.add(event.header[at]);
        if (sheetScope.kind === 'whole_sheet') {
          pageForRow = () => head;
        } else {
          const byEntity = new Map<string, PageBuilder>();
          const entityColumn = event.header.indexOf(sheetScope.column);
          pageForRow = (cells) => {
            const entityId = sheetScope.entityMap.get(cells[entityColumn] ?? '');
            const key = entityId ?? '';
            let page = byEntity.get(key);
            if (!page) {
              page = new PageBuilder(name, entityId === undefined ? [] : [entityId], maxPageBytes, document);
              byEntity.set(key, page);
              pages.push(page);
            }
            return page;
          };
        }
        continue;
      }
      if (++rows % ROWS_PER_CHECK === 0) budget.assertLeft();
      if (document.full) break;
      if (columns.length === 0) continue;
      const page = pageForRow(event.row.cells);
      if (page.full) {
        // A CSV is one sheet: once its one page is full, the rest of the file adds nothing.
        if (source.format === 'csv' && pages.length === 1) break;
        continue;
      }
      for (const at of columns) page.add(event.row.cells[at] ?? '');
    }
  } catch (err) {
    if (err instanceof NotADatasetError) throw new TextExtractionError('not_a_dataset', `The dataset cannot be read as a table: ${err.message}`, { cause: err });
    throw err;
  }

  // A sheet's own page stays (its name at least); pages of entities whose rows gave no value go.
  const kept = pages.filter((p) => p.text !== '' || p.entityIds === null);
  return {
    pages: kept.map((p, i) => ({ page: i + 1, sheet: p.sheet, text: p.text, source: hasWords(p.text) ? 'text' : 'none', entityIds: p.entityIds })),
    ocrPages: 0,
    failures: [],
    truncated: document.truncated,
  };
}

/** Whether a column's name and values may be indexed: the deal team has seen it and given it no personal-data role. */
function isIndexable(description: DatasetDescription, classification: DatasetClassification | null, sheet: number, sheetName: string, column: string): boolean {
  if (!classification?.seen) return false;
  const seen = classification.seen.some((s) => s.sheet === sheetName && s.columns.includes(column));
  return seen && roleOf(classification, description, sheet, column) === 'none';
}

type SheetScope =
  | { kind: 'whole_sheet'; entityIds: string[] | null }
  | { kind: 'rows_by_entity'; column: string; entityMap: Map<string, string> };

/**
 * Who may find the words of each sheet, as delivery-plan.ts decides who is delivered its rows:
 * without an entity column, whoever may view the document; with one, its sheet's rows by the entity
 * their value maps to, and every other sheet whoever is covered for the document's entity; with an
 * entity column this version no longer has (its sheet or column renamed), the deal team alone.
 */
function entityScope(description: DatasetDescription, classification: DatasetClassification | null): (sheet: number, documentEntityId: string) => SheetScope {
  const entityColumn = classification?.entityColumn;
  if (!classification || !entityColumn) return () => ({ kind: 'whole_sheet', entityIds: null });
  const entitySheet = entityColumn.sheet === undefined ? 0 : description.sheets.findIndex((s) => s.name === entityColumn.sheet);
  const hasColumn = entitySheet >= 0 && description.sheets[entitySheet]!.columns.some((c) => c.name === entityColumn.name);
  const entityMap = new Map(Object.entries(classification.entityMap));
  return (sheet, documentEntityId) => {
    if (entitySheet < 0) return { kind: 'whole_sheet', entityIds: [] };
    if (sheet !== entitySheet) return { kind: 'whole_sheet', entityIds: [documentEntityId] };
    if (!hasColumn) return { kind: 'whole_sheet', entityIds: [] };
    return { kind: 'rows_by_entity', column: entityColumn.name, entityMap };
  };
}
