/**
 * SecurityEvent: one typed record of something a security officer may need to see (a refused
 * certificate, a replayed message, a break-glass grant, a failed login). Modules emit through the
 * SecurityEventSink port; main.ts decides where events go (store, detectors, log).
 *
 * MUST: events carry ids and coded reasons only, never PHI, passwords, tokens or key material.
 * MUST: emitting never throws into the caller's path; a sink that fails logs and counts instead.
 */
export type SecuritySeverity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export interface SecurityEvent {
  /** Coded type, module-prefixed: 'device.cert.revoked', 'ingest.replay', 'patients.break_glass'. */
  readonly type: string;
  readonly severity: SecuritySeverity;
  /** Coded reason: 'foreign-ca', 'replay', 'stale', ... */
  readonly reason: string;
  readonly orgId?: string;
  readonly userId?: string;
  readonly deviceId?: string;
  readonly patientId?: string;
  /** Source address of the peer, when known. */
  readonly source?: string;
  readonly requestId?: string;
  /** Small primitive values only. */
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface SecurityEventSink {
  emit(event: SecurityEvent): void;
}

/** A sink that keeps events in memory: for tests, and as the default until a store is wired. */
export class MemorySecurityEventSink implements SecurityEventSink {
  readonly events: SecurityEvent[] = [];
  emit(event: SecurityEvent): void {
    this.events.push(event);
  }
  count(type: string, reason?: string): number {
    return this.events.filter((e) => e.type === type && (reason === undefined || e.reason === reason)).length;
  }
}
