import type { OrgRow } from './repository.js';

export const presentOrg = (o: OrgRow) => ({ id: o.id, name: o.name, kind: o.kind });
