/**
 * Typed factories for integration tests: a fresh data directory with an initialized platform.
 * Tests own their temp directories and dispose of them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEventInput } from '../audit/index.js';
import { validate, type Config } from '../config/index.js';
import { ManualClock, SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { initialize, openPlatform, type Platform } from '../main.js';

export interface TestPlatform {
  readonly platform: Platform;
  readonly config: Config;
  readonly dataDir: string;
  readonly clock: ManualClock;
  dispose(): Promise<void>;
}

export const testContext: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'test-req', source: '127.0.0.1' };

export async function makeConfig(overrides: Record<string, unknown> = {}): Promise<{ config: Config; root: string }> {
  const root = await mkdtemp(join(tmpdir(), 'vigil-it-'));
  // Tests never bind the well-known ports: both listeners take a free one unless a test says otherwise.
  const { config } = validate({ dataDir: join(root, 'data'), logLevel: 'silent', httpPort: 0, mqttPort: 0, ...overrides });
  return { config, root };
}

export async function makePlatform(overrides: Record<string, unknown> = {}): Promise<TestPlatform> {
  const { config, root } = await makeConfig(overrides);
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  await initialize({ config, env: {}, clock });
  const platform = await openPlatform({ config, env: {}, clock });
  return {
    platform,
    config,
    dataDir: platform.dataDir,
    clock,
    dispose: async () => {
      await platform.close().catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}

export function event(i: number): AuditEventInput {
  return { action: 'test.thing.change', target: { type: 'thing', id: `thing-${i}` }, outcome: 'success', details: { i } };
}

/** Appends `count` events in batches of `batch`, each batch its own transaction. */
export async function appendEvents(platform: Platform, count: number, batch = 7): Promise<void> {
  for (let start = 0; start < count; start += batch) {
    const events = Array.from({ length: Math.min(batch, count - start) }, (_, k) => event(start + k));
    await platform.withAuditStore((store) => platform.auditLog.append(store, testContext, events));
  }
}
