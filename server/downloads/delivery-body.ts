import { Readable } from 'node:stream';
import type { ByteRange, ObjectStore } from '../../storage/object-store.js';

/**
 * The bytes of an incremental-update delivery: the stored object untouched, then the tail. Either
 * part of a byte range comes from where it lives; nothing but the tail is ever held in memory.
 */
export function stampedBody(store: ObjectStore, objectKey: string, baseSize: number, tail: Buffer, range?: ByteRange): Promise<Readable> | Readable {
  const total = baseSize + tail.length;
  const start = range?.start ?? 0;
  const end = Math.min(range?.end ?? total - 1, total - 1);
  const tailPart = tail.subarray(Math.max(0, start - baseSize), end - baseSize + 1);
  if (start >= baseSize) return Readable.from([tailPart]);
  return store.get(objectKey, { start, end: Math.min(end, baseSize - 1) }).then((base) => {
    if (end < baseSize) return base;
    async function* concat() {
      // Leaving early (the client went away) returns from the loop, which destroys `base`.
      for await (const chunk of base) yield chunk as Buffer;
      yield tailPart;
    }
    return Readable.from(concat(), { objectMode: false });
  });
}
