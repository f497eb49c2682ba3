import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Db } from '../db.js';
import { canonicalJson } from '../ledger/canonical-json.js';
import type { LedgerKey } from '../ledger/signing-key.js';
import { partyDownloads, partyMemberships } from './party-access-history.js';
import type { CertificationReason, CertificationStatus, CertificationRow } from './repository.js';

/**
 * The return-or-destroy certificate: made from rows on demand (the certification, the party, its
 * members and what they took), never stored as an object, so a purge of the room's files leaves it
 * whole. Signed with the ledger key, under its own domain prefix: a signature over a certificate can
 * never be passed off as one over a ledger checkpoint, nor the reverse.
 */
export const CERTIFICATE_SIGNATURE_DOMAIN = 'gatehouse/return-or-destroy-certificate/v1';

/**
 * Who the certificate is rendered for. The party reads the deal team's index of a document nowhere
 * else (its own numbering counts only what it may see, and after its access ended it sees nothing),
 * and a deal-team index would tell it how many documents it was never shown: so the party's copy
 * names each document by title, version and SHA-256, and the deal team's adds the index.
 */
export type CertificateAudience = 'deal_team' | 'party';

export interface CertificateBody {
  kind: 'gatehouse.return-or-destroy-certificate';
  version: 1;
  audience: CertificateAudience;
  certification: {
    id: string;
    status: CertificationStatus;
    reason: CertificationReason;
    requestedAt: string;
    certifiedAt: string | null;
    certifiedBy: { id: string; name: string; email: string } | null;
    statement: string | null;
  };
  room: { id: string; label: string };
  party: { id: string; organisations: Array<{ id: string; name: string; role: 'acquirer' | 'advisor' }> };
  members: Array<{ id: string; name: string; email: string; organisation: string; from: string | null; until: string | null }>;
  /** Every copy the party's members took while members, up to the certification (or now, while it is outstanding). */
  downloads: Array<{
    id: string;
    kind: string;
    at: string;
    userId: string;
    document: { id: string; title: string; index: string | null };
    version: { id: string; number: number; sha256: string };
  }>;
  /** The key that signs: anyone can check the signature with this alone. */
  signedWith: { algorithm: 'Ed25519'; keyId: string; publicKey: string };
}

export interface SignedCertificate extends CertificateBody {
  signature: string;
}

/** The exact bytes signed: the domain prefix, a newline, and the body as canonical JSON (sorted keys, no whitespace). */
export const certificateMessage = (body: CertificateBody) => Buffer.from(`${CERTIFICATE_SIGNATURE_DOMAIN}\n${canonicalJson(body)}`, 'utf8');

/** The public key as it is printed in a certificate: SPKI DER, base64. */
export const publicKeyText = (key: KeyObject) => key.export({ format: 'der', type: 'spki' }).toString('base64');

export function signCertificate(key: LedgerKey, body: Omit<CertificateBody, 'signedWith'>): SignedCertificate {
  const full: CertificateBody = { ...body, signedWith: { algorithm: 'Ed25519', keyId: key.keyId, publicKey: publicKeyText(key.publicKey) } };
  return { ...full, signature: sign(null, certificateMessage(full), key.privateKey).toString('base64') };
}

/**
 * Whether `certificate` carries a valid signature by `publicKey` (a KeyObject, or the base64 SPKI
 * text). Never trusts the key printed in the certificate: the caller brings the key it trusts.
 */
export function certificateSignatureValid(certificate: SignedCertificate, publicKey: KeyObject | string): boolean {
  try {
    const key = typeof publicKey === 'string' ? createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' }) : publicKey;
    const { signature, ...body } = certificate;
    return verify(null, certificateMessage(body), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * The certificate's content, from rows. `indexes` gives the deal team's index of each document (the
 * party's copy passes none). The downloads run through the certification's time, or `at` while it
 * is outstanding: what a member takes after certifying belongs to the party's next request.
 */
export async function certificateBody(
  db: Db,
  certification: CertificationRow,
  opts: { audience: CertificateAudience; at: string; indexes?: (docs: Array<{ id: string; folderId: string; position: number }>) => Promise<Map<string, string>> },
): Promise<Omit<CertificateBody, 'signedWith'>> {
  const { roomId, partyId } = certification;
  const room: { id: string; name: string; codeName: string | null } = await db('rooms').where({ id: roomId }).first('id', 'name', 'codeName');
  const party: { id: string; acquirerOrgId: string } = await db('parties').where({ id: partyId }).first('id', 'acquirerOrgId');
  const advisorOrgs: Array<{ orgId: string }> = await db('partyAdvisors').where({ partyId }).select('orgId').orderBy('orgId');
  const orgIds = [party.acquirerOrgId, ...advisorOrgs.map((a) => a.orgId)];
  const orgs: Array<{ id: string; name: string }> = await db('orgs').whereIn('id', orgIds).select('id', 'name');
  const orgName = new Map(orgs.map((o) => [o.id, o.name]));

  const spans = await partyMemberships(db, roomId, partyId);
  const userIds = [...new Set([...spans.map((s) => s.userId), ...(certification.certifiedBy ? [certification.certifiedBy] : [])])];
  const users: Array<{ id: string; name: string; email: string; orgId: string }> = userIds.length ? await db('users').whereIn('id', userIds).select('id', 'name', 'email', 'orgId') : [];
  const userById = new Map(users.map((u) => [u.id, u]));
  const userOrgNames: Array<{ id: string; name: string }> = users.length ? await db('orgs').whereIn('id', [...new Set(users.map((u) => u.orgId))]).select('id', 'name') : [];
  const userOrgName = new Map(userOrgNames.map((o) => [o.id, o.name]));

  const taken = await partyDownloads(db, roomId, partyId, { through: certification.certifiedAt ?? opts.at });
  const documentIds = [...new Set(taken.map((d) => d.documentId))];
  const versionIds = [...new Set(taken.map((d) => d.versionId))];
  const documents: Array<{ id: string; title: string; folderId: string; position: number }> = documentIds.length
    ? await db('documents').whereIn('id', documentIds).select('id', 'title', 'folderId', 'position')
    : [];
  const versions: Array<{ id: string; version: number; sha256: string }> = versionIds.length ? await db('documentVersions').whereIn('id', versionIds).select('id', 'version', 'sha256') : [];
  const documentById = new Map(documents.map((d) => [d.id, d]));
  const versionById = new Map(versions.map((v) => [v.id, v]));
  const indexes = opts.indexes && documents.length ? await opts.indexes(documents) : new Map<string, string>();
  const certifier = certification.certifiedBy ? userById.get(certification.certifiedBy) : undefined;

  return {
    kind: 'gatehouse.return-or-destroy-certificate',
    version: 1,
    audience: opts.audience,
    certification: {
      id: certification.id,
      status: certification.status,
      reason: certification.reason,
      requestedAt: certification.requestedAt,
      certifiedAt: certification.certifiedAt,
      certifiedBy: certifier ? { id: certifier.id, name: certifier.name, email: certifier.email } : null,
      statement: certification.statement,
    },
    // The party knows the room by its code name; so does its certificate, for both readers.
    room: { id: room.id, label: room.codeName ?? room.name },
    party: {
      id: party.id,
      organisations: orgIds.map((id, i) => ({ id, name: orgName.get(id) ?? '', role: i === 0 ? ('acquirer' as const) : ('advisor' as const) })),
    },
    members: spans
      .map((s) => {
        const u = userById.get(s.userId);
        return { id: s.userId, name: u?.name ?? '', email: u?.email ?? '', organisation: (u && userOrgName.get(u.orgId)) ?? '', from: s.from, until: s.until };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1)),
    downloads: taken.map((d) => {
      const doc = documentById.get(d.documentId);
      const v = versionById.get(d.versionId);
      return {
        id: d.id,
        kind: d.kind,
        at: d.at,
        userId: d.userId,
        document: { id: d.documentId, title: doc?.title ?? '', index: opts.audience === 'deal_team' ? (indexes.get(d.documentId) ?? null) : null },
        version: { id: d.versionId, number: Number(v?.version ?? 0), sha256: v?.sha256 ?? '' },
      };
    }),
  };
}
