import { classificationOf, levelOf, personalDataOf } from '../ranks.js';
import type { GrantRow } from './repository.js';

export const presentGrant = (g: GrantRow) => ({
  id: g.id,
  partyId: g.partyId,
  folderId: g.folderId,
  level: levelOf(g.levelRank),
  maxClassification: classificationOf(g.maxClassificationRank),
  maxPersonalData: personalDataOf(g.maxPersonalDataRank),
  expiresAt: g.expiresAt,
  createdAt: g.createdAt,
});
