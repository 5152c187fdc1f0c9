import type { Role } from '@/lib/model/roles';

// Higher rank includes every permission of the lower ones.
const RANK: Record<Role, number> = { viewer: 0, deployer: 1, admin: 2, owner: 3 };

export function hasRole(actual: Role, required: Role): boolean {
  return RANK[actual] >= RANK[required];
}

/** Who may grant which role: admins manage everyone below owner; only owners create owners. */
export function canAssignRole(actor: Role, target: Role): boolean {
  if (target === 'owner') return actor === 'owner';
  return hasRole(actor, 'admin');
}

export const ROLE_LABELS: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  deployer: 'Deployer',
  viewer: 'Viewer',
};
