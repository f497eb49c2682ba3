import type { DeletionCertificate } from './deletion-certificate.js';
import type { PurgeState } from './service.js';

/**
 * A certificate is presented exactly as signed: any field added, dropped or reshaped here would make
 * its signature fail for whoever checks it. The public key goes beside it, not inside: a verifier
 * should hold the key it trusts (the archive's, the operator's) and compare `keyId`.
 */
export const presentCertificate = (certificate: DeletionCertificate, publicKeyPem: string) => ({ certificate, publicKey: publicKeyPem });

export const presentPurgeState = (state: PurgeState, publicKeyPem: string) => ({ ...state, publicKey: publicKeyPem });
