/**
 * Device audit checks, after AWS IoT Device Defender's audit checks (certificate expiry and age,
 * weak keys, revoked certificates still in use, shared certificates, CA expiry, revoked
 * intermediate CA, over-wide topic permissions, logging off) plus Vigil's own (attestation,
 * end-of-support firmware, quarantine left open, silent devices, long-lived enrolment tokens).
 *
 * MUST: each check reports one violation per affected resource, with a stable resource id.
 * MUST: a check whose evidence module is absent reports not_applicable with the reason.
 */
import { deviceTopic } from '@vigil/protocol';
import type { DeviceFacts } from './evidence.js';
import { ageDays, DAY_MS, outcomeOf, type AuditCheck, type Violation } from './model.js';

const LIVE = new Set(['active', 'quarantined', 'pending']);

function liveDevices(devices: readonly DeviceFacts[]): DeviceFacts[] {
  return devices.filter((d) => LIVE.has(d.status));
}

const DEVICE_AUTH = { hipaa: '§164.312(d)', fda: 'A' } as const;
const CRYPTO = { hipaa: '§164.312(e)(1)', fda: 'C' } as const;

export const deviceChecks: readonly AuditCheck[] = [
  {
    id: 'DEV-CERT-EXPIRING',
    title: 'Device certificates expiring within 30 days',
    category: 'devices',
    controls: [DEVICE_AUTH],
    severity: 'medium',
    cadence: 'daily',
    remediation: 'Have the device renew its certificate (POST /api/v1/devices/renew over mTLS), or renew it as a mitigation from the finding.',
    async run({ now, evidence }) {
      const certs = new Map((await evidence.certificates()).map((c) => [c.serial, c]));
      const horizon = now.getTime() + evidence.policy.certificateExpiringDays * DAY_MS;
      const violations: Violation[] = [];
      for (const d of liveDevices(await evidence.devices())) {
        const cert = d.certSerial === null ? undefined : certs.get(d.certSerial);
        if (!cert || cert.revokedAt !== null) continue;
        if (Date.parse(cert.notAfter) <= horizon) {
          violations.push({ resourceType: 'device', resourceId: d.id, orgId: d.orgId, detail: `certificate ${cert.serial} ends ${cert.notAfter}` });
        }
      }
      return outcomeOf(violations, 'no current device certificate ends within the window');
    },
  },
  {
    id: 'DEV-CERT-OLD',
    title: 'Old device certificates (issued longer ago than the policy allows)',
    category: 'devices',
    controls: [DEVICE_AUTH, CRYPTO],
    severity: 'low',
    cadence: 'full',
    remediation: 'Renew the certificate so that the device key and certificate are replaced regularly.',
    async run({ now, evidence }) {
      const certs = new Map((await evidence.certificates()).map((c) => [c.serial, c]));
      const violations: Violation[] = [];
      for (const d of liveDevices(await evidence.devices())) {
        const cert = d.certSerial === null ? undefined : certs.get(d.certSerial);
        if (!cert || cert.revokedAt !== null) continue;
        const age = ageDays(now, cert.notBefore);
        if (age > evidence.policy.certificateMaxAgeDays) {
          violations.push({ resourceType: 'device', resourceId: d.id, orgId: d.orgId, detail: `certificate ${cert.serial} is ${Math.floor(age)} days old` });
        }
      }
      return outcomeOf(violations, 'every current device certificate is within its maximum age');
    },
  },
  {
    id: 'DEV-KEY-WEAK',
    title: 'Weak device or CA keys',
    category: 'devices',
    controls: [CRYPTO],
    severity: 'high',
    cadence: 'full',
    remediation: 'Rotate the CA key (vigil keys rotate ca-device) and restrict device CSRs to P-256 or P-384.',
    async run({ evidence }) {
      const violations: Violation[] = [];
      for (const ca of await evidence.caCertificates()) {
        const weak =
          (ca.keyType === 'rsa' && (ca.bits ?? 0) < 3072) || (ca.keyType === 'ec' && !['prime256v1', 'secp384r1', 'secp521r1', 'P-256', 'P-384', 'P-521'].includes(ca.curve ?? '')) || !['rsa', 'ec', 'ed25519'].includes(ca.keyType);
        if (weak) violations.push({ resourceType: 'ca', resourceId: ca.name, orgId: null, detail: `${ca.name} CA key is ${ca.keyType} ${ca.curve ?? ca.bits ?? ''}`.trim() });
      }
      const weakCurves = evidence.settings.csrCurves.filter((c) => !['P-256', 'P-384', 'P-521'].includes(c));
      if (weakCurves.length > 0) violations.push({ resourceType: 'setting', resourceId: 'csr-key-policy', orgId: null, detail: `device CSRs may use ${weakCurves.join(', ')}` });
      return outcomeOf(violations, 'CA keys and the device CSR key policy are strong');
    },
  },
  {
    id: 'DEV-REVOKED-CERT-IN-USE',
    title: 'Revoked device certificates still connected or used after revocation',
    category: 'devices',
    controls: [DEVICE_AUTH],
    severity: 'critical',
    cadence: 'daily',
    remediation: 'Quarantine the device and disconnect it; check the broker enforces revocation on open connections.',
    async run({ evidence }) {
      const certs = await evidence.certificates();
      const bySerial = new Map(certs.map((c) => [c.serial, c]));
      const violations: Violation[] = [];
      for (const d of await evidence.devices()) {
        const cert = d.certSerial === null ? undefined : bySerial.get(d.certSerial);
        if (cert !== undefined && cert.revokedAt !== null && d.lastSeenAt !== null && Date.parse(d.lastSeenAt) > Date.parse(cert.revokedAt)) {
          violations.push({ resourceType: 'device', resourceId: d.id, orgId: d.orgId, detail: `seen ${d.lastSeenAt} after its certificate ${cert.serial} was revoked ${cert.revokedAt}` });
        }
      }
      if (evidence.connectedDevices) {
        for (const c of await evidence.connectedDevices()) {
          const cert = c.certSerial === null ? undefined : bySerial.get(c.certSerial);
          if (cert !== undefined && cert.revokedAt !== null && !violations.some((v) => v.resourceId === c.deviceId)) {
            violations.push({ resourceType: 'device', resourceId: c.deviceId, orgId: cert.orgId, detail: `connected with revoked certificate ${cert.serial}` });
          }
        }
      }
      return outcomeOf(violations, 'no revoked certificate is in use');
    },
  },
  {
    id: 'DEV-CERT-SHARED',
    title: 'One certificate shared by several devices',
    category: 'devices',
    controls: [DEVICE_AUTH],
    severity: 'critical',
    cadence: 'daily',
    remediation: 'Revoke the shared certificate and re-enrol each device with its own key and CSR.',
    async run({ evidence }) {
      const byFingerprint = new Map<string, DeviceFacts[]>();
      for (const d of liveDevices(await evidence.devices())) {
        if (d.certFingerprint === null) continue;
        const list = byFingerprint.get(d.certFingerprint) ?? [];
        list.push(d);
        byFingerprint.set(d.certFingerprint, list);
      }
      const violations: Violation[] = [];
      for (const [fingerprint, devices] of byFingerprint) {
        if (devices.length < 2) continue;
        for (const d of devices) {
          violations.push({ resourceType: 'device', resourceId: d.id, orgId: d.orgId, detail: `certificate ${fingerprint.slice(0, 16)}… also used by ${devices.filter((o) => o !== d).map((o) => o.id).join(', ')}` });
        }
      }
      return outcomeOf(violations, 'every live device has its own certificate');
    },
  },
  {
    id: 'DEV-CA-EXPIRING',
    title: 'Device CA or root CA expiring within 30 days',
    category: 'devices',
    controls: [DEVICE_AUTH, CRYPTO],
    severity: 'critical',
    cadence: 'daily',
    remediation: 'Rotate the device CA (vigil keys rotate ca-device) and let devices renew under the new CA.',
    async run({ now, evidence }) {
      const horizon = now.getTime() + evidence.policy.caExpiringDays * DAY_MS;
      const violations = (await evidence.caCertificates())
        .filter((ca) => Date.parse(ca.notAfter) <= horizon)
        .map((ca): Violation => ({ resourceType: 'ca', resourceId: ca.name, orgId: null, detail: `${ca.subject} ends ${ca.notAfter}` }));
      return outcomeOf(violations, 'no CA ends within 30 days');
    },
  },
  {
    id: 'DEV-CA-EXPIRING-YEAR',
    title: 'Device CA or root CA expiring within a year (early warning)',
    category: 'devices',
    controls: [DEVICE_AUTH],
    severity: 'low',
    cadence: 'full',
    remediation: 'Plan the CA rotation: devices need a renewal window under the new CA before the old one ends.',
    async run({ now, evidence }) {
      const horizon = now.getTime() + evidence.policy.caEarlyWarningDays * DAY_MS;
      const violations = (await evidence.caCertificates())
        .filter((ca) => Date.parse(ca.notAfter) <= horizon)
        .map((ca): Violation => ({ resourceType: 'ca', resourceId: ca.name, orgId: null, detail: `${ca.subject} ends ${ca.notAfter}` }));
      return outcomeOf(violations, 'no CA ends within a year');
    },
  },
  {
    id: 'DEV-REVOKED-CA-ACTIVE-CERTS',
    title: 'Revoked intermediate CA with device certificates still active',
    category: 'devices',
    controls: [DEVICE_AUTH],
    severity: 'critical',
    cadence: 'daily',
    remediation: 'Revoke every device certificate issued under the revoked CA and re-enrol the devices.',
    async run({ evidence }) {
      const violations = (await evidence.caCertificates())
        .filter((ca) => ca.revoked && ca.activeCertificates > 0)
        .map((ca): Violation => ({ resourceType: 'ca', resourceId: ca.name, orgId: null, detail: `${ca.activeCertificates} active device certificates under revoked ${ca.subject}` }));
      return outcomeOf(violations, 'no active certificate hangs under a revoked CA');
    },
  },
  {
    id: 'DEV-TOPIC-ACL-WIDE',
    title: "Device topic permissions wider than the device's own topics",
    category: 'devices',
    controls: [{ hipaa: '§164.312(a)(1)', fda: 'B' }],
    severity: 'critical',
    cadence: 'daily',
    remediation: 'Restore the per-device ACL (transports/mqtt/topic-acl.ts): own topics only, no wildcards, no retained messages.',
    async run({ evidence }) {
      const probe = 'audit-probe-device-a';
      const other = 'audit-probe-device-b';
      const attempts: Array<[action: 'publish' | 'subscribe', topic: string]> = [
        ['publish', deviceTopic(other, 'telemetry')],
        ['publish', deviceTopic(probe, 'commands')],
        ['subscribe', deviceTopic(other, 'commands')],
        ['subscribe', 'vigil/v1/devices/+/commands'],
        ['subscribe', '#'],
        ['subscribe', deviceTopic(probe, 'telemetry')],
      ];
      const violations = attempts
        .filter(([action, topic]) => evidence.topicAllowed(probe, action, topic))
        .map(([action, topic]): Violation => ({ resourceType: 'acl', resourceId: `${action}:${topic.replace(probe, '<self>').replace(other, '<other>')}`, orgId: null, detail: `a device may ${action} ${topic}` }));
      const own: Array<[action: 'publish' | 'subscribe', topic: string]> = [['publish', deviceTopic(probe, 'telemetry')], ['subscribe', deviceTopic(probe, 'commands')]];
      if (violations.length === 0 && !own.every(([a, t]) => evidence.topicAllowed(probe, a, t))) {
        return { status: 'pass', detail: 'ACL grants nothing beyond own topics (note: own topics also refused)' };
      }
      return outcomeOf(violations, 'a device may use only its own topics, without wildcards');
    },
  },
  {
    id: 'DEV-ATTESTATION',
    title: 'Devices with no attestation or an unknown firmware hash',
    category: 'devices',
    controls: [{ hipaa: '§164.312(c)(1)', fda: 'D' }],
    severity: 'high',
    cadence: 'daily',
    remediation: 'Ask the device to attest (firmware hash report); quarantine it if the hash matches no signed release.',
    async run({ evidence }) {
      if (!evidence.firmware) return { status: 'not_applicable', reason: 'the firmware updates module (signed releases, attestation) is not part of this build yet' };
      const violations = (await evidence.firmware.unattestedDevices()).map((d): Violation => ({ resourceType: 'device', resourceId: d.deviceId, orgId: d.orgId, detail: d.reason }));
      return outcomeOf(violations, 'every device attested a known firmware hash');
    },
  },
  {
    id: 'DEV-FIRMWARE-EOS',
    title: 'Devices on end-of-support firmware',
    category: 'devices',
    controls: [{ hipaa: '§164.308(a)(1)(ii)(B)', fda: 'H' }],
    severity: 'high',
    cadence: 'daily',
    remediation: 'Start a rollout of a supported release to these devices (through change control).',
    async run({ evidence }) {
      if (!evidence.firmware) return { status: 'not_applicable', reason: 'the firmware updates module (releases with end-of-support dates) is not part of this build yet' };
      const violations = (await evidence.firmware.endOfSupportDevices()).map(
        (d): Violation => ({ resourceType: 'device', resourceId: d.deviceId, orgId: d.orgId, detail: `runs ${d.release}, supported until ${d.endOfSupport}` }),
      );
      return outcomeOf(violations, 'no device runs end-of-support firmware');
    },
  },
  {
    id: 'DEV-QUARANTINE-UNRESOLVED',
    title: 'Quarantined devices left unresolved',
    category: 'devices',
    controls: [{ hipaa: '§164.308(a)(6)(ii)', fda: 'G' }],
    severity: 'medium',
    cadence: 'daily',
    remediation: 'Investigate and either release the device or revoke it; a quarantine is containment, not a resolution.',
    async run({ now, evidence }) {
      const violations = (await evidence.devices())
        .filter((d) => d.status === 'quarantined' && ageDays(now, d.statusChangedAt) > evidence.policy.quarantineMaxDays)
        .map((d): Violation => ({ resourceType: 'device', resourceId: d.id, orgId: d.orgId, detail: `quarantined since ${d.statusChangedAt}` }));
      return outcomeOf(violations, 'no device has stayed quarantined beyond the policy');
    },
  },
  {
    id: 'DEV-SILENT',
    title: 'Devices silent for longer than their model allows',
    category: 'devices',
    controls: [{ hipaa: '§164.308(a)(1)(ii)(D)', fda: 'F' }],
    severity: 'medium',
    cadence: 'daily',
    remediation: 'Check the device (power, network, certificate); a silent monitor may mean missed vitals.',
    async run({ now, evidence }) {
      const silence = evidence.settings.deviceSilence;
      const violations: Violation[] = [];
      for (const d of await evidence.devices()) {
        if (d.status !== 'active') continue;
        const interval = (silence.models[d.model] ?? silence.defaultIntervalSeconds) * 1000;
        const since = d.lastSeenAt ?? d.createdAt;
        if (now.getTime() - Date.parse(since) > interval) violations.push({ resourceType: 'device', resourceId: d.id, orgId: d.orgId, detail: `last heard ${d.lastSeenAt ?? 'never'} (model ${d.model} allows ${interval / 1000} s)` });
      }
      return outcomeOf(violations, 'every active device was heard within its interval');
    },
  },
  {
    id: 'DEV-ENROLL-TOKEN-LONG',
    title: 'Enrolment tokens with long lifetimes',
    category: 'devices',
    controls: [DEVICE_AUTH],
    severity: 'medium',
    cadence: 'daily',
    remediation: 'Let the token expire or issue a short one; a long-lived one-time token is a bearer credential.',
    async run({ evidence }) {
      const maxMs = evidence.policy.enrollmentTokenMaxHours * 3_600_000;
      const violations = (await evidence.openEnrollmentTokens())
        .filter((t) => Date.parse(t.expiresAt) - Date.parse(t.createdAt) > maxMs)
        .map((t): Violation => ({ resourceType: 'enrollment-token', resourceId: t.id, orgId: t.orgId, detail: `valid from ${t.createdAt} to ${t.expiresAt}` }));
      const ttl = evidence.settings.enrollmentTokenTtlMinutes;
      if (ttl > evidence.policy.enrollmentTokenMaxHours * 60) violations.push({ resourceType: 'setting', resourceId: 'devices.enrollmentTokenTtlMinutes', orgId: null, detail: `default lifetime ${ttl} min` });
      return outcomeOf(violations, 'no open enrolment token outlives the policy');
    },
  },
];
