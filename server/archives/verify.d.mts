// Types of verify.mjs, the checker shipped inside every archive (plain JavaScript on purpose: it
// must run with Node alone, years from now, with nothing installed).
import type { KeyObject } from 'node:crypto';

export const MANIFEST_SIGNATURE_PREFIX: string;
export const CHECKPOINT_SIGNATURE_PREFIX: string;
export const GENESIS_HASH: string;
export function canonicalJson(value: unknown): string;
export function eventBody(e: Record<string, unknown>): string;
export function eventHash(prevHash: string, e: Record<string, unknown>): string;
export function keyIdOf(publicKey: KeyObject): string;
export interface ArchiveVerification {
  ok: boolean;
  fatal: boolean;
  keyId: string | null;
  files: number;
  events: number;
  checkpoints: number;
  problems: string[];
}
export function verifyArchive(dir: string): Promise<ArchiveVerification>;
