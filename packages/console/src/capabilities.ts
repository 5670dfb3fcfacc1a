/**
 * Which parts of the console each role sees. This only hides what a role can't use: the server
 * decides every request (deny by default), and a page the server refuses shows "Access denied".
 * Mirrors the permission table in docs/access-control.md.
 */
import type { Role } from './api/types';

const ADMINS: readonly Role[] = ['platform-admin', 'org-admin'];

const CAPABILITIES = {
  'users:read': [...ADMINS, 'security-officer', 'auditor'],
  'users:manage': ADMINS,
  'patients:read': [...ADMINS, 'clinician'],
  'patients:manage': ADMINS,
  'break-glass:review': ['security-officer'],
  'devices:read': [...ADMINS, 'technician', 'security-officer'],
  'devices:enroll': [...ADMINS, 'technician'],
  'devices:contain': [...ADMINS, 'technician', 'security-officer'],
  // clinical data (issue 5): vitals and clinical alerts follow the PHI rule on the server.
  'vitals:read': [...ADMINS, 'clinician'],
  'clinical-alerts:read': [...ADMINS, 'clinician'],
  'alert-rules:manage': ADMINS,
  'bindings:manage': ADMINS,
  'bindings:read': ['org-admin', 'clinician', 'technician'],
  // security monitoring and usage (issue 6)
  'security:read': [...ADMINS, 'security-officer'],
  'security:manage': [...ADMINS, 'security-officer'],
  'delivery:manage': [...ADMINS, 'security-officer'],
  'usage:read': ['org-admin', 'security-officer', 'auditor'],
  'disclosures:read': ['org-admin', 'security-officer', 'auditor'],
  // the audit log (issue 11)
  'audit:read': ['platform-admin', 'security-officer', 'auditor'],
  // backups and disaster recovery (issue 12): installation-wide, platform admins only
  'backups:read': ['platform-admin'],
  'backups:manage': ['platform-admin'],
  // incident response (issue 15)
  'incidents:read': ['org-admin', 'security-officer', 'auditor'],
  'incidents:manage': ['org-admin', 'security-officer'],
  // firmware updates (issue 13): releases and SBOMs, campaigns, the fleet's integrity
  'firmware:read': [...ADMINS, 'security-officer', 'technician', 'auditor'],
  'rollouts:read': [...ADMINS, 'security-officer', 'technician', 'auditor'],
  'rollouts:request': [...ADMINS, 'technician'],
  'rollouts:pause': [...ADMINS, 'technician', 'security-officer'],
  'rollouts:approve': [...ADMINS, 'security-officer'],
  // security audits, risk register, change control, compliance report (issue 14)
  'compliance:read': ['platform-admin', 'security-officer', 'auditor'],
  'compliance:manage': ['platform-admin', 'security-officer'],
  'risks:read': ['platform-admin', 'security-officer', 'auditor'],
  'changes:read': [...ADMINS, 'security-officer', 'auditor'],
  'changes:request': [...ADMINS, 'security-officer'],
} as const satisfies Record<string, readonly Role[]>;

export type Capability = keyof typeof CAPABILITIES;

export function can(roles: readonly Role[], capability: Capability): boolean {
  const allowed: readonly Role[] = CAPABILITIES[capability];
  return roles.some((role) => allowed.includes(role));
}
