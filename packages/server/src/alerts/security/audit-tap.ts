/**
 * The audit tap: identity, access and PHI-read audit records become security events, so the
 * stream sees logins, lockouts, role grants, password resets, refused requests, a disabled
 * account's token and PHI reads without each module carrying a second emitter. The tap wraps the
 * AuditWriter of a unit of work (main.ts); the security event carries the record's sequence
 * number (details.auditSeq) as its evidence link.
 *
 * MUST: the event is emitted only after the audit record was written (its seq is known); if the
 *       transaction later rolls back the event stays (an attempt is still worth seeing).
 * MUST: only ids, coded reasons and fingerprints are copied (audit details are already PHI-free).
 */
import type { AuditWriter } from '../../audit/index.js';
import type { AuditEventInput } from '../../audit/index.js';
import type { RequestContext, SecurityEvent, SecurityEventSink } from '../../kernel/index.js';

type Mapping = (event: AuditEventInput, ctx: RequestContext) => Omit<SecurityEvent, 'source' | 'requestId'> | null;

const actorId = (ctx: RequestContext): string | undefined => (ctx.principal.kind === 'user' || ctx.principal.kind === 'service' ? ctx.principal.id : undefined);
const org = (event: AuditEventInput) => (event.orgId !== undefined ? { orgId: event.orgId } : {});

const MAPPINGS: Record<string, Mapping> = {
  'identity.login.attempt': (e) => {
    if (e.outcome === 'success') return { type: 'identity.login.succeeded', severity: 'info', reason: 'password', userId: e.target.id, ...org(e) };
    if (e.target.type === 'username') return { type: 'identity.login.failed', severity: 'low', reason: e.reason ?? 'failure', details: { username: e.target.id } };
    return { type: 'identity.login.failed', severity: e.reason === 'disabled' ? 'medium' : 'low', reason: e.reason ?? 'failure', userId: e.target.id, ...org(e) };
  },
  'identity.user.lock': (e) => ({ type: 'identity.user.locked', severity: 'medium', reason: e.reason ?? 'locked', userId: e.target.id, ...org(e) }),
  'identity.user.grant': (e) => ({
    type: 'identity.role.granted',
    severity: 'medium',
    reason: 'roles-changed',
    userId: e.target.id,
    ...org(e),
    details: { from: String(e.details?.['from'] ?? ''), to: String(e.details?.['to'] ?? '') },
  }),
  'identity.user.disable': (e) => ({ type: 'identity.user.disabled', severity: 'low', reason: 'disabled', userId: e.target.id, ...org(e) }),
  'identity.password.reset': (e) => ({ type: 'identity.password.reset', severity: 'low', reason: 'admin-reset', userId: e.target.id, ...org(e) }),
  'identity.mfa.remove': (e) => ({ type: 'identity.mfa.removed', severity: 'high', reason: e.reason ?? 'removed', userId: e.target.id, ...org(e) }),
  'identity.session.refuse': (e) =>
    e.reason === 'user-disabled'
      ? { type: 'identity.session.disabled_user', severity: 'high', reason: 'user-disabled', userId: String(e.details?.['user'] ?? e.target.id), ...org(e) }
      : null,
  'access.request.deny': (e, ctx) => {
    const userId = actorId(ctx);
    return { type: 'access.denied', severity: 'low', reason: e.reason ?? 'denied', ...(userId !== undefined ? { userId } : {}), ...org(e), details: { route: e.target.id, permission: String(e.details?.['permission'] ?? '') } };
  },
  'patients.record.read': (e, ctx) => {
    const userId = actorId(ctx);
    if (e.outcome !== 'success' || userId === undefined) return null;
    return { type: 'phi.read', severity: 'info', reason: String(e.details?.['basis'] ?? 'read'), userId, patientId: e.target.id, ...org(e) };
  },
};

export function securityAuditTap(writer: AuditWriter, events: SecurityEventSink): AuditWriter {
  return {
    async record(ctx, event) {
      const record = await writer.record(ctx, event);
      // Other modules' PHI reads (vitals, FHIR) are recognised by their target: a patient, read.
      const map = MAPPINGS[event.action] ?? (event.target.type === 'patient' && /\.read$/.test(event.action) ? MAPPINGS['patients.record.read'] : undefined);
      if (map === undefined) return record;
      try {
        const mapped = map(event, ctx);
        if (mapped) events.emit({ ...mapped, source: ctx.source, requestId: ctx.requestId, details: { ...mapped.details, auditSeq: record.seq } });
      } catch {
        // The kernel rule: a security event never breaks the audited operation.
      }
      return record;
    },
  };
}
