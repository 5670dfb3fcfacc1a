/**
 * People audit checks: MFA on privileged accounts, HIPAA training, inactive accounts, break-glass
 * reviews, service-account expiry, and the password and session settings against the policy.
 * HIPAA §164.308(a)(3)-(5), §164.312(a)(2)(iii), §164.312(d); FDA Appendix 1 A-B.
 *
 * MUST: only active accounts count (a disabled account is already contained).
 */
import { ageDays, outcomeOf, type AuditCheck, type Violation } from './model.js';

export const peopleChecks: readonly AuditCheck[] = [
  {
    id: 'PPL-PRIVILEGED-NO-MFA',
    title: 'Privileged users without MFA',
    category: 'people',
    controls: [{ hipaa: '§164.312(d)', fda: 'A' }],
    severity: 'high',
    cadence: 'daily',
    remediation: 'Require MFA at next login (a mitigation from the finding); privileged logins cannot complete without it.',
    async run({ evidence }) {
      const privileged = new Set(evidence.policy.privilegedRoles);
      const violations = (await evidence.users())
        .filter((u) => u.status !== 'disabled' && !u.mfaEnrolled && u.roles.some((r) => privileged.has(r)))
        .map((u): Violation => ({ resourceType: 'user', resourceId: u.id, orgId: u.orgId, detail: `${u.username} (${u.roles.join(', ')}) has no second factor` }));
      return outcomeOf(violations, 'every privileged user has a second factor');
    },
  },
  {
    id: 'PPL-TRAINING-LAPSED',
    title: 'Users whose HIPAA training has lapsed',
    category: 'people',
    controls: [{ hipaa: '§164.308(a)(5)(i)', fda: 'B' }],
    severity: 'medium',
    cadence: 'daily',
    remediation: 'Record current training; until then the PHI rule keeps the user from patient data.',
    async run({ now, evidence }) {
      const trained = new Set(evidence.policy.trainedRoles);
      const expiry = new Map<string, string>();
      for (const t of await evidence.training()) {
        const key = `${t.orgId}/${t.userId}`;
        const seen = expiry.get(key);
        if (seen === undefined || seen < t.expiresAt) expiry.set(key, t.expiresAt);
      }
      const violations: Violation[] = [];
      for (const u of await evidence.users()) {
        if (u.status === 'disabled' || !u.roles.some((r) => trained.has(r))) continue;
        const until = expiry.get(`${u.orgId}/${u.id}`);
        if (until === undefined || Date.parse(until) <= now.getTime()) {
          violations.push({ resourceType: 'user', resourceId: u.id, orgId: u.orgId, detail: until === undefined ? `${u.username} has no training record` : `${u.username}'s training ended ${until}` });
        }
      }
      return outcomeOf(violations, 'every user with PHI access has current training');
    },
  },
  {
    id: 'PPL-INACTIVE-ACCOUNT',
    title: 'Accounts inactive for 90 days',
    category: 'people',
    controls: [{ hipaa: '§164.308(a)(3)(ii)(C)', fda: 'B' }],
    severity: 'medium',
    cadence: 'daily',
    remediation: 'Disable the account (termination procedure) or confirm it is still needed.',
    async run({ now, evidence }) {
      const violations = (await evidence.users())
        .filter((u) => u.status !== 'disabled' && ageDays(now, u.lastLoginAt ?? u.createdAt) > evidence.policy.inactiveDays)
        .map((u): Violation => ({ resourceType: 'user', resourceId: u.id, orgId: u.orgId, detail: `${u.username} last signed in ${u.lastLoginAt ?? 'never'}` }));
      return outcomeOf(violations, `no active account unused for ${evidence.policy.inactiveDays} days`);
    },
  },
  {
    id: 'PPL-BREAK-GLASS-UNREVIEWED',
    title: 'Break-glass accesses not reviewed within 72 hours',
    category: 'people',
    controls: [{ hipaa: '§164.312(b)', fda: 'F' }, { hipaa: '§164.308(a)(1)(ii)(D)', fda: 'F' }],
    severity: 'high',
    cadence: 'daily',
    remediation: 'The security officer reviews the grant (POST /api/v1/break-glass/:id/review) as justified or not.',
    async run({ now, evidence }) {
      const hours = evidence.policy.breakGlassReviewHours;
      const violations = (await evidence.breakGlass())
        .filter((g) => g.reviewedAt === null && ageDays(now, g.grantedAt) * 24 > hours)
        .map((g): Violation => ({ resourceType: 'break-glass', resourceId: g.id, orgId: g.orgId, detail: `granted ${g.grantedAt} to user ${g.userId}, not reviewed` }));
      return outcomeOf(violations, `every break-glass grant was reviewed within ${hours} h`);
    },
  },
  {
    id: 'PPL-SERVICE-ACCOUNT-NO-EXPIRY',
    title: 'Service accounts without an expiry (or one beyond a year)',
    category: 'people',
    controls: [{ hipaa: '§164.312(a)(1)', fda: 'A' }],
    severity: 'medium',
    cadence: 'daily',
    remediation: 'Issue a new token with an expiry within the policy and revoke the old one.',
    async run({ evidence }) {
      const maxMs = evidence.policy.serviceAccountMaxDays * 86_400_000;
      const violations = (await evidence.serviceAccounts())
        .filter((s) => s.revokedAt === null && Date.parse(s.expiresAt) - Date.parse(s.createdAt) > maxMs)
        .map((s): Violation => ({ resourceType: 'service-account', resourceId: s.id, orgId: s.orgId, detail: `${s.name} valid until ${s.expiresAt}` }));
      return outcomeOf(violations, 'every service token expires within the policy');
    },
  },
  {
    id: 'PPL-PASSWORD-SESSION-POLICY',
    title: "Password preset, lockout and session timeouts against the organization's policy",
    category: 'people',
    controls: [{ hipaa: '§164.308(a)(5)(ii)(D)', fda: 'A' }, { hipaa: '§164.312(a)(2)(iii)', fda: 'A' }],
    severity: 'high',
    cadence: 'daily',
    remediation: 'Change the setting in the config (a change request: password settings are security-relevant).',
    async run({ evidence }) {
      const { settings: s, policy: p } = evidence;
      const violations: Violation[] = [];
      const add = (id: string, detail: string) => violations.push({ resourceType: 'setting', resourceId: id, orgId: null, detail });
      if (!p.allowedPasswordPresets.includes(s.passwordPreset)) add('passwords.preset', `preset ${s.passwordPreset} is not one of ${p.allowedPasswordPresets.join(', ')}`);
      if (s.sessionIdleMinutes > p.maxSessionIdleMinutes) add('sessions.idleMinutes', `${s.sessionIdleMinutes} min > ${p.maxSessionIdleMinutes} min`);
      if (s.sessionAbsoluteHours > p.maxSessionAbsoluteHours) add('sessions.absoluteHours', `${s.sessionAbsoluteHours} h > ${p.maxSessionAbsoluteHours} h`);
      if (s.lockoutThreshold > p.maxLockoutThreshold) add('login.lockoutThreshold', `${s.lockoutThreshold} > ${p.maxLockoutThreshold}`);
      return outcomeOf(violations, `preset ${s.passwordPreset}, idle ${s.sessionIdleMinutes} min, absolute ${s.sessionAbsoluteHours} h, lockout after ${s.lockoutThreshold}`);
    },
  },
];
