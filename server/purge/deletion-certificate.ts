import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../ledger/canonical-json.js';
import type { LedgerKey } from '../ledger/signing-key.js';

export const CERTIFICATE_FORMAT = 'gatehouse-deletion-certificate-v1';

/** One stored object of the room, as the purge found it before deleting it. */
export interface CertifiedObject {
  key: string;
  /** version | rendition | rendition-index | row-store | party-copy | derived | nda | archive */
  kind: string;
  /** The document version, NDA or archive the object belongs to, when a row names it. */
  subjectId: string | null;
  size: number | null;
  sha256: string | null;
  /** `deleted`: the store held it and it was deleted; `absent`: a row named it, the store held nothing under it. */
  state: 'deleted' | 'absent';
}

/** What the certificate states; the signature covers exactly these fields. */
export interface UnsignedCertificate {
  format: typeof CERTIFICATE_FORMAT;
  roomId: string;
  roomName: string;
  roomCodeName: string | null;
  closedAt: string | null;
  purgeStartedAt: string;
  purgedAt: string;
  /** The administrator who purged the room; null when the retention sweeper did (`trigger: retention`). */
  purgedBy: { id: string; name: string; email: string } | null;
  trigger: 'admin' | 'retention';
  retainDays: number | null;
  objects: CertifiedObject[];
  counts: { objects: number; deleted: number; absent: number; bytes: number; byKind: Record<string, number>; documents: number; versions: number; ndas: number };
  /** The ledger's last event before the purge's own: the certificate sits at this point of the chain. */
  ledgerHead: { seq: number; hash: string };
  keyId: string;
}

export interface DeletionCertificate extends UnsignedCertificate {
  /** base64 Ed25519 signature of certificateMessage(): the ledger's key, as its checkpoints. */
  signature: string;
}

/**
 * The signed bytes: a prefix of its own (a checkpoint's signature can never pass for a certificate's,
 * nor the reverse), then the canonical JSON of every field but the signature.
 */
export function certificateMessage(certificate: UnsignedCertificate | DeletionCertificate): Buffer {
  const { signature: _signature, ...unsigned } = certificate as DeletionCertificate;
  return Buffer.from(`${CERTIFICATE_FORMAT}\n${canonicalJson(unsigned)}`);
}

export function signCertificate(key: LedgerKey, unsigned: Omit<UnsignedCertificate, 'keyId'>): DeletionCertificate {
  const withKey: UnsignedCertificate = { ...unsigned, keyId: key.keyId };
  return { ...withKey, signature: sign(null, certificateMessage(withKey), key.privateKey).toString('base64') };
}

export function certificateSignatureValid(publicKey: KeyObject, certificate: DeletionCertificate): boolean {
  try {
    return verify(null, certificateMessage(certificate), publicKey, Buffer.from(certificate.signature, 'base64'));
  } catch {
    return false;
  }
}

/** The digest the ledger's `room.purge` event carries: of the whole certificate, signature included. */
export const certificateDigest = (certificate: DeletionCertificate) => createHash('sha256').update(canonicalJson(certificate)).digest('hex');
