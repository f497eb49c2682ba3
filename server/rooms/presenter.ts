import type { RoomView } from './service.js';

export const presentRoom = (r: RoomView & { nda?: { covered: boolean; entityIds: string[] } }) => ({
  id: r.id,
  name: r.name,
  codeName: r.codeName,
  status: r.status,
  entityIds: r.entityIds,
  createdAt: r.createdAt,
  ...(r.nda ? { nda: r.nda } : {}),
});
