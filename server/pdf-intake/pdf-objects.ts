import path from 'node:path';
import { UnstampableError } from '../watermark/errors.js';
import { isDict, parseRef, type QpdfValue, type Ref } from '../watermark/pdf-syntax.js';
import { runQpdf } from './qpdf.js';
import { assertWithinBudget, timeLeft, type IntakeLimits } from './intake-budget.js';

/** Limits on what a (possibly hostile) file may cost to describe. */
export const DESCRIBE_LIMITS = {
  maxObjects: 2_000_000,
  timeoutMs: 120_000,
  /** qpdf's JSON description of the objects (stream data goes to files, not into the JSON). */
  maxJsonBytes: 256 * 1024 * 1024,
} as const;

/**
 * The JSON is parsed in the server's own memory, where it takes several times its size: under a
 * memory budget it may be at most a quarter of it.
 */
const maxJsonBytesWithin = (limits: IntakeLimits | undefined) =>
  limits ? Math.min(DESCRIBE_LIMITS.maxJsonBytes, Math.floor(limits.memoryBytes / 4)) : DESCRIBE_LIMITS.maxJsonBytes;

export interface PdfObject {
  value?: QpdfValue;
  /** A stream: its dictionary (qpdf leaves /Length out) and the file holding its data as stored. */
  stream?: { dict?: QpdfValue; datafile?: string };
}

/** Every object of the PDF's latest revision, as qpdf reads it (repairing what it can on the way). */
export interface PdfObjects {
  pdfVersion: string;
  maxObjectId: number;
  /** qpdf had to recover from damage to read it (it warned). */
  repaired: boolean;
  trailer: { [key: string]: QpdfValue };
  get(ref: Ref | string): PdfObject | undefined;
  /** A value with references followed (a few levels, never a loop); a missing object is null. */
  resolve(v: QpdfValue | undefined): QpdfValue | undefined;
  /** The dictionary of an object: its value, or its stream's dictionary. */
  dictOf(ref: string): { [key: string]: QpdfValue } | undefined;
}

interface QpdfJson {
  qpdf?: [{ maxobjectid?: number; pdfversion?: string }, Record<string, PdfObject>];
}

/**
 * Reads a PDF through qpdf, out of process and under limits: the objects as JSON, the stream data
 * still encoded (no filter is undone, so an image or a font is copied as it came) in files under
 * `dataDir`. qpdf follows only the latest revision's cross-reference, so objects an incremental
 * update replaced are not in the description at all.
 */
export async function describePdf(file: string, dataDir: string, limits?: IntakeLimits): Promise<PdfObjects> {
  assertWithinBudget(limits, 'Reading the PDF');
  const r = await runQpdf(
    ['--json=2', '--json-key=qpdf', '--json-stream-data=file', `--json-stream-prefix=${path.join(dataDir, 's')}`, '--decode-level=none', file],
    { timeoutMs: timeLeft(limits, DESCRIBE_LIMITS.timeoutMs), maxOutputBytes: maxJsonBytesWithin(limits), memoryBytes: limits?.memoryBytes, signal: limits?.signal },
  );
  if (r.timedOut) throw new UnstampableError('too_complex', 'Reading the PDF took longer than the time allowed.');
  if (r.overflow) throw new UnstampableError('too_complex', 'The PDF has too many objects to be watermarked.');
  if (r.outOfMemory) throw new UnstampableError('too_complex', 'Reading the PDF needs more memory than allowed.');
  if (r.status !== 0 && r.status !== 3) throw new UnstampableError('unparseable', 'The PDF structure cannot be read.');
  assertWithinBudget(limits, 'Reading the PDF');
  let json: QpdfJson;
  try {
    json = JSON.parse(r.stdout) as QpdfJson;
  } catch (err) {
    throw new UnstampableError('unparseable', 'The PDF structure cannot be read.', { cause: err });
  }
  const [meta, objects] = json.qpdf ?? [];
  if (!meta || !objects) throw new UnstampableError('unparseable', 'The PDF structure cannot be read.');
  const maxObjectId = Number(meta.maxobjectid ?? 0);
  if (maxObjectId > DESCRIBE_LIMITS.maxObjects) {
    throw new UnstampableError('too_complex', `The PDF has more than ${DESCRIBE_LIMITS.maxObjects} objects.`);
  }
  const trailer = objects.trailer?.value;
  if (!isDict(trailer)) throw new UnstampableError('unparseable', 'The PDF has no trailer.');

  const get = (ref: Ref | string) => objects[`obj:${typeof ref === 'string' ? ref : `${ref.num} ${ref.gen} R`}`];
  const valueOf = (o: PdfObject | undefined): QpdfValue => (o ? (o.value !== undefined ? o.value : o.stream ? (o.stream.dict ?? {}) : null) : null);
  return {
    pdfVersion: /^\d\.\d$/.test(meta.pdfversion ?? '') ? meta.pdfversion! : '1.7',
    maxObjectId,
    repaired: r.status === 3,
    trailer,
    get,
    resolve(v) {
      // A reference to a reference is legal but rare; follow a few, never a loop.
      for (let i = 0; i < 8; i++) {
        const ref = parseRef(v);
        if (!ref) return v;
        v = valueOf(get(ref));
      }
      return null;
    },
    dictOf(ref) {
      const v = valueOf(get(ref));
      return isDict(v) ? v : undefined;
    },
  };
}
