import type { OrgKind, Role, UserStatus } from '../../api.js';

/** How the directory's values read to an administrator. */
export const ORG_KIND_LABEL: Record<OrgKind, string> = { seller: 'Seller group', acquirer: 'Acquirer', advisor: 'Advisor' };
export const ORG_KINDS: OrgKind[] = ['seller', 'acquirer', 'advisor'];
export const ROLE_LABEL: Record<Role, string> = { admin: 'Administrator', staff: 'Staff', external: 'External' };
export const USER_STATUSES: UserStatus[] = ['invited', 'active', 'disabled'];

/**
 * The roles a person of an organisation of this kind may have: the seller's own people are staff or
 * administrators; acquirers' and advisors' people are external, whom only the access rule lets in.
 */
export const rolesFor = (kind: OrgKind | undefined): Role[] => (kind === 'seller' ? ['staff', 'admin'] : kind ? ['external'] : []);
