/**
 * A fixed-window request limit per source address, for the public device routes (enrolment,
 * renewal) where the caller is not yet anyone: it bounds token guessing and CSR-signing load.
 *
 * MUST: over the limit, answer 429 RATE_LIMITED with Retry-After before the body is parsed.
 * MUST: memory stays bounded (at most `maxSources` windows; the oldest are dropped first).
 * Kept local to its routes (an onRequest hook) so it composes with any global limiter.
 */
import type { onRequestAsyncHookHandler } from 'fastify';
import { AppError, type Clock } from '../../kernel/index.js';

export interface SourceRateLimit {
  readonly max: number;
  readonly windowMs: number;
  readonly maxSources?: number;
}

export function sourceRateLimit(limit: SourceRateLimit, clock: Clock): onRequestAsyncHookHandler {
  const windows = new Map<string, { start: number; count: number }>();
  const maxSources = limit.maxSources ?? 10_000;
  return async function limitBySource(request, reply) {
    const now = clock.now().getTime();
    const key = request.ip;
    let window = windows.get(key);
    if (window === undefined || now - window.start >= limit.windowMs) {
      windows.delete(key);
      if (windows.size >= maxSources) windows.delete(windows.keys().next().value as string);
      window = { start: now, count: 0 };
      windows.set(key, window);
    }
    window.count += 1;
    if (window.count > limit.max) {
      reply.header('retry-after', String(Math.max(1, Math.ceil((window.start + limit.windowMs - now) / 1000))));
      throw new AppError('RATE_LIMITED', { detail: `source over ${limit.max} requests per ${limit.windowMs} ms` });
    }
  };
}
