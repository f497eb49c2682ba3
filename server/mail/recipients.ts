import type { Db } from '../db.js';

/** Users who take mail: not disabled, not erased, and not opted out of notifications. */
export const notifiable = (q: ReturnType<Db>) => q.whereNull('users.disabledAt').whereNull('users.erasedAt').whereNot('users.notify', 'off');

/**
 * A room's deal team who take mail: its managers and counsel (experts answer questions and have
 * nothing to do with NDAs or the room's figures), in a stable order.
 */
export const dealTeamRecipients = (db: Db, roomId: string): Promise<Array<{ id: string; email: string; name: string }>> =>
  notifiable(db('users').join('roomStaff', 'roomStaff.userId', 'users.id'))
    .where('roomStaff.roomId', roomId)
    .whereIn('roomStaff.role', ['manager', 'counsel'])
    .select('users.id', 'users.email', 'users.name')
    .orderBy('users.id');
