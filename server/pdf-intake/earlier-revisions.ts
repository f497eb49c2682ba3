import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/*
 * An incremental update leaves the earlier revision in the file, whole: cut the file after that
 * revision's %%EOF and a viewer shows it again (an "redaction" made as an update shows the text it
 * hid). Renditions never carry earlier revisions; the deal team is told a file had them, and a
 * trace recognises such a cut of a stored file as what it is.
 */

export interface RevisionPrefix {
  /** Bytes of the upload up to an earlier revision's end (its %%EOF, and the line break after it). */
  size: number;
  sha256: string;
}

export interface EarlierRevisions {
  /** Incremental updates the upload holds beyond its first revision (a linearized file's first-page section does not count). */
  count: number;
  /** Every cut at a %%EOF before the last, with and without its line break. */
  prefixes: RevisionPrefix[];
}

const MARKER = Buffer.from('%%EOF', 'latin1');
/** Bounds what a file of nothing but markers can make us record. */
const MAX_PREFIXES = 64;

/** Offsets just after each %%EOF, and after the line break that follows it where there is one. */
async function markerEnds(file: string): Promise<{ ends: Array<{ end: number; withEol: number }>; linearized: boolean }> {
  const ends: Array<{ end: number; withEol: number }> = [];
  let linearized = false;
  let position = 0;
  // The last bytes of the previous chunk: a marker (and its line break) may straddle two chunks.
  let carry = Buffer.alloc(0);
  for await (const raw of createReadStream(file)) {
    const chunk = raw as Buffer;
    if (position === 0) linearized = /\/Linearized\b/.test(chunk.subarray(0, 1024).toString('latin1'));
    const hay = Buffer.concat([carry, chunk]);
    const hayStart = position - carry.length;
    for (let at = hay.indexOf(MARKER); at >= 0; at = hay.indexOf(MARKER, at + 1)) {
      const end = hayStart + at + MARKER.length;
      if (ends.length && ends[ends.length - 1].end >= end) continue; // seen in the previous chunk
      let eol = 0;
      if (hay[at + MARKER.length] === 0x0d) eol = hay[at + MARKER.length + 1] === 0x0a ? 2 : 1;
      else if (hay[at + MARKER.length] === 0x0a) eol = 1;
      ends.push({ end, withEol: end + eol });
      if (ends.length > MAX_PREFIXES + 1) ends.shift();
    }
    position += chunk.length;
    carry = hay.subarray(Math.max(0, hay.length - (MARKER.length + 1)));
  }
  return { ends, linearized };
}

/** SHA-256 of the file's first `n` bytes for each n of `cuts` (ascending), in one pass. */
async function prefixDigests(file: string, cuts: number[]): Promise<Map<number, string>> {
  const hash = createHash('sha256');
  const out = new Map<number, string>();
  let position = 0;
  let next = 0;
  for await (const raw of createReadStream(file)) {
    const chunk = raw as Buffer;
    let fed = 0;
    while (next < cuts.length && cuts[next] <= position + chunk.length) {
      hash.update(chunk.subarray(fed, cuts[next] - position));
      fed = cuts[next] - position;
      out.set(cuts[next], hash.copy().digest('hex'));
      next++;
    }
    hash.update(chunk.subarray(fed));
    position += chunk.length;
    if (next >= cuts.length) break;
  }
  return out;
}

/** The earlier revisions a stored PDF holds, with the digest of each cut that would recover one. */
export async function scanEarlierRevisions(file: string): Promise<EarlierRevisions> {
  const { ends, linearized } = await markerEnds(file);
  // The last marker ends the current revision, which every delivery replaces anyway. A file whose
  // markers are only in its stream data may be misread here; the count is a notice, not a decision.
  const earlier = ends.slice(0, -1);
  const cuts = [...new Set(earlier.flatMap((e) => [e.end, e.withEol]))].sort((a, b) => a - b);
  const digests = await prefixDigests(file, cuts);
  return {
    count: Math.max(0, earlier.length - (linearized ? 1 : 0)),
    prefixes: cuts.map((size) => ({ size, sha256: digests.get(size)! })),
  };
}
