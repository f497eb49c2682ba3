import type { RoomView } from './service.js';

/**
 * A room as the caller may read it: `fields` are the fields the ability lets them read (an external
 * member whom the room gives no content reads its name, status and their NDA status only). `can` is
 * added after that filter: it is there only for a caller who may act in the room (room-actions.ts),
 * who reads every field anyway, and it says what they may do, not anything about the room.
 */
export const presentRoom = (r: RoomView & { nda?: { covered: boolean; entityIds: string[] } }, fields?: ReadonlySet<string>) => {
  const full = {
    id: r.id,
    name: r.name,
    codeName: r.codeName,
    status: r.status,
    entityIds: r.entityIds,
    createdAt: r.createdAt,
    uploadsStartAs: r.uploadsStartAs,
    questionLimitPerParty: r.questionLimitPerParty ?? null,
    retainDays: r.retainDays ?? null,
    purgedAt: r.purgedAt ?? null,
    ...(r.nda ? { nda: r.nda } : {}),
  };
  const readable = fields ? Object.fromEntries(Object.entries(full).filter(([k]) => fields.has(k))) : full;
  return r.can ? { ...readable, can: r.can } : readable;
};
