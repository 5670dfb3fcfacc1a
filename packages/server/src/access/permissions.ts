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
  // --- keys ---
  'keys:rotate': { roles: ['platform-admin'], description: 'Rotate the key-encryption key online; everything sealed is re-wrapped under the new one.' },
  // --- platform security settings (changed only through approved change requests) ---
  'settings:manage': { roles: ['platform-admin'], description: 'Request or approve a change of the platform security settings (detectors, password policy, insecure flags).' },
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
  'devices:manage': { roles: [...ADMINS, 'security-officer'], description: 'Revoke, quarantine and release devices; set their groups and site.' },
  'devices:command': { roles: [...ADMINS, 'technician'], description: 'Send a command (with a nonce and an expiry) to a device.' },
  // --- clinical data (bindings, vitals, clinical alerts) ---
  // vitals:read is necessary, never sufficient: every vitals read also runs the PHI rule.
  'bindings:read': { roles: ['org-admin', 'clinician', 'technician'], description: "List a patient's device bindings." },
  'bindings:write': { roles: ['org-admin', 'clinician', 'technician'], description: 'Bind a device to a patient over a period, and end a binding.' },
  'vitals:read': { roles: ['org-admin', 'clinician'], description: "Read a patient's vitals (PHI rule applies), live or over a range." },
  'alert-rules:read': { roles: ['org-admin', 'clinician'], description: 'List clinical alert rules of the organization and of patients.' },
  'alert-rules:write': { roles: ['org-admin'], description: 'Create and change clinical alert rules.' },
  'clinical-alerts:read': { roles: ['org-admin', 'clinician'], description: 'List clinical alerts of the patients one may see (PHI rule applies).' },
  'clinical-alerts:manage': { roles: ['clinician'], description: 'Acknowledge and resolve clinical alerts of the patients one may see.' },
  // --- fhir (FHIR R4 read API) ---
  // Necessary, never sufficient: Patient and Observation reads also pass the PHI rule (a person
  // with training and a care relationship, or break-glass); Device/{id} also needs devices:read.
  'fhir:read': { roles: ['org-admin', 'clinician', 'service'], description: 'Use the FHIR R4 read API under /fhir/R4 (PHI rule applies).' },
  // --- security alert delivery, usage reports, metrics ---
  'security:channels': { roles: ['org-admin', 'security-officer'], description: 'Manage security alert channels (webhook, email, syslog) and retry dead letters.' },
  'usage:read': { roles: ['org-admin', 'security-officer', 'auditor'], description: 'Read per-user activity and platform usage reports.' },
  'patients:disclosures': {
    roles: ['org-admin', 'security-officer', 'auditor'],
    description: "Read a patient's accounting of disclosures (HIPAA §164.528); the read is itself audited.",
  },
  'disclosures:record': {
    roles: ['org-admin', 'security-officer', 'clinician'],
    description: 'Record a disclosure of a patient\'s PHI to an outside party (HIPAA §164.528); training and a care relationship, or patients:disclosures, apply.',
  },
  'disclosures:suspend': {
    roles: ['org-admin', 'security-officer'],
    description: "Record an agency's suspension of a patient's accounting of disclosures (HIPAA §164.528(a)(2)).",
  },
  'metrics:read': { roles: ['service'], description: 'Scrape Prometheus metrics at /metrics with a service-account token.' },
  // --- security monitoring (alerts/security) ---
  'security:read': { roles: ['platform-admin', 'org-admin', 'security-officer'], description: 'Read security events and security alerts.' },
  'security:manage': { roles: ['platform-admin', 'security-officer'], description: 'Acknowledge, resolve, suppress, assign and annotate security alerts.' },
  // --- backups and disaster recovery (issue 12): installation-wide, so platform admins only ---
  'backups:read': { roles: ['platform-admin'], description: 'See backups, their verification, DR drills (RTO/RPO) and next runs; every view is audited.' },
  'backups:manage': { roles: ['platform-admin'], description: 'Take a backup now.' },
  // --- compliance (security audits, findings, change control, risk register, vulnerabilities) ---
  'compliance:read': { roles: ['platform-admin', 'security-officer', 'auditor'], description: 'Read audit checks, runs, findings, vulnerabilities and compliance reports.' },
  'compliance:manage': { roles: ['platform-admin', 'security-officer'], description: 'Run audits, suppress findings, take mitigation actions, import advisory feeds.' },
  'changes:read': { roles: ['platform-admin', 'org-admin', 'security-officer', 'auditor'], description: 'List change requests and what changed before a time.' },
  'changes:request': { roles: ['platform-admin', 'org-admin', 'security-officer'], description: 'Request a security-relevant change (two-person approval), or make an emergency change.' },
  'changes:approve': { roles: ['platform-admin', 'org-admin', 'security-officer'], description: "Approve, reject or review another person's change request (MFA again)." },
  'risks:read': { roles: ['platform-admin', 'security-officer', 'auditor'], description: 'Read and export the risk register.' },
  'risks:manage': { roles: ['platform-admin', 'security-officer'], description: 'Add and update risks in the risk register.' },
  // --- updates (firmware releases, TUF repository, rollouts) ---
  // Firmware is the device maker's, not a tenant's: releases are platform-wide.
  'firmware:read': { roles: [...ADMINS, 'security-officer', 'technician', 'auditor'], description: 'List firmware releases, their SBOMs and model policies.' },
  'firmware:publish': { roles: ['platform-admin', 'service'], description: 'Upload firmware images and publish releases (signed into the TUF repository).' },
  'firmware:policy': { roles: ['platform-admin'], description: "Set a model's firmware policy (image size limit, attestation rules)." },
  'rollouts:read': { roles: [...ADMINS, 'security-officer', 'technician', 'auditor'], description: 'Read firmware rollout campaigns and their progress.' },
  'rollouts:request': { roles: [...ADMINS, 'technician'], description: 'Request and abort a firmware rollout (MFA required).' },
  'rollouts:pause': { roles: [...ADMINS, 'technician', 'security-officer'], description: 'Pause a running firmware rollout: a safety stop that incident responders need (resuming needs rollouts:approve).' },
  'rollouts:approve': { roles: [...ADMINS, 'security-officer'], description: "Approve another person's rollout; resume and roll back (MFA required)." },
  // --- incidents (incident response) ---
  'incidents:read': { roles: ['org-admin', 'security-officer', 'auditor'], description: 'List and read incidents, their checklists, timelines and blast radius.' },
  'incidents:manage': { roles: ['org-admin', 'security-officer'], description: 'Open incidents, change their status, team and checklist; edit playbooks and auto-open settings.' },
} as const satisfies Record<string, PermissionSpec>;

export type Permission = keyof typeof PERMISSIONS;

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(PERMISSIONS, value);
}
