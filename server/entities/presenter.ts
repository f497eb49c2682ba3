import type { EntityRow } from './service.js';

export const presentEntity = (e: EntityRow) => ({ id: e.id, name: e.name, parentId: e.parentId });
