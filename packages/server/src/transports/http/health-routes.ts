/**
 * Liveness and readiness probes, for load balancers and orchestrators.
 *
 * MUST: both are PUBLIC and reveal nothing but up/down and the names of the readiness checks
 *       (a 503 names the failing ones; `storage` fails after a commit failed for a storage fault).
 * MUST: a readiness probe that throws or takes longer than READINESS_TIMEOUT_MS counts as not ready
 *       (503 NOT_READY); the reason goes to the log, not to the client.
 */
import { Type } from 'typebox';
import { AppError } from '../../kernel/index.js';
import type { HttpServer } from './http-server-type.js';
import { PUBLIC } from './route-permissions.js';

export interface ReadinessReport {
  readonly ready: boolean;
  /** One entry per dependency, e.g. `{ database: true }`. Names only, never connection details. */
  readonly checks: Readonly<Record<string, boolean>>;
}

/** Injected by the composition root, e.g. a database ping. */
export type ReadinessProbe = () => Promise<ReadinessReport>;

export const alwaysReady: ReadinessProbe = () => Promise.resolve({ ready: true, checks: {} });

export const READINESS_TIMEOUT_MS = 2_000;

const HealthBody = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false });
const ReadyBody = Type.Object(
  { status: Type.Literal('ready'), checks: Type.Record(Type.String(), Type.Boolean()) },
  { additionalProperties: false },
);

async function probeWithTimeout(readiness: ReadinessProbe, timeoutMs: number): Promise<ReadinessReport> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new AppError('NOT_READY', { detail: `The readiness probe did not answer within ${timeoutMs} ms.` }));
    }, timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([readiness(), timeout]);
  } catch (cause) {
    throw cause instanceof AppError ? cause : new AppError('NOT_READY', { detail: 'The readiness probe failed.', cause });
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealthRoutes(app: HttpServer, readiness: ReadinessProbe): void {
  app.get(
    '/healthz',
    {
      config: { permission: PUBLIC },
      logLevel: 'warn',
      schema: { summary: 'Liveness: the process answers.', tags: ['health'], response: { 200: HealthBody } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { permission: PUBLIC },
      logLevel: 'warn',
      schema: { summary: 'Readiness: the dependencies answer.', tags: ['health'], response: { 200: ReadyBody } },
    },
    async () => {
      const report = await probeWithTimeout(readiness, READINESS_TIMEOUT_MS);
      if (!report.ready) {
        const failing = Object.entries(report.checks)
          .filter(([, ok]) => !ok)
          .map(([name]) => name);
        // The names of the failing checks are public (e.g. "storage" on a full disk, issue 17): an
        // operator and a load balancer see why, without any connection detail.
        const named = failing.join(', ') || '(none named)';
        throw new AppError('NOT_READY', { publicMessage: `The service is not ready: ${named}.`, detail: `Not ready; failing checks: ${named}.` });
      }
      return { status: 'ready' as const, checks: { ...report.checks } };
    },
  );
}
