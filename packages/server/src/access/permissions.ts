/**
 * The permission table: which roles hold which permission. Deny by default: a permission not in
 * this table, or a role not listed for it, is refused. Each module owns its section.
 * docs/access-control.md renders this table; a test keeps the two in sync.
 */
import type { Role } from '../kernel/index.js';

export interface PermissionSpec {
  readonly roles: readonly Role[];
  readonly description: string;
}

const ADMINS: readonly Role[] = ['platform-admin', 'org-admin'];

export const PERMISSIONS = {
  // --- identity and access (users, sessions, service accounts) ---
  'users:read': { roles: [...ADMINS, 'security-officer', 'auditor'], description: 'List and read user accounts of the organization.' },
  'users:manage': { roles: ADMINS, description: 'Invite, disable, reset and grant roles to users.' },
  'access:explain': { roles: [...ADMINS, 'security-officer', 'auditor'], description: 'Ask why a request was allowed or denied.' },
  // --- audit ---
  'audit:read': { roles: ['platform-admin', 'security-officer', 'auditor'], description: 'Read and verify the audit log.' },
  // --- patients (PHI) ---
  // --- devices ---
  'devices:command': { roles: [...ADMINS, 'technician'], description: 'Send a command (with a nonce and an expiry) to a device.' },
} as const satisfies Record<string, PermissionSpec>;

export type Permission = keyof typeof PERMISSIONS;

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(PERMISSIONS, value);
}
