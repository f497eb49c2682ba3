import { createHash } from 'node:crypto';
import { PSEUDONYM_MAC_BYTES } from './personal-data.js';

/**
 * pseudonymMac (personal-data.ts) for the values of one delivery, computed here in JavaScript: the
 * same HMAC-SHA-256 of `pseudonym\0<party>\0<value>` under the room's secret, with the key's padded
 * blocks and the message's fixed beginning hashed once, so each value costs two or three SHA-256
 * blocks and no allocation. A delivery of a million-row census makes a pseudonym per row; node's
 * createHmac makes a native object for each, whose memory V8 does not see until it collects the
 * wrappers (in the bench, a first delivery's RSS grew by up to 260 MB while the search indexer read the
 * same file), and costs ~3 µs where this costs well under 1.
 * Checked against createHmac in test/unit/datasets/row-store.test.ts.
 */

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
  0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
  0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const INITIAL = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** SHA-256's compression of the 64-byte block at `at` of `bytes` into state `h`. */
function compress(h: Int32Array, w: Int32Array, bytes: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++, at += 4) w[i] = (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  let f = h[5]!;
  let g = h[6]!;
  let k = h[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (k + s1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    k = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
  h[5] = (h[5]! + f) | 0;
  h[6] = (h[6]! + g) | 0;
  h[7] = (h[7]! + k) | 0;
}

/** A SHA-256 in progress: its state, the bytes of an unfinished block, and the length hashed. */
class Sha256 {
  readonly h = new Int32Array(8);
  readonly block = new Uint8Array(64);
  filled = 0;
  length = 0;
  private readonly w = new Int32Array(64);

  constructor() {
    this.h.set(INITIAL);
  }

  /** This hash taken up where `from` is. */
  copyFrom(from: Sha256): void {
    this.h.set(from.h);
    this.block.set(from.block);
    this.filled = from.filled;
    this.length = from.length;
  }

  update(bytes: Uint8Array, start: number, end: number): void {
    this.length += end - start;
    let at = start;
    if (this.filled > 0) {
      while (this.filled < 64 && at < end) this.block[this.filled++] = bytes[at++]!;
      if (this.filled < 64) return;
      compress(this.h, this.w, this.block, 0);
      this.filled = 0;
    }
    for (; at + 64 <= end; at += 64) compress(this.h, this.w, bytes, at);
    while (at < end) this.block[this.filled++] = bytes[at++]!;
  }

  /** The digest, big-endian, into `out` (32 bytes); the hash is spent. */
  finish(out: Uint8Array): void {
    const bits = this.length * 8;
    this.block[this.filled++] = 0x80;
    if (this.filled > 56) {
      this.block.fill(0, this.filled);
      compress(this.h, this.w, this.block, 0);
      this.filled = 0;
    }
    this.block.fill(0, this.filled, 56);
    const high = Math.floor(bits / 2 ** 32);
    const low = bits >>> 0;
    this.block[56] = high >>> 24;
    this.block[57] = high >>> 16;
    this.block[58] = high >>> 8;
    this.block[59] = high;
    this.block[60] = low >>> 24;
    this.block[61] = low >>> 16;
    this.block[62] = low >>> 8;
    this.block[63] = low;
    compress(this.h, this.w, this.block, 0);
    for (let i = 0; i < 8; i++) {
      const v = this.h[i]!;
      out[i * 4] = v >>> 24;
      out[i * 4 + 1] = v >>> 16;
      out[i * 4 + 2] = v >>> 8;
      out[i * 4 + 3] = v;
    }
  }
}

export class PseudonymHasher {
  /** The inner hash after the key's inner pad and `pseudonym\0<party>\0`. */
  private readonly inner = new Sha256();
  /** The outer hash after the key's outer pad. */
  private readonly outer = new Sha256();
  private readonly work = new Sha256();
  private readonly digest = new Uint8Array(32);
  private scratch = Buffer.alloc(256);

  constructor(roomSecret: Buffer, partyId: string) {
    const key = new Uint8Array(64);
    key.set(roomSecret.length > 64 ? createHash('sha256').update(roomSecret).digest() : roomSecret);
    const pad = new Uint8Array(64);
    for (let i = 0; i < 64; i++) pad[i] = key[i]! ^ 0x36;
    this.inner.update(pad, 0, 64);
    const prefix = Buffer.from(`pseudonym\0${partyId}\0`, 'utf8');
    this.inner.update(prefix, 0, prefix.length);
    for (let i = 0; i < 64; i++) pad[i] = key[i]! ^ 0x5c;
    this.outer.update(pad, 0, 64);
  }

  /** The first PSEUDONYM_MAC_BYTES of pseudonymMac(secret, party, value), into `out` at `at`. */
  macInto(value: string, out: Uint8Array, at: number): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (value.length * 3 > this.scratch.length) this.scratch = Buffer.alloc(value.length * 3);
    const length = this.scratch.write(value, 0, 'utf8');
    this.work.copyFrom(this.inner);
    this.work.update(this.scratch, 0, length);
    this.work.finish(this.digest);
    this.work.copyFrom(this.outer);
    this.work.update(this.digest, 0, 32);
    this.work.finish(this.digest);
    for (let i = 0; i < PSEUDONYM_MAC_BYTES; i++) out[at + i] = this.digest[i]!;
  }
}
