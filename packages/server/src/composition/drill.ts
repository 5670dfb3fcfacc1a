/**
 * Wiring of DR drills (issue 12): booting a Vigil on a restored data directory (free loopback
 * ports), the drill checks against it, and where signed reports are kept.
 *
 * MUST: the booted Vigil listens on 127.0.0.1 only, on ports the OS picks, and is stopped by close().
 * MUST: a PostgreSQL backup is restored into a uniquely named scratch database on the same server
 *       (never the live database), dropped after the drill whatever its outcome.
 * MUST: the report is signed by the live audit key when a live data directory is given, else by the
 *       restored system's own key (a whole-host-loss drill).
 */
import { X509Certificate } from 'node:crypto';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { createCsr, loadOrCreateDeviceKey } from '@vigil/device-sdk';
import { auditKeysFromList, readAllStoredEvents, verifyAuditLog } from '../audit/index.js';
import { drillReportHtml, readManifest, runDrill, type BackupService, type BackupTarget, type BootedVigil, type DataClass, type RecoveryTarget, type SignedDrillReport } from '../backup/index.js';
import { resolveAgeBinary, snapshotInspectorFor, snapshotRestorer, withScratchDatabase } from './backup.js';
import { AppError, systemClock, type RequestContext } from '../kernel/index.js';
import { validate } from '../config/index.js';
import { DeviceCertificateIssuer, ensureDeviceCa, openRootCa } from '../identity/ca/index.js';
import { ed25519Verifier, keyStorePaths } from '../keys/index.js';
import { openPlatform, startServer, type Platform } from '../main.js';
import { createLogger } from '../observability/index.js';
import { PhiSealing } from '../patients/index.js';

/** Opens and starts a Vigil on `dataDir` (and `databaseUrl` on PostgreSQL) restored by the drill, on free loopback ports. */
export async function bootRestored(dataDir: string, databaseUrl?: string): Promise<BootedVigil> {
  const { config } = validate({
    dataDir,
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    host: '127.0.0.1',
    httpPort: 0,
    mqttPort: 0,
    logLevel: 'silent',
    backup: { schedule: 'off', drillSchedule: 'off' },
  });
  const platform = await openPlatform({ config, env: {} });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(platform, createLogger({ level: 'silent' }), { consoleDir: join(dataDir, 'no-console') });
  } catch (error) {
    await platform.close();
    throw error;
  }
  const rootPem = (await openRootCa({ dataDir: platform.dataDir, keys: platform.keys })).certPem;
  return {
    httpPort: server.httpPort,
    waitReady: async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if ((await readyz(server.httpPort, rootPem)) === 200) return;
        if (Date.now() > deadline) throw new Error(`/readyz did not answer 200 within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    auditVerify: async () => {
      const reader = platform.auditReader();
      const keys = auditKeysFromList(await readFile(keyStorePaths(platform.dataDir).publicKeysFile, 'utf8'));
      const result = await verifyAuditLog({ events: readAllStoredEvents(reader), checkpoints: await reader.checkpoints(), head: await reader.head(), publicKeys: keys, verifier: ed25519Verifier, policy: platform.config.audit });
      return { ok: result.ok, detail: result.message };
    },
    openSealedSample: async (sample) => {
      const rows = await platform.database.db.selectFrom('patients').select(['id', 'org_id', 'given_name_sealed']).limit(sample).execute();
      let opened = 0;
      for (const row of rows) {
        try {
          platform.sealer.open(row.given_name_sealed, PhiSealing.context('givenName', row.org_id, row.id));
          opened += 1;
        } catch {
          // counted below
        }
      }
      return { ok: opened === rows.length, detail: `${opened} of ${rows.length} sampled sealed names opened` };
    },
    signTestCsr: async () => {
      const root = await openRootCa({ dataDir: platform.dataDir, keys: platform.keys });
      const ca = await ensureDeviceCa({ dataDir: platform.dataDir, keys: platform.keys, root, clock: platform.clock });
      const issuer = new DeviceCertificateIssuer({ dataDir: platform.dataDir, keys: platform.keys, ca, clock: platform.clock, validityDays: 1 });
      const key = await loadOrCreateDeviceKey(join(platform.dataDir, 'drill-device'));
      const issued = await issuer.issue({ csrPem: await createCsr(key, 'drill'), deviceId: 'drill-test-device', orgId: 'drill' });
      const ok = new X509Certificate(issued.certPem).verify(new X509Certificate(ca.certPem).publicKey);
      return { ok, detail: ok ? `device CA issued serial ${issued.serial}, chain verifies` : 'the issued certificate does not verify under the device CA' };
    },
    lastTelemetryAt: async () => {
      const row = await platform.database.db.selectFrom('telemetry_readings').select((eb) => eb.fn.max('received_at').as('t')).executeTakeFirst();
      return (row?.t as string | null | undefined) ?? null;
    },
    reportSigner: () => platform.keys.signer('audit-signing'),
    close: () => server.close(),
  };
}

function readyz(port: number, caPem: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', method: 'GET', ca: caPem, servername: 'localhost', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Writes a signed report as `<dir>/<id>.json` and `<dir>/<id>.html` (0600). */
export async function writeDrillReport(dir: string, signed: SignedDrillReport): Promise<{ json: string; html: string }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const json = join(dir, `${signed.report.id}.json`);
  const html = join(dir, `${signed.report.id}.html`);
  await writeFile(json, `${JSON.stringify(signed, null, 2)}\n`, { mode: 0o600 });
  await writeFile(html, drillReportHtml(signed), { mode: 0o600 });
  return { json, html };
}

export interface DrillRunOptions {
  readonly target: BackupTarget;
  readonly identity: string;
  readonly backupId?: string | undefined;
  /** The live system, when there is one: its key signs, its history and audit log record the drill. */
  readonly live?: { readonly platform: Platform; readonly service: BackupService } | undefined;
  readonly objectives: Readonly<Record<DataClass, RecoveryTarget>>;
  readonly reportDir: string;
  readonly scratchRoot: string;
  readonly trustedKeys?: ReadonlyMap<string, string> | undefined;
  /** The PostgreSQL server a PostgreSQL backup is restored on (a scratch database); default: the live one's. */
  readonly databaseUrl?: string | undefined;
}

/** Runs one drill on the newest (or given) backup, writes its signed report, records and audits it. */
export async function drillNow(options: DrillRunOptions, ctx: RequestContext): Promise<{ signed: SignedDrillReport; files: { json: string; html: string } }> {
  const id = options.backupId ?? (await options.target.listBackups()).at(-1);
  if (id === undefined) throw new AppError('BACKUP_NOT_FOUND', { detail: `no complete backup on ${options.target.name}` });
  const live = options.live;
  await mkdir(options.scratchRoot, { recursive: true, mode: 0o700 });
  // The engine decides where the copy goes; an unreadable manifest fails in the drill's restore check.
  const engine = await readManifest(options.target, id).then(
    (m) => m.manifest.engine,
    () => 'sqlite' as const,
  );
  const serverUrl = options.databaseUrl ?? live?.platform.config.databaseUrl;
  // The database part is decrypted with the `age` tool when there is one (backup.ageBinary): it counts in the RTO.
  const ageBinary = await resolveAgeBinary(live?.platform.config.backup.ageBinary ?? 'auto');
  const signed = await withScratchDatabase(engine, serverUrl, 'vigil_drill', (databaseUrl) =>
    runDrill(
      {
        target: options.target,
        identity: options.identity,
        inspector: snapshotInspectorFor(serverUrl),
        verifier: ed25519Verifier,
        restorer: snapshotRestorer(databaseUrl),
        clock: live?.platform.clock ?? systemClock,
        boot: (dataDir) => bootRestored(dataDir, databaseUrl),
        ...(live ? { signer: () => Promise.resolve(live.platform.keys.signer('audit-signing')) } : {}),
        ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}),
        targets: options.objectives,
        scratchRoot: options.scratchRoot,
        ageBinary,
      },
      id,
    ),
  );
  const files = await writeDrillReport(options.reportDir, signed);
  if (live) {
    const r = signed.report;
    await live.service.recordRun(ctx, {
      kind: 'drill',
      backupId: id,
      target: options.target.name,
      startedAt: r.startedAt,
      outcome: r.ok ? 'success' : 'failure',
      bytes: null,
      detail: JSON.stringify({ report: r.id, rtoMs: r.rtoMs, rpoMs: r.rpoMs, failed: r.checks.filter((c) => !c.ok).map((c) => c.name) }),
    });
  }
  return { signed, files };
}
