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
  // The route permission is necessary, never sufficient: reading or writing a patient's PHI also
  // needs the PHI rule of patients/model.ts (current HIPAA training and care-team membership, or an
  // active break-glass grant). platform-admin holds none of these: PHI stays inside its tenant.
  'patients:read': { roles: ['org-admin', 'clinician'], description: "List patients and open a patient's record (PHI rule applies)." },
  'patients:write': { roles: ['org-admin', 'clinician'], description: 'Register patients (training required).' },
  'patients:care-team': { roles: ['org-admin'], description: "Manage a patient's care team; see the organization's patient directory." },
  'patients:break-glass': { roles: ['clinician'], description: 'Take a time-boxed emergency grant to one patient, with a reason.' },
  'break-glass:review': { roles: ['security-officer'], description: 'List break-glass grants and review them (justified or not).' },
  'training:read': { roles: ['org-admin', 'security-officer', 'auditor'], description: "Read users' training attestations." },
  'training:write': { roles: ['org-admin'], description: "Record users' training attestations." },
  // --- devices ---
  'devices:read': { roles: [...ADMINS, 'security-officer', 'technician', 'auditor', 'service'], description: 'List and read devices of the organization.' },
  'devices:enroll': { roles: [...ADMINS, 'technician', 'service'], description: 'Issue one-time device enrolment tokens.' },
  'devices:manage': { roles: [...ADMINS, 'security-officer'], description: 'Revoke, quarantine and release devices.' },
  'devices:command': { roles: [...ADMINS, 'technician'], description: 'Send a command (with a nonce and an expiry) to a device.' },
  // --- security monitoring (alerts/security) ---
  'security:read': { roles: ['platform-admin', 'org-admin', 'security-officer'], description: 'Read security events and security alerts.' },
  'security:manage': { roles: ['platform-admin', 'security-officer'], description: 'Acknowledge, resolve, suppress, assign and annotate security alerts.' },
} as const satisfies Record<string, PermissionSpec>;

export type Permission = keyof typeof PERMISSIONS;

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(PERMISSIONS, value);
}
