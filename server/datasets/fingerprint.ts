import { createCipheriv, createHmac } from 'node:crypto';

/**
 * The fingerprint of a dataset delivery: its row order. No value changes (docs/http-api.md: every value
 * exactly as stored), so the download is told by the order its rows come in. The stored rows are
 * taken in blocks of BLOCK_ROWS; within a block, the rows a recipient gets are sorted by a keyed rank
 * of their place in the stored file, under a key of this download alone (derived from the room's
 * secret and the download id). Blocks follow each other as stored, so a delivery streams with one
 * block in memory.
 *
 * A leaked part (200 rows or more, columns dropped or reordered, saved again as CSV or XLSX: all of
 * which keep the rows' order) is traced by mapping its rows back to stored rows and asking of each
 * delivery whether those rows come in that delivery's order. For a delivery that is not the source,
 * k leaked rows of one block come in its order by chance with probability 1/k!, independently per
 * block: the false-match probability of a whole leak is the product over its blocks — for 200 rows
 * in one block, below 10^-370 (rows ordered one by one, as grid pages are; downloads order runs of
 * rows, ORDER_GROUP_ROWS below, and the odds are counted in runs). Rows re-sorted by the leaker (by name, by salary) match no delivery:
 * the trace then says so and names what it can (the party, by its pseudonyms) rather than guess.
 */
export const BLOCK_ROWS = 4096;

/**
 * The rows a download's order moves together: a block's stored rows in runs of this many (stored rows
 * block × BLOCK_ROWS + g × 8 onwards), each run in stored order, the runs in the download's order. A
 * party's copy of a version keeps each run made and compressed once (party-copy.ts), so a download
 * puts runs in its order instead of making every row again. The odds for a leak are then counted in
 * runs: k leaked runs of one block come in a wrong delivery's order with probability 1/k! — a leak of
 * 200 consecutive rows spans at least 25 runs, below 10^-25. Grid pages (GET …/rows) are ordered row
 * by row (groupRows 1), as downloads were before runs: each delivery's record says which it had.
 */
export const ORDER_GROUP_ROWS = 8;

export const orderKeyOf = (roomSecret: Buffer, downloadId: string): Buffer =>
  createHmac('sha256', roomSecret).update('order\0').update(downloadId).digest();

/**
 * The order key of one user's grid of one version (GET …/rows): pages are slices of the user's own
 * order of their rows (blocks as a download's), the same on every request so that pages fit together,
 * and the user's alone, so that a grid scraped page by page is traced to them as a download is. A tag
 * of its own keeps it apart from every download's key.
 */
export const viewOrderKeyOf = (roomSecret: Buffer, userId: string, versionId: string): Buffer =>
  createHmac('sha256', roomSecret).update('view\0').update(userId).update('\0').update(versionId).digest();

/** The ranks of one block's stored rows, cached: a trace asks for the same few blocks of many downloads. */
const blockCache = new Map<string, Uint32Array>();
const BLOCK_CACHE_SIZE = 256;

/**
 * The ranks of the stored rows of one block in one delivery: the AES-256-CTR keystream of the
 * download's order key, with the sheet and block as its counter block, read as 32-bit numbers —
 * one native call per 4,096 rows instead of a keyed hash per row, and as unpredictable without the key.
 */
function blockRanks(orderKey: Buffer, sheet: number, block: number): Uint32Array {
  const id = `${orderKey.toString('base64')}:${sheet}:${block}`;
  const cached = blockCache.get(id);
  if (cached) return cached;
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(sheet, 0);
  iv.writeUInt32BE(block, 4);
  const stream = createCipheriv('aes-256-ctr', orderKey, iv).update(Buffer.alloc(BLOCK_ROWS * 4));
  const ranks = new Uint32Array(BLOCK_ROWS);
  for (let i = 0, at = 0; i < BLOCK_ROWS; i++, at += 4) ranks[i] = ((stream[at]! << 24) | (stream[at + 1]! << 16) | (stream[at + 2]! << 8) | stream[at + 3]!) >>> 0;
  if (blockCache.size >= BLOCK_CACHE_SIZE) blockCache.delete(blockCache.keys().next().value!);
  blockCache.set(id, ranks);
  return ranks;
}

/**
 * The rank of stored row `index` of `sheet` in the delivery keyed by `orderKey` (within its block): its
 * run's rank (the rank of the run's number), so that a run's rows share one.
 */
export function rankOf(orderKey: Buffer, sheet: number, index: number, groupRows = 1): number {
  return blockRanks(orderKey, sheet, Math.floor(index / BLOCK_ROWS))[Math.floor((index % BLOCK_ROWS) / groupRows)]!;
}

/**
 * One block's rows in delivery order: by rank, equal ranks by stored index. Runs of one rank stay whole
 * (a run is a range of stored indexes), and two runs of equal rank (one pair in a few hundred blocks)
 * come in stored order.
 */
export function orderBlock<T extends { sheet: number; index: number }>(orderKey: Buffer, rows: T[], groupRows = 1): T[] {
  if (rows.length === 0) return rows;
  const ranks = blockRanks(orderKey, rows[0]!.sheet, Math.floor(rows[0]!.index / BLOCK_ROWS));
  const rank = (index: number) => ranks[Math.floor((index % BLOCK_ROWS) / groupRows)]!;
  return [...rows].sort((a, b) => rank(a.index) - rank(b.index) || a.index - b.index);
}

/**
 * The same order as orderBlock for rows given by their offsets within block `block` of `sheet`
 * (ascending, each below BLOCK_ROWS): by rank, equal ranks by offset. Each offset is sorted as
 * rank × BLOCK_ROWS + offset, exact in a double (below 2^44), with the native sort of a typed array.
 * With groupRows 1 the offsets are rows; party-copy.ts orders runs by their numbers the same way.
 */
export function orderOffsets(orderKey: Buffer, sheet: number, block: number, offsets: Int32Array, groupRows = 1): Int32Array {
  if (offsets.length === 0) return offsets;
  const ranks = blockRanks(orderKey, sheet, block);
  const keys = new Float64Array(offsets.length);
  for (let i = 0; i < offsets.length; i++) keys[i] = ranks[Math.floor(offsets[i]! / groupRows)]! * BLOCK_ROWS + offsets[i]!;
  keys.sort();
  const ordered = new Int32Array(offsets.length);
  for (let i = 0; i < keys.length; i++) ordered[i] = keys[i]! % BLOCK_ROWS;
  return ordered;
}

export interface StoredPlace {
  sheet: number;
  index: number;
}

/**
 * Whether `leaked` (stored places in the order the leaked file has them) is in the order of the
 * delivery keyed by `orderKey`: sheets, then blocks, in stored order, and within a block by rank
 * (then stored index). Stops at the first pair out of order, so a wrong delivery costs a block's ranks.
 */
export function inDeliveryOrder(orderKey: Buffer, leaked: StoredPlace[], groupRows = 1): boolean {
  let previous: { sheet: number; block: number; rank: number; index: number } | null = null;
  for (const place of leaked) {
    const block = Math.floor(place.index / BLOCK_ROWS);
    if (previous && (place.sheet < previous.sheet || (place.sheet === previous.sheet && block < previous.block))) return false;
    const sameBlock = previous !== null && previous.sheet === place.sheet && previous.block === block;
    const rank = rankOf(orderKey, place.sheet, place.index, groupRows);
    if (sameBlock && (rank < previous!.rank || (rank === previous!.rank && place.index <= previous!.index))) return false;
    previous = { sheet: place.sheet, block, rank, index: place.index };
  }
  return true;
}

/**
 * log10 of the chance that a delivery which is not the source puts `leaked` in its order: the sum over
 * blocks of -log10(k!) for the k runs of `groupRows` (fingerprint.ts ORDER_GROUP_ROWS) the leaked rows
 * of each block fall in. Whether the sheets and blocks come in stored order, and a run's rows in stored
 * order, is the same for every delivery, so it carries no evidence and is not counted.
 */
export function log10ChanceOfOrder(leaked: StoredPlace[], groupRows = 1): number {
  const runs = new Map<string, Set<number>>();
  for (const p of leaked) {
    const key = `${p.sheet}:${Math.floor(p.index / BLOCK_ROWS)}`;
    let block = runs.get(key);
    if (!block) runs.set(key, (block = new Set()));
    block.add(Math.floor(p.index / groupRows));
  }
  let log10 = 0;
  for (const block of runs.values()) for (let i = 2; i <= block.size; i++) log10 -= Math.log10(i);
  return log10;
}
