import { open } from 'node:fs/promises';
import { runQpdf } from './qpdf.js';
import { UnstampableError } from '../watermark/errors.js';
import {
  decodeTextValue,
  isDict,
  parseRef,
  pdfName,
  refString,
  serialize,
  serializeDict,
  type QpdfValue,
  type Ref,
} from './pdf-syntax.js';

/*
 * What the incremental stamper needs to know of a stored PDF, learned once at upload. The page tree
 * of a stored version never changes, so everything about the tail that does not depend on who
 * downloads — the rewritten page dictionaries, their resources, the streams wrapping the original
 * content — is written here once, as PDF text. A download only adds the stamp itself, /Info and a
 * cross-reference section.
 */

export const INDEX_FORMAT = 1;

/** Limits on what a (possibly hostile) file may cost to index. */
export const INDEX_LIMITS = {
  maxObjects: 2_000_000,
  maxPages: 100_000,
  /** Page-tree depth: real files use a handful of levels; a loop or a chain is an attack. */
  maxTreeDepth: 64,
  timeoutMs: 120_000,
  /** qpdf's JSON description of the objects (without stream data). */
  maxJsonBytes: 256 * 1024 * 1024,
} as const;

export interface StampView {
  /** The page as displayed (after /Rotate), in points. */
  w: number;
  h: number;
  /** Object number reserved for this size's stamp Form XObject. */
  num: number;
}

export interface PdfStampIndex {
  format: typeof INDEX_FORMAT;
  /** Bytes of the stored PDF the tail is appended to. */
  size: number;
  /** The kind of the file's last cross-reference section; the stamp's section is of the same kind. */
  xref: 'table' | 'stream';
  prevStartxref: number;
  root: string;
  /** The original /Info entries (without /Keywords and /ModDate), in PDF syntax. */
  infoEntries: string;
  keywords: string | null;
  /** The first element of the trailer /ID, in hex. */
  idFirst: string;
  views: StampView[];
  /** The download-independent objects of the tail, in PDF syntax, starting with a line break. */
  fixed: string;
  /** [object number, generation, offset within `fixed`] of each object in `fixed`. */
  fixedObjects: Array<[number, number, number]>;
  /** The first object number free for a download's own objects. */
  nextNum: number;
  pages: number;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
type Rotation = 0 | 90 | 180 | 270;

async function readAt(path: string, position: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Where the last cross-reference section starts and what kind it is, from the file's last bytes. */
export async function lastXrefSection(path: string, size: number): Promise<{ offset: number; kind: 'table' | 'stream' }> {
  const tailLen = Math.min(size, 2048);
  const tail = (await readAt(path, size - tailLen, tailLen)).toString('latin1');
  const all = [...tail.matchAll(/startxref\s+(\d+)/g)];
  const offset = all.length ? Number(all[all.length - 1][1]) : NaN;
  if (!Number.isSafeInteger(offset) || offset <= 0 || offset >= size) {
    throw new UnstampableError('unparseable', 'The PDF does not say where its cross-reference section is.');
  }
  const head = (await readAt(path, offset, 64)).toString('latin1');
  if (/^\s*xref/.test(head)) return { offset, kind: 'table' };
  if (/^\s*\d+\s+\d+\s+obj/.test(head)) return { offset, kind: 'stream' };
  throw new UnstampableError('unparseable', 'The PDF cross-reference offset points outside a cross-reference section.');
}

function numbersOf(value: QpdfValue | undefined, resolve: (v: QpdfValue | undefined) => QpdfValue | undefined): number[] | undefined {
  const arr = resolve(value);
  if (!Array.isArray(arr) || arr.length !== 4) return undefined;
  const n = arr.map((x) => resolve(x));
  return n.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (n as number[]) : undefined;
}

function toBox(n: number[] | undefined): Box | undefined {
  if (!n) return undefined;
  const [a, b, c, d] = n;
  const box = { x0: Math.min(a, c), y0: Math.min(b, d), x1: Math.max(a, c), y1: Math.max(b, d) };
  return box.x1 - box.x0 > 0 && box.y1 - box.y0 > 0 ? box : undefined;
}

/** What a viewer shows: the CropBox clipped to the MediaBox, or the MediaBox alone. */
export function visibleBox(media: Box | undefined, crop: Box | undefined): Box {
  const m = media ?? { x0: 0, y0: 0, x1: 612, y1: 792 };
  if (!crop) return m;
  const c = { x0: Math.max(crop.x0, m.x0), y0: Math.max(crop.y0, m.y0), x1: Math.min(crop.x1, m.x1), y1: Math.min(crop.y1, m.y1) };
  return c.x1 > c.x0 && c.y1 > c.y0 ? c : m;
}

export function normalizeRotation(value: QpdfValue | undefined): Rotation {
  const angle = typeof value === 'number' && Number.isFinite(value) ? value : 0;
  return ((((Math.round(angle / 90) * 90) % 360) + 360) % 360) as Rotation;
}

/**
 * Maps view space (origin at the bottom-left of the page as displayed, after /Rotate) to the page's
 * user space, so one stamp per displayed size reads the right way up whatever the rotation.
 */
export function viewToUser(box: Box, rotation: Rotation): number[] {
  switch (rotation) {
    case 0:
      return [1, 0, 0, 1, box.x0, box.y0];
    case 90:
      return [0, 1, -1, 0, box.x1, box.y0];
    case 180:
      return [-1, 0, 0, -1, box.x1, box.y1];
    case 270:
      return [0, -1, 1, 0, box.x0, box.y1];
  }
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(4).replace(/\.?0+$/, ''));
const round2 = (n: number) => Math.round(n * 100) / 100;

interface QpdfJson {
  qpdf?: [{ maxobjectid?: number }, Record<string, { value?: QpdfValue; stream?: { dict?: QpdfValue } }>];
}

/** Reads qpdf's JSON description of every object (stream data left out) under the limits. */
async function describeObjects(path: string): Promise<{ maxObjectId: number; objects: QpdfJson['qpdf'] extends [unknown, infer O] | undefined ? O : never }> {
  const r = await runQpdf(['--json=2', '--json-key=qpdf', '--json-stream-data=none', path], {
    timeoutMs: INDEX_LIMITS.timeoutMs,
    maxOutputBytes: INDEX_LIMITS.maxJsonBytes,
  });
  if (r.timedOut) throw new UnstampableError('too_complex', 'Reading the PDF took longer than the time allowed.');
  if (r.overflow) throw new UnstampableError('too_complex', 'The PDF has too many objects to be watermarked.');
  if (r.status !== 0 && r.status !== 3) throw new UnstampableError('unparseable', 'The PDF structure cannot be read.');
  let json: QpdfJson;
  try {
    json = JSON.parse(r.stdout) as QpdfJson;
  } catch (err) {
    throw new UnstampableError('unparseable', 'The PDF structure cannot be read.', { cause: err });
  }
  const [meta, objects] = json.qpdf ?? [];
  if (!meta || !objects) throw new UnstampableError('unparseable', 'The PDF structure cannot be read.');
  const maxObjectId = Number(meta.maxobjectid ?? 0);
  if (maxObjectId > INDEX_LIMITS.maxObjects) {
    throw new UnstampableError('too_complex', `The PDF has more than ${INDEX_LIMITS.maxObjects} objects.`);
  }
  return { maxObjectId, objects };
}

interface PageEntry {
  ref: Ref;
  dict: { [key: string]: QpdfValue };
  resources: QpdfValue | undefined;
  media: QpdfValue | undefined;
  crop: QpdfValue | undefined;
  rotate: QpdfValue | undefined;
}

/**
 * Builds the index of a PDF that qpdf --check accepted. Throws UnstampableError for what cannot be
 * stamped (no pages, a page tree qpdf tolerates but a viewer would not, limits exceeded).
 */
export async function buildStampIndex(path: string, size: number, opts: { sha256: string }): Promise<PdfStampIndex> {
  const xref = await lastXrefSection(path, size);
  const { maxObjectId, objects } = await describeObjects(path);

  const get = (r: Ref) => objects[`obj:${r.num} ${r.gen} R`];
  const resolve = (v: QpdfValue | undefined): QpdfValue | undefined => {
    // A reference to a reference is legal but rare; follow a few, never a loop.
    for (let i = 0; i < 8; i++) {
      const r = parseRef(v);
      if (!r) return v;
      const o = get(r);
      if (!o) return null;
      v = o.value !== undefined ? o.value : o.stream ? (o.stream.dict ?? {}) : null;
    }
    return null;
  };

  const trailer = objects.trailer?.value;
  if (!isDict(trailer)) throw new UnstampableError('unparseable', 'The PDF has no trailer.');
  const rootRef = parseRef(trailer['/Root']);
  const root = resolve(trailer['/Root']);
  if (!rootRef || !isDict(root)) throw new UnstampableError('unparseable', 'The PDF has no document catalog.');
  const trailerSize = typeof trailer['/Size'] === 'number' ? trailer['/Size'] : 0;

  // Walk the page tree: iterative, each node visited once (a loop or a shared subtree is damage),
  // inheritable attributes carried down.
  const pages: PageEntry[] = [];
  const seen = new Set<string>();
  type Frame = { v: QpdfValue | undefined; depth: number; inh: Omit<PageEntry, 'ref' | 'dict'> };
  const stack: Frame[] = [{ v: root['/Pages'], depth: 0, inh: { resources: undefined, media: undefined, crop: undefined, rotate: undefined } }];
  while (stack.length) {
    const { v, depth, inh } = stack.pop()!;
    const ref = parseRef(v);
    if (!ref) continue; // a direct page object cannot be replaced by an update; viewers skip it too
    const key = refString(ref);
    if (seen.has(key)) continue;
    seen.add(key);
    if (depth > INDEX_LIMITS.maxTreeDepth) throw new UnstampableError('too_complex', 'The PDF page tree is nested too deeply.');
    const node = resolve(v);
    if (!isDict(node)) continue;
    const here = {
      resources: node['/Resources'] ?? inh.resources,
      media: node['/MediaBox'] ?? inh.media,
      crop: node['/CropBox'] ?? inh.crop,
      rotate: node['/Rotate'] ?? inh.rotate,
    };
    const kids = resolve(node['/Kids']);
    if (node['/Type'] === '/Pages' || (node['/Type'] !== '/Page' && Array.isArray(kids))) {
      if (!Array.isArray(kids)) continue;
      // Pushed in reverse so pages come out in document order.
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ v: kids[i], depth: depth + 1, inh: here });
    } else {
      pages.push({ ref, dict: node, ...here });
      if (pages.length > INDEX_LIMITS.maxPages) throw new UnstampableError('too_complex', `The PDF has more than ${INDEX_LIMITS.maxPages} pages.`);
    }
  }
  if (pages.length === 0) throw new UnstampableError('no_pages', 'The PDF has no pages to stamp.');

  let next = Math.max(maxObjectId + 1, trailerSize, 1);
  const take = () => next++;

  const fixedParts: string[] = [];
  const fixedObjects: Array<[number, number, number]> = [];
  let offset = 0;
  const emit = (num: number, gen: number, body: string) => {
    const text = `${num} ${gen} obj\n${body}\nendobj\n`;
    fixedObjects.push([num, gen, offset]);
    fixedParts.push(text);
    offset += text.length;
  };
  // The update starts on a line of its own, whatever the stored file ended with.
  fixedParts.push('\n');
  offset = 1;

  const stream = (content: string) => `<</Length ${content.length}>>\nstream\n${content}\nendstream`;
  const openNum = take();
  // Saves the graphics state before the original content, so whatever it leaves set (a clip, a
  // transformation, a colour) is undone before the stamp draws.
  emit(openNum, 0, stream('q'));

  const views: StampView[] = [];
  const viewOf = (w: number, h: number): StampView => {
    let v = views.find((x) => x.w === w && x.h === h);
    if (!v) views.push((v = { w, h, num: take() }));
    return v;
  };
  const closeStreams = new Map<string, number>();
  const resourceGroups = new Map<string, number>();
  const pageTexts: Array<{ ref: Ref; body: string }> = [];
  const pendingResources: Array<{ num: number; dict: { [key: string]: QpdfValue }; name: string; view: StampView }> = [];
  const pendingCloses: Array<{ num: number; cm: number[]; name: string }> = [];

  for (const page of pages) {
    const box = visibleBox(toBox(numbersOf(page.media, resolve)), toBox(numbersOf(page.crop, resolve)));
    const rotation = normalizeRotation(resolve(page.rotate));
    const [w, h] = rotation % 180 === 0 ? [box.x1 - box.x0, box.y1 - box.y0] : [box.y1 - box.y0, box.x1 - box.x0];
    const view = viewOf(round2(w), round2(h));

    // The resources the page's content is drawn with, plus the stamp under a name they do not use.
    const resources = resolve(page.resources);
    const resDict = isDict(resources) ? resources : {};
    const xobjects = resolve(resDict['/XObject']);
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
        pendingResources.push({ num, dict: resDict, name, view });
      }
      resourcesText = `${num} 0 R`;
    } else {
      resourcesText = resourcesWithStamp(resDict, xobjDict, name, view);
    }

    const contents = resolve(page.dict['/Contents']);
    const original = (Array.isArray(contents) ? contents : [page.dict['/Contents']]).filter((c) => parseRef(c)) as string[];
    const rest: { [key: string]: QpdfValue } = {};
    for (const [k, v] of Object.entries(page.dict)) {
      if (!['/Contents', '/Resources', '/MediaBox', '/CropBox', '/Rotate'].includes(k)) rest[k] = v;
    }
    let body = serializeDict(rest).slice(0, -2);
    if (page.media !== undefined) body += `/MediaBox ${serialize(page.media)}`;
    if (page.crop !== undefined) body += `/CropBox ${serialize(page.crop)}`;
    if (page.rotate !== undefined) body += `/Rotate ${serialize(page.rotate)}`;
    body += `/Resources ${resourcesText}/Contents [${[`${openNum} 0 R`, ...original, `${closeNum} 0 R`].join(' ')}]>>`;
    pageTexts.push({ ref: page.ref, body });
  }

  for (const c of pendingCloses) {
    // Restores the state saved before the original content, then draws the stamp in view space.
    emit(c.num, 0, stream(`Q q ${c.cm.map(fmt).join(' ')} cm ${pdfName(c.name)} Do Q`));
  }
  for (const r of pendingResources) {
    const x = resolve(r.dict['/XObject']);
    emit(r.num, 0, resourcesWithStamp(r.dict, isDict(x) ? x : {}, r.name, r.view));
  }
  for (const p of pageTexts) emit(p.ref.num, p.ref.gen, p.body);

  const info = resolve(trailer['/Info']);
  const infoDict = isDict(info) ? info : {};
  const keep: { [key: string]: QpdfValue } = {};
  for (const [k, v] of Object.entries(infoDict)) if (!['/Keywords', '/ModDate', '/GatehouseDownloadId'].includes(k)) keep[k] = v;

  const idArr = resolve(trailer['/ID']);
  const first = Array.isArray(idArr) ? idArr[0] : undefined;
  const idFirst =
    typeof first === 'string' && first.startsWith('b:')
      ? first.slice(2)
      : typeof first === 'string' && first.startsWith('u:')
        ? Buffer.from(first.slice(2), 'utf8').toString('hex')
        : // Without an /ID, one derived from the stored bytes: the same document, the same first half.
          opts.sha256.slice(0, 32);

  return {
    format: INDEX_FORMAT,
    size,
    xref: xref.kind,
    prevStartxref: xref.offset,
    root: refString(rootRef),
    infoEntries: serializeDict(keep).slice(2, -2),
    keywords: decodeTextValue(resolve(infoDict['/Keywords'])) ?? null,
    idFirst,
    views,
    fixed: fixedParts.join(''),
    fixedObjects,
    nextNum: next,
    pages: pages.length,
  };
}

function resourcesWithStamp(
  resources: { [key: string]: QpdfValue },
  xobjects: { [key: string]: QpdfValue },
  name: string,
  view: StampView,
): string {
  const merged: { [key: string]: QpdfValue } = { ...resources, '/XObject': { ...xobjects } };
  (merged['/XObject'] as { [key: string]: QpdfValue })[name] = `${view.num} 0 R`;
  return serializeDict(merged);
}
