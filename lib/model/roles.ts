/** Who may do what in the panel, highest first (lib/auth/roles.ts ranks them). */
export const ROLES = ['owner', 'admin', 'deployer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
