import { hash, verify } from '@node-rs/argon2';

import type { Config } from '../config.js';

// OWASP's argon2id baseline (19 MiB, 2 passes): slow enough to hurt offline guessing, fast enough to
// log in. 'minimal' (argon2's least memory, one pass) only where config allows it: test suites.
// Argon2id is the library's default algorithm (its const enum cannot be imported under isolatedModules).
const ARGON2_COSTS = {
  owasp: { memoryCost: 19_456, timeCost: 2, parallelism: 1 },
  minimal: { memoryCost: 8, timeCost: 1, parallelism: 1 },
} as const;

// One process hashes at one cost, set with its app (createApp): the cost travels with every hash
// (the PHC string names it), so verifying never depends on it.
let argon2Options: (typeof ARGON2_COSTS)[keyof typeof ARGON2_COSTS] = ARGON2_COSTS.owasp;
export function usePasswordHashCost(cost: Config['passwordHashCost']): void {
  argon2Options = ARGON2_COSTS[cost];
}

export const hashPassword = (password: string) => hash(password, argon2Options);

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * A fixed hash to verify against when the email is unknown, so an unknown email costs the same time
 * as a wrong password and the two cannot be told apart.
 */
const dummyHashes = new Map<object, Promise<string>>();
export function dummyPasswordHash(): Promise<string> {
  // Kept per cost: an unknown email must cost what a known one of this process costs.
  let dummy = dummyHashes.get(argon2Options);
  if (!dummy) dummyHashes.set(argon2Options, (dummy = hashPassword('gatehouse-no-such-user-placeholder')));
  return dummy;
}
