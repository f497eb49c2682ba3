import type { ObjectStore } from '../../storage/object-store.js';
import { INDEX_FORMAT, type PdfStampIndex } from '../watermark/stamp-index.js';

/**
 * Indexes are immutable (a version's bytes never change), so a parsed copy may be kept: reading and
 * parsing a 2,000-page index costs more than building the tail from it. Bounded by entries and by
 * the size of their fixed parts; the store stays the source of truth.
 */
const MAX_ENTRIES = 64;
const MAX_TOTAL_CHARS = 64 * 1024 * 1024;
const cache = new Map<string, PdfStampIndex>();
let totalChars = 0;

async function readText(store: ObjectStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function loadStampIndex(store: ObjectStore, key: string): Promise<PdfStampIndex> {
  const hit = cache.get(key);
  if (hit) {
    // Most recently used last.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const index = JSON.parse(await readText(store, key)) as PdfStampIndex;
  if (index.format !== INDEX_FORMAT) throw new Error(`stamp index ${key} has format ${index.format}, expected ${INDEX_FORMAT}`);
  cache.set(key, index);
  totalChars += index.fixed.length;
  while (cache.size > MAX_ENTRIES || totalChars > MAX_TOTAL_CHARS) {
    const [oldestKey, oldest] = cache.entries().next().value as [string, PdfStampIndex];
    cache.delete(oldestKey);
    totalChars -= oldest.fixed.length;
  }
  return index;
}
