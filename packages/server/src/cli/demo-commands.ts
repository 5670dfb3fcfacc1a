/**
 * `vigil demo`: a demo hospital in one command. In a fresh data directory (a temporary one unless
 * --data-dir names one) it starts the server, seeds an organization through the real services
 * (an org admin, a security officer, two clinicians with different care teams and current HIPAA
 * training, twelve patients, the default clinical alert rules), enrols twelve simulated devices
 * through the real enrolment path (one-time tokens + CSRs, @vigil/device-sdk), binds one device to
 * each patient, and runs the simulator. Ctrl-C stops the fleet, then the server (final checkpoint).
 *
 * MUST: no default passwords: every login is printed once with a one-time password that must be
 *       changed at first sign-in (privileged users then enrol MFA).
 * MUST: every seeded record is created through the services, so it is audited like any other.
 * MUST: the episode schedule is placed so that a heart-rate episode begins a few seconds after the
 *       fleet starts: the first clinical alert appears within 30 s.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceStateDir, enroll, simulatedSerial, startFleet, VitalsModel, type Fleet } from '@vigil/device-sdk';
import { validate, type Config } from '../config/index.js';
import { newId, type Principal, type RequestContext } from '../kernel/index.js';
import { initialize, isInitialized, openPlatform, startServer, systemRequestContext, takeDataDirLock, type Platform, type RunningServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { ATTACKER_ADDRESS, playIncidentAttack } from './demo-incident.js';

export const DEMO_PATIENTS = 12;
export const DEMO_SEED = 'vigil-demo';
const DEMO_MODEL = 'vigil-sim';
const MEAN_EPISODE_GAP_MS = 4 * 60_000;
const FIRST_EPISODE_AFTER_MS = 30_000;

export interface DemoLogin {
  readonly username: string;
  readonly role: string;
  readonly oneTimePassword: string;
  readonly note: string;
}

export interface RunningDemo {
  readonly platform: Platform;
  readonly server: RunningServer;
  readonly fleet: Fleet;
  readonly orgId: string;
  readonly logins: readonly DemoLogin[];
  readonly patientIds: readonly string[];
  readonly deviceIds: readonly string[];
  readonly url: string;
  /** The seeding admin's context (the incident demo acts as it). */
  readonly admin: RequestContext;
  /** Stops the fleet (draining acknowledgements), then the server (final audit checkpoint). */
  stop(): Promise<void>;
}

const GIVEN = ['Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances', 'John', 'Radia', 'Ken', 'Margaret', 'Tim'];
const FAMILY = ['Lovelace', 'Turing', 'Hopper', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Backus', 'Perlman', 'Thompson', 'Hamilton', 'Berners-Lee'];

/** A data directory for the demo: the given one, or a fresh temporary one. */
export async function demoConfig(flags: { dataDir?: string; host?: string; httpPort?: number; mqttPort?: number; logLevel?: string }): Promise<Config> {
  const dataDir = flags.dataDir ?? join(await mkdtemp(join(tmpdir(), 'vigil-demo-')), 'data');
  // Port 0 means "any free port": pick one now, because the enrolment response tells devices the MQTT port.
  if (flags.mqttPort === 0) flags = { ...flags, mqttPort: await freePort() };
  const { config } = validate({
    dataDir,
    logLevel: flags.logLevel ?? 'warn',
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(flags.httpPort !== undefined ? { httpPort: flags.httpPort } : {}),
    ...(flags.mqttPort !== undefined ? { mqttPort: flags.mqttPort } : {}),
  });
  return config;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The schedule start that puts a heart-rate episode (tachycardia or bradycardia) of some device
 * 3 to 8 s after `nowMs`; the vitals model is pure, so this is a search over candidate starts.
 */
export function scheduleStartFor(nowMs: number, devices: number): number {
  for (let back = 0; back <= 3600_000; back += 1000) {
    const startMs = nowMs - back;
    for (let i = 0; i < devices; i++) {
      const model = new VitalsModel({ seed: DEMO_SEED, deviceIndex: i, startMs, meanEpisodeGapMs: MEAN_EPISODE_GAP_MS, firstEpisodeAfterMs: FIRST_EPISODE_AFTER_MS });
      const first = model.episodesUntil(nowMs + 8_000).find((e) => e.endMs > nowMs);
      if (first && (first.kind === 'tachycardia' || first.kind === 'bradycardia') && first.startMs >= nowMs + 3_000) return startMs;
    }
  }
  return nowMs;
}

export async function startDemo(config: Config, log: (line: string) => void = () => undefined): Promise<RunningDemo> {
  if (await isInitialized(config)) throw new Error(`${config.dataDir} already holds a Vigil installation; the demo needs a fresh data directory`);
  await initialize({ config, env: process.env });
  const platform = await openPlatform({ config, env: process.env });
  const lock = takeDataDirLock(platform);
  let server: RunningServer;
  try {
    server = await startServer(platform, createLogger({ level: config.logLevel }), { lock });
  } catch (error) {
    lock.release();
    await platform.close();
    throw error;
  }
  let fleet: Fleet | undefined;
  try {
    const url = `https://localhost:${server.httpPort}`;
    const seeded = await seed(platform, log);
    const ca = await readFile(join(platform.dataDir, 'ca', 'root.pem'), 'utf8');
    const stateDir = join(platform.dataDir, '..', 'demo-devices');
    const deviceIds: string[] = [];
    for (let i = 0; i < DEMO_PATIENTS; i++) {
      const token = await platform.devices.service.issueEnrollmentToken(seeded.admin, { model: DEMO_MODEL, expiresInMinutes: 10 });
      const identity = await enroll({ url, token: token.token, serial: simulatedSerial('DEMO', i), firmwareVersion: 'vigil-sim-0.1.0', caCertificate: ca, stateDir: deviceStateDir(stateDir, i) });
      deviceIds.push(identity.deviceId);
      await platform.clinical.bindings.bind(seeded.admin, { patientId: seeded.patientIds[i] ?? '', deviceId: identity.deviceId });
    }
    log(`enrolled ${deviceIds.length} devices (one-time tokens + CSRs) and bound one to each patient`);
    const startMs = scheduleStartFor(Date.now(), DEMO_PATIENTS);
    fleet = await startFleet({
      caCertificate: ca,
      mqttUrl: `mqtts://localhost:${server.mqttPort}`,
      stateDir,
      devices: DEMO_PATIENTS,
      ratePerSecond: 1,
      seed: DEMO_SEED,
      meanEpisodeGapMs: MEAN_EPISODE_GAP_MS,
      firstEpisodeAfterMs: FIRST_EPISODE_AFTER_MS,
      startMs,
      onEpisode: (e) => log(`simulator: device ${e.deviceIndex} ${e.phase === 'start' ? 'begins' : 'ends'} a ${e.episode.kind} episode`),
      log,
    });
    const running = fleet;
    let stopped: Promise<void> | undefined;
    return {
      platform,
      server,
      fleet: running,
      orgId: seeded.orgId,
      logins: seeded.logins,
      patientIds: seeded.patientIds,
      deviceIds,
      url,
      admin: seeded.admin,
      stop: () => {
        stopped ??= (async () => {
          await running.stop({ drainMs: 3000 }).catch(() => undefined);
          await server.close();
        })();
        return stopped;
      },
    };
  } catch (error) {
    await fleet?.stop({ drainMs: 0 }).catch(() => undefined);
    await server.close().catch(() => undefined);
    throw error;
  }
}

export interface Seeded {
  readonly orgId: string;
  readonly admin: RequestContext;
  readonly logins: DemoLogin[];
  readonly patientIds: string[];
}

export async function seed(platform: Platform, log: (line: string) => void): Promise<Seeded> {
  const system = systemRequestContext('demo-seed');
  const issued = await platform.setup.issue(system);
  const setup = await platform.identity.completeSetup(system, { setupCredential: issued.token, organization: 'Demo Hospital', username: 'admin', displayName: 'Demo Admin' });
  const orgId = setup.organization.id;
  // The demo seeds as its first admin (a person's principal), so the audit log reads as if the
  // admin had done it through the console.
  const adminPrincipal: Principal = { kind: 'user', id: setup.user.id, orgId, username: 'admin', roles: ['platform-admin', 'org-admin'], sessionId: `demo-${newId()}`, mfa: true };
  const admin: RequestContext = { principal: adminPrincipal, requestId: `demo-${newId()}`, source: 'local' };
  const logins: DemoLogin[] = [{ username: 'admin', role: 'platform-admin, org-admin', oneTimePassword: setup.oneTimePassword ?? '', note: 'users, training, care teams, alert rules' }];
  const make = async (username: string, displayName: string, roles: string[], note: string) => {
    const created = await platform.identity.createUser(admin, { username, displayName, roles });
    logins.push({ username, role: roles.join(', '), oneTimePassword: created.oneTimePassword ?? '', note });
    return created.user.id;
  };
  await make('security', 'Security Officer', ['security-officer'], 'security events, break-glass review, audit');
  const wardA = await make('dr-ward-a', 'Dr. Ward A', ['clinician'], 'care team of patients 1-6');
  const wardB = await make('dr-ward-b', 'Dr. Ward B', ['clinician'], 'care team of patients 7-12');
  const now = platform.clock.now().getTime();
  for (const userId of [setup.user.id, wardA, wardB]) {
    await platform.patients.training.record(admin, userId, {
      course: 'hipaa-privacy-security',
      completedAt: new Date(now - 30 * 86_400_000).toISOString(),
      expiresAt: new Date(now + 335 * 86_400_000).toISOString(),
    });
  }
  const patientIds: string[] = [];
  for (let i = 0; i < DEMO_PATIENTS; i++) {
    const p = await platform.patients.records.create(admin, {
      mrn: `DEMO-${String(i + 1).padStart(4, '0')}`,
      givenName: GIVEN[i] ?? 'Pat',
      familyName: FAMILY[i] ?? 'Ient',
      birthDate: `${1940 + i * 4}-0${(i % 9) + 1}-1${i % 10}`,
      sex: i % 2 === 0 ? 'female' : 'male',
    });
    await platform.patients.records.updateCareTeam(admin, p.id, [{ userId: i < DEMO_PATIENTS / 2 ? wardA : wardB, role: 'primary' }]);
    patientIds.push(p.id);
  }
  const rules = await platform.clinical.alerts.seedDefaultRules(admin, orgId);
  log(`seeded Demo Hospital: 4 users, ${patientIds.length} patients, ${rules} alert rules`);
  return { orgId, admin, logins, patientIds };
}

/** The CLI verb: prints the logins, runs until Ctrl-C (or --duration), stops cleanly. */
export async function runDemo(flags: { dataDir?: string; host?: string; httpPort?: string; mqttPort?: string; duration?: string; incident?: boolean }): Promise<void> {
  const config = await demoConfig({
    ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}),
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(flags.httpPort !== undefined ? { httpPort: Number(flags.httpPort) } : {}),
    ...(flags.mqttPort !== undefined ? { mqttPort: Number(flags.mqttPort) } : {}),
  });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`Starting the Vigil demo in ${config.dataDir} ...`);
  const demo = await startDemo(config, out);
  out('');
  out(`Vigil demo is running: ${demo.url}/  (the certificate is from the demo's own CA: ${join(config.dataDir, 'ca', 'root.pem')})`);
  out('Logins (one-time passwords: each must be changed at first sign-in; admin and security then enrol MFA):');
  for (const l of demo.logins) out(`  ${l.username.padEnd(10)} ${l.oneTimePassword}   ${l.role} — ${l.note}`);
  out('Twelve simulated bedside monitors are streaming vitals; the first clinical alert opens within 30 s.');
  if (flags.incident === true) await showIncident(demo, out);
  out('Ctrl-C stops the simulator and the server.');
  let stopping = false;
  await new Promise<void>((resolve) => {
    const stop = (why: string) => {
      if (stopping) process.exit(1);
      stopping = true;
      out(`\nStopping (${why}) ...`);
      demo
        .stop()
        .then(() => {
          out('Stopped.');
          resolve();
        })
        .catch((error: unknown) => {
          process.stderr.write(`vigil demo: stop failed: ${error instanceof Error ? error.message : String(error)}\n`);
          process.exit(1);
        });
    };
    process.once('SIGINT', () => stop('Ctrl-C'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    if (flags.duration !== undefined) setTimeout(() => stop('duration elapsed'), Number(flags.duration) * 1000).unref();
  });
}

/** `--incident`: plays the attack of demo-incident.ts and prints what the incident found. */
async function showIncident(demo: RunningDemo, out: (line: string) => void): Promise<void> {
  const clinician = demo.logins.find((l) => l.username === 'dr-ward-a');
  const deviceId = demo.deviceIds[4];
  if (!clinician || deviceId === undefined) return;
  const attack = await playIncidentAttack(demo.platform, { admin: demo.admin, clinician, patientIds: demo.patientIds, deviceId });
  const view = await demo.platform.incidents.service.timeline(demo.admin, attack.incidentId);
  out('');
  out(`Incident ${attack.incidentId} opened from the alerts (dr-ward-a now signs in with the password the attacker used; see docs/incidents.md).`);
  out(`  point of failure: ${view.pointOfFailure.earliest?.kind ?? 'none'} at ${view.pointOfFailure.earliest?.time ?? '-'} (${view.pointOfFailure.earliest?.evidence.join(', ') ?? ''})`);
  for (const link of view.pointOfFailure.chain) out(`  chain: ${link.time} ${link.kind} ${link.subject}`);
  out(`  blast radius: ${view.blastRadius.patients.length} patients read from ${ATTACKER_ADDRESS}, ${view.blastRadius.devices.length} device(s), ${view.blastRadius.users.length} user(s)`);
  out(`  next: vigil incident show ${attack.incidentId} --data-dir ${demo.platform.dataDir}`);
}
