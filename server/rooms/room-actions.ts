import { asSubject, type AppAbility } from '../policy/ability.js';

interface RoomAction {
  /** What the flag lets the caller do, as the OpenAPI document says it. */
  means: string;
  /** `actorId`: the caller, for rules about what is theirs (an expert answers what is assigned to them). */
  allowed: (ability: AppAbility, room: { id: string }, actorId: string) => boolean;
}

// A subject of the room with no other column: only a rule that covers the whole room matches it
// (a party's grant names folders, entities and limits, so it never does).
const inRoom = (type: 'Document' | 'Folder' | 'Party' | 'Grant' | 'Nda' | 'Question', room: { id: string }) => asSubject(type, { roomId: room.id });

/**
 * What the caller may do in a room: the room response's `can`, asked of the same ability the routes
 * check, so the web client never re-derives permissions from roles. Each flag names the requests it
 * opens; test/api/room-can-flags.test.ts holds every flag to them, for every kind of caller.
 * Whether the room is open is not folded in: the server takes these requests in a closed room too.
 */
export const ROOM_ACTIONS = {
  manageRoom: {
    means: 'close the room, add managers and counsel, change its security settings',
    allowed: (a, room) => a.can('edit', asSubject('Room', room)),
  },
  manageDocuments: {
    means: 'upload documents and new versions, create folders',
    allowed: (a, room) => a.can('edit', inRoom('Document', room)) && a.can('edit', inRoom('Folder', room)),
  },
  manageParties: {
    means: 'invite parties, add and remove their members',
    allowed: (a, room) => a.can('edit', inRoom('Party', room)),
  },
  manageGrants: {
    means: 'grant parties access to folders and revoke it',
    allowed: (a, room) => a.can('edit', inRoom('Grant', room)),
  },
  registerNdas: {
    means: 'register signed NDAs',
    allowed: (a, room) => a.can('registerNda', asSubject('Room', room)),
  },
  decideNdas: {
    means: 'confirm, reject and terminate NDAs (counsel; four eyes still applies to each NDA)',
    allowed: (a, room) => a.can('decideNda', asSubject('Room', room)),
  },
  readNdaRegister: {
    means: "read every organisation's NDAs in the room, with their signed PDFs",
    allowed: (a, room) => a.can('readFile', inRoom('Nda', room)),
  },
  readParties: {
    means: 'list the parties with their members, and the deal team',
    allowed: (a, room) => a.can('read', inRoom('Party', room)),
  },
  readGrants: {
    means: "read the room's grants (the permission matrix)",
    allowed: (a, room) => a.can('read', inRoom('Grant', room)),
  },
  viewAllDocuments: {
    means: 'view every document of the room whatever the grants (the deal team: with entities and delivery notes)',
    allowed: (a, room) => a.can('view', inRoom('Document', room)),
  },
  readAudit: {
    means: "read the room's audit trail",
    allowed: (a, room) => a.can('oversee', asSubject('Room', room)),
  },
  readDisclosures: {
    means: 'read the disclosure register',
    allowed: (a, room) => a.can('oversee', asSubject('Room', room)),
  },
  trace: {
    means: 'trace a leaked copy to its download',
    allowed: (a, room) => a.can('oversee', asSubject('Room', room)),
  },
  explainAccess: {
    means: 'ask why a user can or cannot reach a document ("view as")',
    allowed: (a, room) => a.can('oversee', asSubject('Room', room)),
  },
  readQuestions: {
    means: "read every question of the room's Q&A, with the asking party (the deal team and counsel)",
    allowed: (a, room) => a.can('read', inRoom('Question', room)),
  },
  answerQuestions: {
    means: 'draft answers: managers to any question, experts to the questions assigned to them',
    allowed: (a, room, actorId) => a.can('answer', asSubject('Question', { roomId: room.id, assignedTo: actorId })),
  },
  manageQuestions: {
    means: 'assign questions, approve answers (never their own: four eyes) and publish them as FAQs',
    allowed: (a, room) => a.can('assign', inRoom('Question', room)) && a.can('approve', inRoom('Question', room)) && a.can('publish', inRoom('Question', room)),
  },
  verifyLedger: {
    means: "verify the whole ledger's hash chain (administrators; not limited to this room)",
    allowed: (a) => a.can('edit', 'Directory'),
  },
  purgeRoom: {
    means: "set how long the room's files are kept once it is closed, and purge a closed room's files (administrators)",
    allowed: (a) => a.can('edit', 'Directory'),
  },
  readEngagement: {
    means: 'read what each party looked at against what it may see (engagement figures, heat map, CSV)',
    allowed: (a, room) => a.can('oversee', asSubject('Room', room)),
  },
} satisfies Record<string, RoomAction>;

export type RoomActions = Record<keyof typeof ROOM_ACTIONS, boolean>;

/**
 * The caller's `can` flags in `room`, or undefined when they may do none of these: a party member
 * (external user) never may, and gets no `can` at all, so a member whom the room gives no content
 * still reads exactly its name, status and their NDA status.
 */
export function roomActionsOf(ability: AppAbility, room: { id: string }, actorId: string): RoomActions | undefined {
  const can = Object.fromEntries(Object.entries(ROOM_ACTIONS).map(([flag, action]) => [flag, action.allowed(ability, room, actorId)])) as RoomActions;
  return Object.values(can).some(Boolean) ? can : undefined;
}
