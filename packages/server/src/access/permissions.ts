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
  'session:self': {
    roles: ['platform-admin', 'org-admin', 'security-officer', 'clinician', 'technician', 'auditor'],
    description: "Read and end one's own session; change one's own password; enrol and use one's own second factors.",
  },
  'organizations:read': { roles: ['platform-admin'], description: 'List organizations (tenants).' },
  'organizations:manage': { roles: ['platform-admin'], description: 'Create organizations (tenants).' },
  'service-accounts:manage': { roles: ADMINS, description: 'Create service accounts and their scoped, expiring API tokens.' },
  // --- audit ---
  'audit:read': { roles: ['platform-admin', 'security-officer', 'auditor'], description: 'Read and verify the audit log.' },
  // --- patients (PHI) ---
  // --- devices ---
} as const satisfies Record<string, PermissionSpec>;

export type Permission = keyof typeof PERMISSIONS;

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(PERMISSIONS, value);
}
