import { api, type Party, type StaffMember } from '../../api.js';
import type { RoomContext } from '../room-context.js';

/** Names for the ids of the Q&A: the room's staff (assignees, authors) and its parties. */
export interface QuestionPeople {
  staff: ReadonlyMap<string, StaffMember>;
  parties: ReadonlyMap<string, Party>;
}

/**
 * Those who read the parties (managers and counsel) name them and the deal team; an expert reads
 * neither, and the questions they are sent carry no party to name.
 */
export async function loadQuestionPeople(ctx: RoomContext): Promise<QuestionPeople> {
  if (!ctx.can.readParties) return { staff: new Map(), parties: new Map() };
  const [staff, parties] = await Promise.all([api.staff(ctx.room.id), api.parties(ctx.room.id)]);
  return { staff: new Map(staff.items.map((s) => [s.userId, s])), parties: new Map(parties.items.map((p) => [p.id, p])) };
}

/** Who did something, as the reader knows them: themselves, a named colleague, or the deal team. */
export const personName = (people: QuestionPeople, ctx: RoomContext, userId: string | null | undefined) =>
  !userId ? 'no one' : userId === ctx.user.id ? 'you' : (people.staff.get(userId)?.name ?? 'the deal team');

/**
 * Whom a question can go to: those who may draft its answer, the room's experts and managers
 * (counsel read the Q&A but do not answer). The server accepts any staff of the room; offering
 * counsel would only park the question with someone who cannot answer it.
 */
export const assignees = (people: QuestionPeople) =>
  [...people.staff.values()].filter((s) => s.role === 'expert' || s.role === 'manager').sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'expert' ? -1 : 1));

export const ROLE_LABEL: Record<StaffMember['role'], string> = { manager: 'manager', counsel: 'counsel', expert: 'expert' };
