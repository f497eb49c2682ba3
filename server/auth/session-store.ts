import session from 'express-session';
import type { Db } from '../db.js';
import { sha256Hex } from './secret-hash.js';

type SessionData = session.SessionData & { createdAt?: string; passport?: { user?: string } };

/**
 * express-session store on the `sessions` table: sessions survive restarts and are shared by every
 * process. Rows are keyed by the SHA-256 of the session id, and keep the user id so that logging out
 * everywhere or disabling a user is one DELETE.
 */
export class DbSessionStore extends session.Store {
  /**
   * @param idleMs a session unused this long is over (each request pushes `expiresAt` on)
   * @param absoluteMs a session this old is over however active it was: checked against the row's
   *   `createdAt`, which no request ever moves
   */
  constructor(private readonly db: Db, private readonly idleMs: number, private readonly absoluteMs = Infinity) {
    super();
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    this.db('sessions')
      .where({ sidHash: sha256Hex(sid) })
      .first('data', 'expiresAt', 'createdAt')
      .then((row: { data: string; expiresAt: string; createdAt: string } | undefined) => {
        const now = Date.now();
        if (!row || Date.parse(row.expiresAt) <= now || Date.parse(row.createdAt) + this.absoluteMs <= now) return cb(null, null);
        cb(null, JSON.parse(row.data));
      }, cb);
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const data = sess as SessionData;
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.idleMs).toISOString();
    const row = {
      sidHash: sha256Hex(sid),
      userId: data.passport?.user ?? null,
      data: JSON.stringify(sess),
      createdAt: data.createdAt ?? now.toISOString(),
      expiresAt,
    };
    this.db('sessions')
      .insert(row)
      .onConflict('sidHash')
      .merge(['userId', 'data', 'expiresAt'])
      .then(() => cb?.(), (err: unknown) => cb?.(err));
  }

  override touch(sid: string, _sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const expiresAt = new Date(Date.now() + this.idleMs).toISOString();
    this.db('sessions')
      .where({ sidHash: sha256Hex(sid) })
      .update({ expiresAt })
      .then(() => cb?.(), (err: unknown) => cb?.(err));
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.db('sessions')
      .where({ sidHash: sha256Hex(sid) })
      .delete()
      .then(() => cb?.(), (err: unknown) => cb?.(err));
  }
}

export const endSessionsOfUser = (db: Db, userId: string) => db('sessions').where({ userId }).delete();

export const sweepExpiredSessions = (db: Db) => db('sessions').where('expiresAt', '<=', new Date().toISOString()).delete();
