import { UnstampableError } from '../watermark/errors.js';
import { normalizeRotation, numbersOf, toBox, viewToUser, visibleBox } from './page-geometry.js';
import { planBasePacking, writePageLessBase } from './page-less-base.js';
import { describePdf, type PdfObjects } from './pdf-objects.js';
import type { IntakeLimits } from './intake-budget.js';
import { decodeTextValue, isDict, parseRef, pdfName, refString, serializeDict, type QpdfValue, type SerializeOptions } from '../watermark/pdf-syntax.js';
import { INDEX_FORMAT, type PdfStampIndex, type StampView } from '../watermark/stamp-index.js';

/*
 * Reads a PDF once, at upload, and writes its stamp-ready rendition (watermark/stamp-index.ts says
 * what that is): the page-less base (page-less-base.ts) and the index of the tail.
 */

/** Limits on what a (possibly hostile) file may cost to index. */
export const INDEX_LIMITS = {
  maxPages: 100_000,
  /** Page-tree depth: real files use a handful of levels; a loop or a chain is an attack. */
  maxTreeDepth: 64,
} as const;

/** Kids per node of the page tree written into the tail: shallow enough, small enough to seek. */
const PAGE_TREE_FANOUT = 64;

/** What left out of the rendition, by kind: content that a stamp on the pages cannot cover. */
export type RemovedContent = 'attachments' | 'application data' | 'thumbnails' | 'XFA form' | 'portfolio' | 'XMP metadata';

export interface StampReadyPdf {
  index: PdfStampIndex;
  base: { size: number; sha256: string };
  removed: RemovedContent[];
  /** qpdf recovered the file from damage while reading it. */
  repaired: boolean;
}

/**
 * Keys never copied into a rendition, wherever they occur: each carries content past the stamp —
 * embedded files (a whole unstamped document inside the PDF), an application's private copy of the
 * document (Illustrator keeps the whole .ai file in /PieceInfo), page thumbnails (an unstamped
 * picture of the page), and XFA, which a viewer renders instead of the stamped page content.
 */
const REMOVED_KEYS: Record<string, RemovedContent> = {
  '/EmbeddedFiles': 'attachments',
  '/EF': 'attachments',
  '/PieceInfo': 'application data',
  '/Thumb': 'thumbnails',
  '/XFA': 'XFA form',
  '/Collection': 'portfolio',
};

/** Objects that make pages: outside the document's own page tree they are dropped, never copied. */
const PAGE_MAKING_TYPES = new Set(['/Page', '/Pages', '/Catalog', '/Template']);

interface PageEntry {
  ref: string;
  dict: { [key: string]: QpdfValue };
  resources: QpdfValue | undefined;
  media: QpdfValue | undefined;
  crop: QpdfValue | undefined;
  rotate: QpdfValue | undefined;
}

/** The pages in document order, inheritable attributes carried down; tree nodes seen on the way. */
function walkPageTree(pdf: PdfObjects, root: { [key: string]: QpdfValue }): { pages: PageEntry[]; nodes: Set<string> } {
  const pages: PageEntry[] = [];
  const nodes = new Set<string>();
  const seen = new Set<string>();
  type Frame = { v: QpdfValue | undefined; depth: number; inh: Omit<PageEntry, 'ref' | 'dict'> };
  const stack: Frame[] = [{ v: root['/Pages'], depth: 0, inh: { resources: undefined, media: undefined, crop: undefined, rotate: undefined } }];
  // Iterative, each node visited once: a loop or a shared subtree is damage.
  while (stack.length) {
    const { v, depth, inh } = stack.pop()!;
    const ref = parseRef(v);
    if (!ref) continue; // a direct page object is not allowed; viewers skip it too
    const key = refString(ref);
    if (seen.has(key)) continue;
    seen.add(key);
    if (depth > INDEX_LIMITS.maxTreeDepth) throw new UnstampableError('too_complex', 'The PDF page tree is nested too deeply.');
    const node = pdf.dictOf(key);
    if (!node) continue;
    const here = {
      resources: node['/Resources'] ?? inh.resources,
      media: node['/MediaBox'] ?? inh.media,
      crop: node['/CropBox'] ?? inh.crop,
      rotate: node['/Rotate'] ?? inh.rotate,
    };
    const kids = pdf.resolve(node['/Kids']);
    if (node['/Type'] === '/Pages' || (node['/Type'] !== '/Page' && Array.isArray(kids))) {
      nodes.add(key);
      if (!Array.isArray(kids)) continue;
      // Pushed in reverse so pages come out in document order.
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ v: kids[i], depth: depth + 1, inh: here });
    } else {
      pages.push({ ref: key, dict: node, ...here });
      if (pages.length > INDEX_LIMITS.maxPages) throw new UnstampableError('too_complex', `The PDF has more than ${INDEX_LIMITS.maxPages} pages.`);
    }
  }
  return { pages, nodes };
}

/** Every reference a value holds, except under removed keys (noted as they are met). */
function referencesIn(value: QpdfValue | undefined, out: string[], removed: Set<RemovedContent>, depth = 0): void {
  if (depth > 100) throw new UnstampableError('too_complex', 'The PDF nests objects too deeply.');
  if (typeof value === 'string') {
    if (parseRef(value)) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, out, removed, depth + 1);
  } else if (isDict(value)) {
    for (const [k, v] of Object.entries(value)) {
      const kind = REMOVED_KEYS[k];
      if (kind) removed.add(kind);
      else referencesIn(v, out, removed, depth + 1);
    }
  }
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(4).replace(/\.?0+$/, ''));
const round2 = (n: number) => Math.round(n * 100) / 100;
const rect = (n: number[]) => `[${n.map(fmt).join(' ')}]`;

/**
 * Reads `input`, writes its page-less base to `basePath`, and returns the index of the tail.
 * Throws UnstampableError for what cannot be stamped (no pages, no catalog, limits exceeded).
 */
export async function buildStampReadyPdf(input: string, basePath: string, dataDir: string, opts: { sha256: string; limits?: IntakeLimits }): Promise<StampReadyPdf> {
  const pdf = await describePdf(input, dataDir, opts.limits);
  const rootRef = parseRef(pdf.trailer['/Root']);
  const root = rootRef && pdf.dictOf(refString(rootRef));
  if (!rootRef || !root) throw new UnstampableError('unparseable', 'The PDF has no document catalog.');
  const { pages, nodes } = walkPageTree(pdf, root);
  if (pages.length === 0) throw new UnstampableError('no_pages', 'The PDF has no pages to stamp.');

  const removed = new Set<RemovedContent>();
  // XMP describes the stored file (its ids, its history, a PDF/A claim): not the stamped copy.
  if (root['/Metadata'] !== undefined) removed.add('XMP metadata');
  const catalogEntries: { [key: string]: QpdfValue } = {};
  for (const [k, v] of Object.entries(root)) if (!['/Type', '/Pages', '/Metadata'].includes(k)) catalogEntries[k] = v;
  const info = pdf.resolve(pdf.trailer['/Info']);
  const infoDict = isDict(info) ? info : {};
  const infoEntries: { [key: string]: QpdfValue } = {};
  for (const [k, v] of Object.entries(infoDict)) if (!['/Keywords', '/ModDate', '/GatehouseDownloadId'].includes(k)) infoEntries[k] = v;

  // Per page: what the rewritten dictionary keeps, and the resources it draws with.
  const pageParts = pages.map((page) => {
    const resources = pdf.resolve(page.resources);
    const contents = pdf.resolve(page.dict['/Contents']);
    const own: { [key: string]: QpdfValue } = {};
    for (const [k, v] of Object.entries(page.dict)) {
      if (!['/Type', '/Parent', '/Contents', '/Resources', '/MediaBox', '/CropBox', '/Rotate'].includes(k)) own[k] = v;
    }
    return {
      page,
      own,
      resources: isDict(resources) ? resources : {},
      contents: (Array.isArray(contents) ? contents : [page.dict['/Contents']]).filter((c): c is string => Boolean(parseRef(c))),
    };
  });

  // The base: every object reachable from what the tail keeps, in the order first met.
  const baseNums = new Map<string, number>();
  const order: string[] = [];
  const queue: string[] = [];
  referencesIn(catalogEntries, queue, removed);
  referencesIn(infoEntries, queue, removed);
  for (const p of pageParts) {
    referencesIn(p.own, queue, removed);
    referencesIn(p.resources, queue, removed);
    queue.push(...p.contents);
  }
  const structural = new Set<string>([refString(rootRef), ...nodes, ...pages.map((p) => p.ref)]);
  for (let i = 0; i < queue.length; i++) {
    const ref = queue[i];
    if (baseNums.has(ref) || structural.has(ref)) continue;
    const obj = pdf.get(ref);
    if (!obj) continue;
    const dict = obj.value !== undefined ? obj.value : obj.stream?.dict;
    // A page, page tree or catalog outside the document's own tree (a template page, a second
    // catalog) would be an unstamped page in the base: it is not copied, references to it read null.
    if (!obj.stream && isDict(dict) && typeof dict['/Type'] === 'string' && PAGE_MAKING_TYPES.has(dict['/Type'])) continue;
    baseNums.set(ref, order.length + 1);
    order.push(ref);
    referencesIn(dict, queue, removed);
  }

  // The tail's numbers continue after the base's, its object streams and cross-reference stream included.
  let next = order.length + planBasePacking(pdf, order).extraNumbers + 1;
  const take = () => next++;
  const catalogNum = take();
  const pageNums = new Map(pages.map((p) => [p.ref, take()]));
  const tree = planPageTree(pages.map((p) => pageNums.get(p.ref)!), take);
  const nodeNum = tree.rootNum;
  const refMap = (ref: string): string => {
    const n = baseNums.get(ref) ?? pageNums.get(ref) ?? (ref === refString(rootRef) ? catalogNum : nodes.has(ref) ? nodeNum : undefined);
    return n === undefined ? 'null' : `${n} 0 R`;
  };
  const ser: SerializeOptions = { ref: refMap, dropKey: (k) => k in REMOVED_KEYS };

  const base = await writePageLessBase(pdf, order, ser, basePath);

  // The download-independent part of the tail.
  const fixedParts: string[] = ['\n'];
  const fixedObjects: Array<[number, number, number]> = [];
  let offset = 1;
  const emit = (num: number, body: string) => {
    const text = `${num} 0 obj\n${body}\nendobj\n`;
    fixedObjects.push([num, 0, offset]);
    fixedParts.push(text);
    offset += text.length;
  };
  const stream = (content: string) => `<</Length ${content.length}>>\nstream\n${content}\nendstream`;

  const openNum = take();
  // Saves the graphics state before the original content, so whatever it leaves set (a clip, a
  // transformation, a colour) is undone before the stamp draws.
  emit(openNum, stream('q'));

  const views: StampView[] = [];
  const viewOf = (w: number, h: number): StampView => {
    let v = views.find((x) => x.w === w && x.h === h);
    if (!v) views.push((v = { w, h, num: take() }));
    return v;
  };
  const closeStreams = new Map<string, number>();
  const resourceGroups = new Map<string, number>();
  const pageTexts: Array<{ num: number; body: string }> = [];
  const pendingResources: Array<{ num: number; dict: { [key: string]: QpdfValue }; name: string; view: StampView }> = [];
  const pendingCloses: Array<{ num: number; cm: number[]; name: string }> = [];

  for (const { page, own, resources, contents } of pageParts) {
    const media = numbersOf(page.media, pdf.resolve);
    const crop = numbersOf(page.crop, pdf.resolve);
    const box = visibleBox(toBox(media), toBox(crop));
    const rotation = normalizeRotation(pdf.resolve(page.rotate));
    const [w, h] = rotation % 180 === 0 ? [box.x1 - box.x0, box.y1 - box.y0] : [box.y1 - box.y0, box.x1 - box.x0];
    const view = viewOf(round2(w), round2(h));

    // The stamp under a name the page's resources do not use.
    const xobjects = pdf.resolve(resources['/XObject']);
    const xobjDict = isDict(xobjects) ? xobjects : {};
    let name = '/GhStamp';
    for (let i = 1; name in xobjDict; i++) name = `/GhStamp${i}`;

    const cm = viewToUser(box, rotation);
    const closeKey = `${cm.join(' ')}|${name}`;
    let closeNum = closeStreams.get(closeKey);
    if (closeNum === undefined) {
      closeNum = take();
      closeStreams.set(closeKey, closeNum);
      pendingCloses.push({ num: closeNum, cm, name });
    }

    // Shared resource dictionaries stay shared: one replacement per original and stamp size.
    const resRef = parseRef(page.resources);
    let resourcesText: string;
    if (resRef) {
      const groupKey = `${refString(resRef)}|${view.w}x${view.h}`;
      let num = resourceGroups.get(groupKey);
      if (num === undefined) {
        num = take();
        resourceGroups.set(groupKey, num);
        pendingResources.push({ num, dict: resources, name, view });
      }
      resourcesText = `${num} 0 R`;
    } else {
      resourcesText = resourcesWithStamp(resources, xobjDict, name, view, ser);
    }

    const pageNum = pageNums.get(page.ref)!;
    let body = `<</Type /Page/Parent ${tree.parentOf.get(pageNum)} 0 R${serializeDict(own, 0, ser).slice(2, -2)}`;
    if (media) body += `/MediaBox ${rect(media)}`;
    if (crop) body += `/CropBox ${rect(crop)}`;
    if (rotation) body += `/Rotate ${rotation}`;
    body += `/Resources ${resourcesText}/Contents [${[`${openNum} 0 R`, ...contents.map(refMap), `${closeNum} 0 R`].join(' ')}]>>`;
    pageTexts.push({ num: pageNum, body });
  }

  // Streams and resources before the pages that use them, the pages before the tree, the catalog last.
  for (const c of pendingCloses) {
    // Restores the state saved before the original content, then draws the stamp in view space.
    emit(c.num, stream(`Q q ${c.cm.map(fmt).join(' ')} cm ${pdfName(c.name)} Do Q`));
  }
  for (const r of pendingResources) {
    const x = pdf.resolve(r.dict['/XObject']);
    emit(r.num, resourcesWithStamp(r.dict, isDict(x) ? x : {}, r.name, r.view, ser));
  }
  for (const p of pageTexts) emit(p.num, p.body);
  for (const n of tree.nodes) {
    const parent = n.parent === undefined ? '' : `/Parent ${n.parent} 0 R`;
    emit(n.num, `<</Type /Pages${parent}/Kids [${n.kids.map((k) => `${k} 0 R`).join(' ')}]/Count ${n.count}>>`);
  }
  emit(catalogNum, `<</Type /Catalog/Pages ${nodeNum} 0 R${serializeDict(catalogEntries, 0, ser).slice(2, -2)}>>`);

  const idArr = pdf.resolve(pdf.trailer['/ID']);
  const first = Array.isArray(idArr) ? idArr[0] : undefined;
  const idFirst =
    typeof first === 'string' && first.startsWith('b:')
      ? first.slice(2)
      : typeof first === 'string' && first.startsWith('u:')
        ? Buffer.from(first.slice(2), 'utf8').toString('hex')
        : // Without an /ID, one derived from the stored bytes: the same document, the same first half.
          opts.sha256.slice(0, 32);

  return {
    index: {
      format: INDEX_FORMAT,
      size: base.size,
      prevStartxref: base.xrefOffset,
      root: `${catalogNum} 0 R`,
      infoEntries: serializeDict(infoEntries, 0, ser).slice(2, -2),
      keywords: decodeTextValue(pdf.resolve(infoDict['/Keywords'])) ?? null,
      idFirst,
      views,
      fixed: fixedParts.join(''),
      fixedObjects,
      nextNum: next,
      pages: pages.length,
    },
    base: { size: base.size, sha256: base.sha256 },
    removed: [...removed].sort(),
    repaired: pdf.repaired,
  };
}

interface PageTreeNode {
  num: number;
  kids: number[];
  count: number;
  parent?: number;
}

/**
 * A balanced page tree over the pages' numbers: nodes of at most PAGE_TREE_FANOUT kids, listed
 * from the leaves' parents up to the root (last), so each node follows the nodes it counts.
 */
function planPageTree(pageNums: number[], take: () => number): { rootNum: number; nodes: PageTreeNode[]; parentOf: Map<number, number> } {
  const parentOf = new Map<number, number>();
  const nodes: PageTreeNode[] = [];
  let level: Array<{ num: number; count: number }> = pageNums.map((num) => ({ num, count: 1 }));
  do {
    const above: Array<{ num: number; count: number }> = [];
    for (let i = 0; i < level.length; i += PAGE_TREE_FANOUT) {
      const kids = level.slice(i, i + PAGE_TREE_FANOUT);
      const node: PageTreeNode = { num: take(), kids: kids.map((k) => k.num), count: kids.reduce((s, k) => s + k.count, 0) };
      for (const k of kids) parentOf.set(k.num, node.num);
      nodes.push(node);
      above.push(node);
    }
    level = above;
  } while (level.length > 1);
  for (const n of nodes) n.parent = parentOf.get(n.num);
  return { rootNum: level[0].num, nodes, parentOf };
}

function resourcesWithStamp(
  resources: { [key: string]: QpdfValue },
  xobjects: { [key: string]: QpdfValue },
  name: string,
  view: StampView,
  ser: SerializeOptions,
): string {
  const rest: { [key: string]: QpdfValue } = { ...resources };
  delete rest['/XObject'];
  // The stamp's reference is a tail number already: it joins after the document's are renumbered.
  const xobjectText = `${serializeDict(xobjects, 1, ser).slice(0, -2)}${pdfName(name)} ${view.num} 0 R>>`;
  return `${serializeDict(rest, 0, ser).slice(0, -2)}/XObject ${xobjectText}>>`;
}
