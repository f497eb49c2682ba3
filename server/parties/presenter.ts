import type { PartyView } from './service.js';

export const presentParty = (p: PartyView) => ({
  id: p.id,
  name: p.name,
  acquirerOrgId: p.acquirerOrgId,
  advisorOrgIds: p.advisorOrgIds,
  ...(p.members ? { members: p.members } : {}),
});
