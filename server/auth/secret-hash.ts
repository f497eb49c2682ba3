import { createHash, randomBytes } from 'node:crypto';

/** Session ids and API tokens are stored as their SHA-256: a copy of the database opens no session. */
export const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

export const newSecret = (bytes = 32) => randomBytes(bytes).toString('base64url');
