/**
 * Fixtures for the update tests: a platform with a TUF root and releases of two models, a copy
 * of its repository as a mirror would hold it, a loopback HTTPS mirror that serves a (possibly
 * modified) copy, and the SDK's update client. Test code only.
 */
import { createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateClient, type InstallRequest, type UpdateClientOptions, type UpdateOutcome } from '@vigil/device-sdk';
import { makeTestCsr } from '../identity/ca/csr-fixtures.js';
import type { Signer } from '../keys/index.js';
import { makeTestPki, type TestPki } from '../transports/http/http-fixtures.js';
import { imageBytes, releaseInput, streamOf } from '../updates/testing/release-fixtures.js';
import { makeRootKeys, rootV1, type RootKeys } from '../updates/testing/tuf-fixtures.js';
import { makePlatform, testContext, type TestPlatform } from './fixtures.js';

export type Files = Map<string, Buffer>;
export type Responder = Buffer | ((req: IncomingMessage, res: ServerResponse) => void);

export interface UpdatesHarness {
  readonly t: TestPlatform;
  readonly keys: RootKeys;
  /** 1.root.json as provisioned on devices at manufacture. */
  readonly rootV1: string;
  readonly images: Map<string, Buffer>;
  readonly pki: TestPki;
  publish(model: string, version: string, options?: { minVersion?: string; hardwareRevisions?: string[]; seed?: number }): Promise<void>;
  files(): Promise<Files>;
  dispose(): Promise<void>;
}

const DAY = 86_400_000;

/**
 * Root v1 and releases pulse-ox 1.0.0 and 1.1.0 and infusion-pump 1.0.0 (rev-a). With `frozenAt`,
 * everything is first signed that long ago (so its timestamp has expired), then re-signed now.
 */
export async function makeUpdatesHarness(overrides: Record<string, unknown> = {}): Promise<UpdatesHarness & { readonly frozen: Files }> {
  const t = await makePlatform(overrides);
  const keys = await makeRootKeys();
  const now = Date.now();
  t.clock.set(new Date(now - 2 * DAY));
  const online = await t.platform.updates.onlinePublicKeys();
  const root = rootV1(keys, online, new Date(now));
  await t.platform.updates.tuf.installRoot(testContext, root.toJSON());
  const images = new Map<string, Buffer>();
  const publish: UpdatesHarness['publish'] = async (model, version, options = {}) => {
    const bytes = imageBytes(64 * 1024 + images.size * 7, options.seed ?? images.size + 1);
    images.set(`${model}/${version}`, bytes);
    const image = await t.platform.updates.releases.uploadImage(testContext, model, streamOf(bytes));
    await t.platform.updates.releases.publish(testContext, releaseInput({ sha256: image.sha256, model, version, minVersion: options.minVersion ?? '0.0.0', hardwareRevisions: options.hardwareRevisions ?? ['rev-a'] }));
  };
  await publish('pulse-ox', '1.0.0');
  await publish('pulse-ox', '1.1.0', { minVersion: '1.0.0' });
  await publish('infusion-pump', '1.0.0');
  const files = () => repositoryFiles(t);
  const frozen = await files();
  t.clock.set(new Date(now));
  await t.platform.updates.tuf.publish(testContext, 'test-now');
  const pki = makeTestPki();
  return {
    t,
    keys,
    rootV1: `${JSON.stringify(root.toJSON())}`,
    images,
    pki,
    publish,
    files,
    frozen,
    dispose: async () => {
      await t.dispose();
      await rm(keys.dir, { recursive: true, force: true });
    },
  };
}

/** Every file of Vigil's repository under its served path (metadata/..., targets/...). */
export async function repositoryFiles(t: TestPlatform): Promise<Files> {
  const files: Files = new Map();
  const rows = await t.platform.database.db.selectFrom('tuf_metadata').selectAll().orderBy('version').execute();
  for (const row of rows) {
    files.set(`metadata/${row.version}.${row.role}.json`, Buffer.from(row.body));
    if (row.role === 'timestamp') files.set('metadata/timestamp.json', Buffer.from(row.body));
  }
  for (const release of await t.platform.updates.releases.list(testContext)) {
    const [model, version, file] = release.targetPath.split('/');
    const chunks: Buffer[] = [];
    for await (const chunk of t.platform.updates.artifacts.read(release.sha256)) chunks.push(chunk as Buffer);
    files.set(`targets/${model}/${version}/${release.sha256}.${file}`, Buffer.concat(chunks));
  }
  return files;
}

/** A loopback HTTPS mirror serving `files` under /tuf/. */
export class Mirror {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly files: Map<string, Responder>,
    /** Paths asked for, in order. */
    readonly requests: string[],
  ) {}

  static async start(pki: TestPki, files: ReadonlyMap<string, Responder>): Promise<Mirror> {
    const served = new Map<string, Responder>(files);
    const requests: string[] = [];
    const server = createServer({ key: pki.ecdsa.keyPem, cert: pki.ecdsa.certPem + pki.ecdsa.chainPem }, (req, res) => {
      const path = decodeURIComponent((req.url ?? '').replace(/^\/tuf\//, ''));
      requests.push(path);
      const responder = served.get(path);
      if (responder === undefined) {
        res.writeHead(404).end();
        return;
      }
      if (typeof responder === 'function') return responder(req, res);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': responder.length }).end(responder);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new Mirror(server, `https://localhost:${(server.address() as AddressInfo).port}/tuf`, served, requests);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface DeviceUnderTest {
  readonly client: UpdateClient;
  readonly installed: Array<{ readonly version: string; readonly bytes: Buffer }>;
  readonly reports: UpdateOutcome[];
  readonly stateDir: string;
}

/** An SDK update client for `model` (default pulse-ox at 1.0.0, rev-a) trusting root v1. */
export async function deviceClient(h: UpdatesHarness, mirrors: readonly string[], options: Partial<UpdateClientOptions> = {}): Promise<DeviceUnderTest> {
  const stateDir = await mkdtemp(join(tmpdir(), 'vigil-device-updates-'));
  const installed: Array<{ version: string; bytes: Buffer }> = [];
  const reports: UpdateOutcome[] = [];
  const client = new UpdateClient({
    model: 'pulse-ox',
    currentVersion: '1.0.0',
    hardwareRevision: 'rev-a',
    mirrors,
    trustedRoot: h.rootV1,
    stateDir,
    tls: { caCertificate: h.pki.rootPem },
    install: async (request: InstallRequest) => void installed.push({ version: request.offer.version, bytes: await readFile(request.file) }),
    report: (outcome) => {
      if (process.env['VIGIL_TEST_DEBUG_UPDATES'] !== undefined) process.stderr.write(`update outcome: ${JSON.stringify(outcome)}\n`);
      return Promise.resolve(void reports.push(outcome));
    },
    fetcherTimeouts: { idleTimeoutMs: 3000, deadlineMs: 10_000 },
    ...options,
  });
  return { client, installed, reports, stateDir };
}

/** A copy of `files` with the JSON document at `path` changed by `edit` (signatures untouched unless `resign`). */
export function editJson(files: Files, path: string, edit: (json: { signed: Record<string, unknown>; signatures: unknown[] }) => void): Files {
  const out = new Map(files);
  const body = files.get(path);
  if (body === undefined) throw new Error(`no ${path} in the copy`);
  const json = JSON.parse(body.toString()) as { signed: Record<string, unknown>; signatures: unknown[] };
  edit(json);
  out.set(path, Buffer.from(JSON.stringify(json)));
  return out;
}

export type { Signer };

export interface EnrolledDevice {
  readonly deviceId: string;
  readonly orgId: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly privateKey: KeyObject;
}

/** Enrols a device of `model` in `orgId` through the devices service (a real CSR and certificate). */
export async function enrollDevice(h: UpdatesHarness, orgId: string, model: string, serial: string): Promise<EnrolledDevice> {
  const operator = { ...testContext, principal: { kind: 'cli' as const, id: 'operator' } };
  const token = await h.t.platform.devices.service.issueEnrollmentToken(operator, { orgId, model });
  const csr = await makeTestCsr();
  const enrolled = await h.t.platform.devices.service.enroll({ ...testContext, principal: { kind: 'anonymous', id: 'anonymous' } }, { token: token.token, csr: csr.pem, serial });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', csr.keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  return { deviceId: enrolled.deviceId, orgId, certPem: [enrolled.certificate, ...enrolled.chain.slice(0, 1)].join(''), keyPem, privateKey: createPrivateKey(keyPem) };
}

/** A TCP port that was free a moment ago (for a listener whose port must be known before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createTcpServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
