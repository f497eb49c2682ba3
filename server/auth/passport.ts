import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import type { Db } from '../db.js';
import { toActor, type Actor } from './actor.js';
import { findActiveUserById, findUserByEmail, type UserRow } from '../users/repository.js';
import { dummyPasswordHash, verifyPassword } from './passwords.js';
import { sha256Hex } from './secret-hash.js';
import { isoNow } from '../clock.js';

/**
 * One Passport instance per app (not the global singleton), so several apps in one test process
 * never share strategies or databases.
 */
export function createPassport(db: Db) {
  const passport = new Passport();

  passport.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password', session: true }, (email, password, done) => {
      (async () => {
        const user = await findUserByEmail(db, email);
        // Verify against a dummy hash for unknown emails: same work, same answer, no user enumeration.
        const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
        if (!user || !ok || user.disabledAt) return done(null, false);
        return done(null, toActor(user, 'session'));
      })().catch(done);
    }),
  );

  passport.use(
    new BearerStrategy((token, done) => {
      (async () => {
        const row: (UserRow & { tokenId: string; tokenMfa: boolean | number }) | undefined = await db('apiTokens as t')
          .join('users as u', 'u.id', 't.userId')
          .where('t.tokenHash', sha256Hex(token))
          .whereNull('t.revokedAt')
          // An expired token is as dead as a revoked one (a token from before expiry existed has none: dead too).
          .where('t.expiresAt', '>', isoNow())
          .whereNull('u.disabledAt')
          .first('u.*', 't.id as tokenId', 't.lastUsedAt as tokenLastUsedAt', 't.mfa as tokenMfa');
        if (!row) return done(null, false);
        // "Last used" to the minute: a write on every request would cap an API client's throughput
        // at the database's commit rate (docs/quality.md P2).
        const now = isoNow();
        const lastUsedAt = (row as { tokenLastUsedAt?: string | null }).tokenLastUsedAt;
        if (!lastUsedAt || Date.parse(now) - Date.parse(lastUsedAt) >= 60_000) await db('apiTokens').where({ id: row.tokenId }).update({ lastUsedAt: now });
        return done(null, toActor(row, 'token', Boolean(row.tokenMfa)));
      })().catch(done);
    }),
  );

  passport.serializeUser((user, done) => done(null, (user as Actor).id));
  passport.deserializeUser((id: string, done) => {
    // A disabled user's sessions are deleted; the check here also covers a session read in the same instant.
    findActiveUserById(db, id).then((u) => done(null, u ? toActor(u, 'session') : false), done);
  });
  return passport;
}
