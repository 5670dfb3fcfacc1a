/**
 * Alert delivery, usage tracking and metrics (issue 6).
 */
import { DeliveryService } from '../alerts/index.js';
import type { AuditLog } from '../audit/index.js';
import { type PlatformMetrics, type RequestCounter, UsageService } from '../compliance/index.js';
import type { Config } from '../config/index.js';
import { AppError, principalOrg, type Clock } from '../kernel/index.js';
import { type Sealer, secretDigestMatcher } from '../keys/index.js';
import { auditStore, SqlUnitOfWork, type Executor, type SqlDatabase, deliveryStore, usageStore } from '../storage/index.js';
import type { ResponseSample } from '../transports/http/index.js';
import { deliveryTargetPolicy } from './delivery.js';

// --- alert delivery, usage tracking, metrics (issue 6) ---
const MIN_METRICS_TOKEN_LENGTH = 24;

export function wireDeliveryUsage(w: { database: SqlDatabase; auditLog: AuditLog; sealer: Sealer; clock: Clock; env: NodeJS.ProcessEnv; config: Config }) {
  const audit = (executor: Executor) => w.auditLog.writer(auditStore(executor, w.database.dialect));
  const delivery = new DeliveryService({
    uow: new SqlUnitOfWork(w.database, (executor) => ({ delivery: deliveryStore(executor), audit: audit(executor) })),
    reader: deliveryStore(w.database.db),
    sealer: w.sealer,
    clock: w.clock,
    targets: deliveryTargetPolicy(w.config),
    warn: (message, fields) => console.warn(`vigil: ${message} ${JSON.stringify(fields)}`),
  });
  const usage = new UsageService({
    uow: new SqlUnitOfWork(w.database, (executor) => ({ usage: usageStore(executor), audit: audit(executor) })),
    reader: usageStore(w.database.db),
    clock: w.clock,
  });
  const token = w.env['VIGIL_METRICS_TOKEN'];
  if (token !== undefined && token !== '' && token.length < MIN_METRICS_TOKEN_LENGTH) {
    throw new AppError('CONFIG_INVALID', { detail: `VIGIL_METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters.` });
  }
  const metricsTokenMatches = token === undefined || token === '' ? undefined : secretDigestMatcher(token);
  return { delivery, usage, metricsTokenMatches };
}

/** Request counters and metrics, fed by the HTTPS transport's onResponse hook. */
export function usageObserver(counter: RequestCounter, metrics: PlatformMetrics): (sample: ResponseSample) => void {
  return (sample) => {
    const p = sample.principal;
    const userId = p !== null && (p.kind === 'user' || p.kind === 'service') ? p.id : null;
    counter.record({ method: sample.method, route: sample.route, statusCode: sample.statusCode, orgId: p === null ? null : principalOrg(p), userId });
    metrics.observeRequest(sample);
  };
}
