import type { FolderView } from './service.js';

export const presentFolder = (f: FolderView) => ({ id: f.id, name: f.name, parentId: f.parentId, index: f.index });
