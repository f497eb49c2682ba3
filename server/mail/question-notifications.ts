import type { Db } from '../db.js';
import { notifiable } from './recipients.js';
import type { Config } from '../config.js';
import { toActor } from '../auth/actor.js';
import { asSubject, buildAbility } from '../policy/ability.js';
import { loadAccessFacts } from '../policy/access-facts.js';
import type { UserRow } from '../users/repository.js';
import type { QuestionRow } from '../questions/repository.js';
import { queueMail } from './outbox.js';
import { faqPublishedMail, questionAnsweredMail, questionAskedMail, questionAssignedMail, roomLabelFor } from './templates.js';

/**
 * Q&A mail (docs/http-api.md: "Q&A events → the people the question is visible to"). Each is queued
 * in the transaction of the step that causes it. Recipients who chose `notify: off` get none, as
 * for NDA mail; `daily` does not delay them either (a question is one event, not a digest).
 * A mail names the asking party to the deal team only: an expert is told of the question, and the
 * other parties of an FAQ, without it.
 */

type Recipient = UserRow & { status: string };
interface RoomNaming {
  id: string;
  name: string;
  codeName: string | null;
}

const qaUrl = (config: Pick<Config, 'mail'>, roomId: string) => `${config.mail.publicUrl}/rooms/${roomId}/questions`;
const roomOf = (trx: Db, roomId: string): Promise<RoomNaming> => trx('rooms').where({ id: roomId }).first('id', 'name', 'codeName');

/**
 * The users among `users` the access rule lets read `question` as it is now: each one's own facts
 * and ability, judged as their next request signed in with every factor they have and from an
 * address their party admits (as exposure.ts judges a party's reach: an allow-list says from where
 * a member reads what is theirs, not what is).
 */
async function readersOf(trx: Db, users: Recipient[], question: QuestionRow, at: string): Promise<Recipient[]> {
  const out: Recipient[] = [];
  for (const user of users) {
    const facts = await loadAccessFacts(trx, toActor(user, 'token', true), at);
    const memberships = facts.memberships.map((m) => ({ ...m, ipAllowed: true, requireMfa: false }));
    if (buildAbility({ ...facts, memberships }).can('read', asSubject('Question', question))) out.push(user);
  }
  return out;
}

/** A question was asked: the room's managers are told, with the party that asked. */
export async function notifyQuestionAsked(trx: Db, config: Pick<Config, 'mail'>, question: QuestionRow, at: string) {
  const room = await roomOf(trx, question.roomId);
  const party: { name: string } = await trx('parties').where({ id: question.partyId }).first('name');
  const managers: Recipient[] = await notifiable(trx('users').join('roomStaff', 'roomStaff.userId', 'users.id'))
    .where({ 'roomStaff.roomId': question.roomId, 'roomStaff.role': 'manager' })
    .select('users.*');
  for (const user of managers) {
    const mail = questionAskedMail({
      name: user.name, roomLabel: roomLabelFor(room, user), partyName: party.name, number: Number(question.number), priority: question.priority, subject: question.subject, url: qaUrl(config, room.id),
    });
    await queueMail(trx, config, { kind: 'question_asked', to: user.email, toUserId: user.id, at, ...mail });
  }
}

/** A question was assigned: the assignee is told of the question, never of who asked it. */
export async function notifyQuestionAssigned(trx: Db, config: Pick<Config, 'mail'>, question: QuestionRow, at: string) {
  if (!question.assignedTo) return;
  const room = await roomOf(trx, question.roomId);
  const assignee: Recipient | undefined = await notifiable(trx('users')).where('users.id', question.assignedTo).first('users.*');
  if (!assignee) return;
  const mail = questionAssignedMail({ name: assignee.name, roomLabel: roomLabelFor(room, assignee), subject: question.subject, url: qaUrl(config, room.id) });
  await queueMail(trx, config, { kind: 'question_assigned', to: assignee.email, toUserId: assignee.id, at, ...mail });
}

/** An answer was approved: the asking party's members who may read it now are told. */
export async function notifyAnswerApproved(trx: Db, config: Pick<Config, 'mail'>, question: QuestionRow, at: string) {
  const room = await roomOf(trx, question.roomId);
  const members: Recipient[] = await notifiable(trx('users').join('partyMembers', 'partyMembers.userId', 'users.id'))
    .where({ 'partyMembers.partyId': question.partyId, 'partyMembers.roomId': question.roomId })
    .select('users.*');
  for (const user of await readersOf(trx, members, question, at)) {
    const mail = questionAnsweredMail({ name: user.name, roomLabel: roomLabelFor(room, user), number: Number(question.number), subject: question.subject, url: qaUrl(config, room.id) });
    await queueMail(trx, config, { kind: 'question_answered', to: user.email, toUserId: user.id, at, ...mail });
  }
}

/** A question became an FAQ: every member of every party of the room who may read it is told, without the asker. */
export async function notifyFaqPublished(trx: Db, config: Pick<Config, 'mail'>, question: QuestionRow, at: string) {
  const room = await roomOf(trx, question.roomId);
  const members: Recipient[] = await notifiable(trx('users').join('partyMembers', 'partyMembers.userId', 'users.id'))
    .where('partyMembers.roomId', question.roomId)
    .select('users.*');
  for (const user of await readersOf(trx, members, question, at)) {
    const mail = faqPublishedMail({ name: user.name, roomLabel: roomLabelFor(room, user), subject: question.faqSubject ?? question.subject, url: qaUrl(config, room.id) });
    await queueMail(trx, config, { kind: 'faq_published', to: user.email, toUserId: user.id, at, ...mail });
  }
}
