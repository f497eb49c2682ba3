/**
 * Large short-lived buffers reused between image stamps: the full-size masks take two bytes a pixel,
 * 24 MB for a 12-megapixel photo. Allocated afresh, each stamp paid the page faults and pushed V8
 * into a full collection. Photos of one size come in series (one camera, one scanner), so buffers
 * are matched by exact size; at most 64 MB are kept, and all are let go after a while without stamps.
 */
const MAX_KEPT_BYTES = 64 * 1024 * 1024;
const IDLE_MS = 10_000;

const kept: Buffer[] = [];
let idleTimer: NodeJS.Timeout | undefined;

/** A buffer of `size` bytes with arbitrary contents. */
export function takeScratch(size: number): Buffer {
  const i = kept.findIndex((b) => b.length === size);
  return i >= 0 ? kept.splice(i, 1)[0] : Buffer.allocUnsafeSlow(size);
}

/** Hands buffers back once nothing reads them any more (sharp's pipeline has settled). */
export function returnScratch(...buffers: Buffer[]): void {
  kept.push(...buffers);
  let bytes = kept.reduce((n, b) => n + b.length, 0);
  while (bytes > MAX_KEPT_BYTES) bytes -= kept.shift()!.length;
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => (kept.length = 0), IDLE_MS).unref();
}
