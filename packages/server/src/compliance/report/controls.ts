/**
 * The controls the compliance report walks: HIPAA Security Rule §164.308 (administrative),
 * §164.310 (physical, where software touches it), §164.312 (technical), §164.316 (documentation),
 * and FDA premarket cybersecurity guidance (2023) Appendix 1 items A-H. For each: who meets it
 * (Vigil, shared with the hospital, or the hospital alone), the audit checks and configuration
 * values that evidence it, and the tests in this repository that prove the mechanism.
 * A unit test checks every named check exists and every named test file is in the repository.
 */
export type ControlOwner = 'vigil' | 'shared' | 'hospital';

export interface ControlSpec {
  readonly framework: 'HIPAA' | 'FDA';
  readonly id: string;
  readonly title: string;
  readonly owner: ControlOwner;
  readonly checks: readonly string[];
  /** Keys of the settings facts shown as configuration evidence. */
  readonly config: readonly string[];
  /** Test files (under packages/server/src) that prove the mechanism. */
  readonly tests: readonly string[];
  readonly note: string;
}

const h = (id: string, title: string, owner: ControlOwner, checks: string[], config: string[], tests: string[], note: string): ControlSpec => ({ framework: 'HIPAA', id, title, owner, checks, config, tests, note });
const f = (id: string, title: string, checks: string[], config: string[], tests: string[], note: string): ControlSpec => ({ framework: 'FDA', id, title, owner: 'vigil', checks, config, tests, note });

export const CONTROLS: readonly ControlSpec[] = [
  h('§164.308(a)(1)(ii)(A)', 'Risk analysis', 'shared', [], [], ['compliance/risks/risks.test.ts'], 'Vigil keeps a risk register seeded from its threat model and scored by live checks; the hospital adds its own environment.'),
  h('§164.308(a)(1)(ii)(B)', 'Risk management', 'shared', ['VULN-COMPONENT', 'VULN-FEED-STALE', 'VULN-FIRMWARE-SBOM', 'CHG-EMERGENCY-UNREVIEWED', 'DEV-FIRMWARE-EOS'], [], ['compliance/vulnerabilities/vulnerabilities.test.ts', 'compliance/changes/changes.test.ts', 'integration/compliance-changes.test.ts'], 'Vulnerability matching against an imported advisory feed; two-person change control.'),
  h('§164.308(a)(1)(ii)(D)', 'Information system activity review', 'shared', ['PLT-DETECTORS-ENABLED', 'DEV-SILENT', 'PPL-BREAK-GLASS-UNREVIEWED'], ['detectors'], ['integration/security-drill.test.ts', 'integration/security-alerts.test.ts'], 'Detectors raise alerts; the hospital reviews them.'),
  h('§164.308(a)(3)(ii)(C)', 'Termination procedures', 'shared', ['PPL-INACTIVE-ACCOUNT', 'PPL-SERVICE-ACCOUNT-NO-EXPIRY'], [], ['integration/identity-http.test.ts'], 'Disabling a user ends their sessions at once; the hospital runs the HR process that triggers it.'),
  h('§164.308(a)(4)(i)', 'Information access management', 'vigil', ['PPL-PRIVILEGED-NO-MFA', 'DEV-TOPIC-ACL-WIDE', 'CHG-EMERGENCY-UNREVIEWED'], [], ['integration/access-matrix.test.ts', 'integration/identity-access-matrix.test.ts', 'integration/compliance-changes.test.ts'], 'Deny by default, organization-scoped roles, privileged grants only through approved change requests.'),
  h('§164.308(a)(5)(i)', 'Security awareness and training', 'shared', ['PPL-TRAINING-LAPSED'], [], ['integration/patients.test.ts'], 'PHI opens only with current training; the hospital delivers the training.'),
  h('§164.308(a)(5)(ii)(C)', 'Log-in monitoring', 'vigil', ['PLT-DETECTORS-ENABLED'], ['lockoutThreshold', 'detectors'], ['integration/security-drill.test.ts'], 'Brute-force, spraying and new-source detectors; every login audited.'),
  h('§164.308(a)(5)(ii)(D)', 'Password management', 'vigil', ['PPL-PASSWORD-SESSION-POLICY'], ['passwordPreset', 'lockoutThreshold'], ['identity/password-policy.test.ts', 'integration/identity-http.test.ts'], 'argon2id, breached-password screening, history, lockout.'),
  h('§164.308(a)(6)(ii)', 'Security incident procedures: response and reporting', 'shared', ['PLT-DEAD-LETTERS', 'DEV-QUARANTINE-UNRESOLVED'], [], ['integration/security-alerts.test.ts', 'integration/delivery-usage.test.ts'], 'Alerts with delivery and a lifecycle; the incident module and the hospital run the response.'),
  h('§164.308(a)(7)(ii)(A)', 'Data backup plan', 'shared', ['PLT-BACKUP-RECENT'], [], [], 'Evidenced once the backup module is part of the build; until then Vigil cannot evidence it.'),
  h('§164.308(a)(7)(ii)(B)-(D)', 'Disaster recovery, emergency mode, testing', 'shared', ['PLT-DR-DRILL'], [], [], 'Evidenced by DR drills once the backup module is part of the build.'),
  h('§164.308(a)(8)', 'Evaluation', 'shared', [], [], ['compliance/findings/findings.test.ts', 'compliance/checks/checks.test.ts'], 'Scheduled audits (full every 90 days, cheap checks daily) and this signed report.'),
  h('§164.308(b)(1)', 'Business associate contracts', 'hospital', [], [], [], "The hospital's own: contracts with the device maker and hosting provider."),
  h('§164.310(a)(1)', 'Facility access controls', 'hospital', [], [], [], "The hospital's or hosting provider's own."),
  h('§164.310(b)-(c)', 'Workstation use and security', 'hospital', [], ['sessionIdleMinutes'], [], "The hospital's own; Vigil's automatic logoff helps."),
  h('§164.310(d)(1)', 'Device and media controls', 'shared', ['DEV-REVOKED-CERT-IN-USE', 'DEV-CERT-SHARED'], [], ['integration/devices.test.ts'], 'Device revocation and decommissioning; the hospital handles physical media.'),
  h('§164.312(a)(1)', 'Access control (unique user identification, emergency access)', 'vigil', ['PPL-BREAK-GLASS-UNREVIEWED', 'DEV-TOPIC-ACL-WIDE'], [], ['integration/access-matrix.test.ts', 'integration/patients.test.ts'], 'Unique usernames; break-glass time-boxed, alerted and reviewed.'),
  h('§164.312(a)(2)(iii)', 'Automatic logoff', 'vigil', ['PPL-PASSWORD-SESSION-POLICY'], ['sessionIdleMinutes', 'sessionAbsoluteHours'], ['integration/identity-http.test.ts'], 'Idle and absolute session limits.'),
  h('§164.312(a)(2)(iv)', 'Encryption and decryption', 'vigil', ['PLT-KEY-AGE'], [], ['keys/envelope-sealer.test.ts', 'patients/phi-sealing.test.ts'], 'PHI fields sealed with AES-256-GCM envelope encryption; rotation re-wraps.'),
  h('§164.312(b)', 'Audit controls', 'vigil', ['PLT-AUDIT-CHAIN', 'PLT-AUDIT-CHECKPOINTS-OFF'], ['auditCheckpointIntervalSeconds'], ['integration/audit-tamper.test.ts', 'integration/audit-fail-closed.test.ts'], 'Hash-chained, signed checkpoints, verified offline; fails closed.'),
  h('§164.312(c)(1)', 'Integrity', 'vigil', ['PLT-AUDIT-CHAIN', 'DEV-ATTESTATION'], [], ['integration/mqtt-ingest.test.ts', 'integration/ingest-durability.test.ts'], 'Replay and forgery refused; acknowledged telemetry durable.'),
  h('§164.312(d)', 'Person or entity authentication', 'vigil', ['PPL-PRIVILEGED-NO-MFA', 'DEV-CERT-EXPIRING', 'DEV-CERT-SHARED', 'DEV-REVOKED-CERT-IN-USE', 'DEV-ENROLL-TOKEN-LONG'], [], ['integration/identity-http.test.ts', 'integration/device-end-to-end.test.ts'], 'MFA for privileged roles; device mTLS with per-device certificates.'),
  h('§164.312(e)(1)', 'Transmission security', 'vigil', ['PLT-TLS-PROFILE', 'PLT-INSECURE-FLAGS'], ['tlsMinVersion', 'insecureFlags'], ['transports/http/tls-profile.test.ts'], 'TLS 1.2+ with forward-secret AEAD suites only.'),
  h('§164.316(a)', 'Policies and procedures', 'hospital', [], [], [], "The hospital's own; Vigil documents its mechanisms in docs/."),
  h('§164.316(b)(1)-(2)', 'Documentation, six-year retention', 'shared', [], [], ['compliance/report/report.test.ts'], 'Signed reports, audit runs, findings and their closure are kept six years; the hospital keeps its policies.'),
  f('A', 'Authentication', ['PPL-PRIVILEGED-NO-MFA', 'DEV-CERT-EXPIRING', 'DEV-CERT-SHARED', 'DEV-CA-EXPIRING', 'DEV-ENROLL-TOKEN-LONG', 'PPL-PASSWORD-SESSION-POLICY'], ['passwordPreset', 'sessionIdleMinutes'], ['integration/identity-http.test.ts', 'integration/device-end-to-end.test.ts'], 'People: passwords, MFA; devices: mTLS.'),
  f('B', 'Authorization', ['DEV-TOPIC-ACL-WIDE', 'PPL-TRAINING-LAPSED', 'CHG-EMERGENCY-UNREVIEWED'], [], ['integration/access-matrix.test.ts', 'integration/compliance-changes.test.ts'], 'Deny by default; per-device ACLs; two-person change control.'),
  f('C', 'Cryptography', ['PLT-TLS-PROFILE', 'PLT-KEY-AGE', 'DEV-KEY-WEAK'], ['tlsMinVersion', 'csrCurves'], ['keys/ed25519.test.ts', 'keys/envelope-sealer.test.ts', 'transports/http/tls-profile.test.ts'], 'Pinned algorithms; keys only in keys/.'),
  f('D', 'Code, data and execution integrity', ['PLT-AUDIT-CHAIN', 'DEV-ATTESTATION', 'VULN-COMPONENT'], [], ['integration/audit-tamper.test.ts', 'integration/mqtt-ingest.test.ts'], 'Hash chain, replay protection; attestation with the updates module.'),
  f('E', 'Confidentiality', ['PLT-INSECURE-FLAGS', 'PPL-TRAINING-LAPSED'], ['insecureFlags'], ['integration/patients.test.ts', 'integration/patients-fail-closed.test.ts'], 'PHI sealed and behind the PHI rule.'),
  f('F', 'Event detection and logging', ['PLT-DETECTORS-ENABLED', 'PLT-DEAD-LETTERS', 'PLT-AUDIT-CHECKPOINTS-OFF', 'DEV-SILENT'], ['detectors'], ['integration/security-drill.test.ts', 'integration/security-alerts.test.ts'], 'Security events, detectors, alerts, delivery; audit log.'),
  f('G', 'Resiliency and recovery', ['PLT-BACKUP-RECENT', 'PLT-DR-DRILL', 'DEV-QUARANTINE-UNRESOLVED'], [], ['integration/ingest-durability.test.ts'], 'Durable ingest; backups and drills with the backup module.'),
  f('H', 'Firmware and software updates', ['DEV-FIRMWARE-EOS', 'VULN-FIRMWARE-SBOM', 'VULN-COMPONENT'], [], [], 'Signed firmware updates arrive with the updates module; Vigil publishes its own SBOM.'),
];
