/**
 * Wiring of issue 17 (storage faults) and issue 11 item 5 (reconnect floods): the fault logs, the
 * readiness probe that reflects commit health, and the metric sources. main.ts calls these.
 *
 * MUST: readiness fails, naming `storage`, while the last commit failed for a storage fault, and
 *       naming `database` while the database does not answer; it passes again after a commit.
 * MUST: storage faults and security events that could not be stored are logged as one structured
 *       entry at the first failure of each kind, then counted summaries (observability/fault-log.ts).
 */
import type { Logger } from 'pino';
import { createLogger, FaultLog } from '../observability/index.js';
import { classifyStorageFault, type SqlDatabase } from '../storage/index.js';
import type { MetricsSources } from '../compliance/index.js';
import type { ReadinessProbe } from '../transports/http/index.js';
import type { DeviceBroker } from '../transports/mqtt/index.js';

export interface PlatformFaults {
  readonly storage: FaultLog;
  readonly securityEvents: FaultLog;
  /** Security events that could not be stored, since start. */
  securityEventsNotStored: number;
  /** Use the server's logger (before, structured lines go to stderr at warn and above). */
  useLogger(logger: Logger): void;
  close(): void;
}

export function platformFaults(database: SqlDatabase): PlatformFaults {
  const fallback = createLogger({ level: 'warn', destination: process.stderr });
  const storage = new FaultLog({ logger: fallback, message: 'storage commit failed' });
  const securityEvents = new FaultLog({ logger: fallback, message: 'security event not stored' });
  database.health.attachReporter(storage);
  return {
    storage,
    securityEvents,
    securityEventsNotStored: 0,
    useLogger(logger) {
      storage.useLogger(logger);
      securityEvents.useLogger(logger);
    },
    close() {
      database.health.attachReporter(undefined);
      storage.close();
      securityEvents.close();
    },
  };
}

/** The StoreSecurityEventSink's onError: counted, and logged per kind (never a line per event). */
export function securityEventNotStored(faults: PlatformFaults, what = 'security event not stored'): (error: unknown, event?: { type: string }) => void {
  return (error, event) => {
    if (event !== undefined) faults.securityEventsNotStored += 1;
    faults.securityEvents.report(`${classifyStorageFault(error)?.kind ?? 'error'}${event === undefined ? ':alert' : ''}`, error, { what, ...(event !== undefined ? { type: event.type } : {}) });
  };
}

/** /readyz: the database answers, and the last commit did not fail for a storage fault. */
export function storageReadiness(database: SqlDatabase): ReadinessProbe {
  return async () => {
    const answers = await database.ping();
    const storage = database.health.healthy;
    return { ready: answers && storage, checks: { database: answers, storage } };
  };
}

/** The metric sources of issue 17: commit failures by cause, readiness, devices waiting, events not stored. */
export function storageMetricSources(platform: { database: SqlDatabase; faults: PlatformFaults; security: { aggregated: { aggregated: number } } }, broker: DeviceBroker): MetricsSources {
  return {
    securityEventsAggregated: () => platform.security.aggregated.aggregated,
    storageFailures: () => ({ ...platform.database.health.failures }),
    storageHealthy: () => platform.database.health.healthy,
    devicesWaiting: () => broker.devicesWaiting(),
    securityEventsNotStored: () => platform.faults.securityEventsNotStored,
  };
}
