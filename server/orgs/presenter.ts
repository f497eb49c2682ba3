import type { OrgRow } from './service.js';

export const presentOrg = (o: OrgRow) => ({ id: o.id, name: o.name, kind: o.kind });
