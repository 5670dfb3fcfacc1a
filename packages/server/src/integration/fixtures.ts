/**
 * Typed factories for integration tests: a fresh data directory with an initialized platform.
 * Tests own their temp directories and dispose of them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AuditEventInput } from '../audit/index.js';
import { validate, type Config } from '../config/index.js';
import { cliPrincipal, ManualClock, SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
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

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A host operator's data directory, made by `vigil init`, with one organization; `vigil` runs the built CLI on it. */
export interface CliDataDir {
  readonly root: string;
  readonly dataDir: string;
  /** The organization's id. */
  readonly orgId: string;
  /** Runs `node dist/cli.js ...args --data-dir <dataDir>` with an empty environment; never throws (non-zero exit in `code`). */
  vigil(...args: string[]): Promise<CliRun>;
  dispose(): Promise<void>;
}

const execFileAsync = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'cli.js');

/**
 * `vigil init` in a fresh temp directory, then the organization `orgName` made through the
 * platform (as the host CLI principal); `prepare` runs further setup on the open platform before
 * it closes (the CLI processes open the data directory on their own).
 */
export async function makeCliDataDir(prefix: string, orgName: string, prepare?: (platform: Platform, orgId: string) => Promise<void>): Promise<CliDataDir> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const dataDir = join(root, 'data');
  const vigil = async (...args: string[]): Promise<CliRun> => {
    try {
      const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args, '--data-dir', dataDir], { env: { PATH: process.env['PATH'] ?? '' }, maxBuffer: 16 * 1024 * 1024 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const init = await vigil('init');
  if (init.code !== 0) throw new Error(`vigil init failed (${init.code}): ${init.stderr}`);
  const platform = await openPlatform({ config: validate({ dataDir, logLevel: 'silent' }).config, env: {} });
  let orgId: string;
  try {
    orgId = (await platform.identity.createOrganization({ ...testContext, principal: cliPrincipal('test'), source: 'local' }, orgName)).id;
    if (prepare) await prepare(platform, orgId);
  } finally {
    await platform.close();
  }
  return { root, dataDir, orgId, vigil, dispose: () => rm(root, { recursive: true, force: true }) };
}
