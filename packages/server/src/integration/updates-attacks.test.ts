/**
 * The SDK's update client against the attacks of TUF specification 1.0 (§1.5.2). Each test builds
 * the attacker's repository as a modified copy of Vigil's metadata and targets, serves it from a
 * loopback HTTPS mirror, and checks that the device installs nothing it should not.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Metadata, MetadataKind } from '@tufjs/models';
import { testContext } from './fixtures.js';
import { signMetadata } from '../updates/index.js';
import { makeRootKeys, rotatedRoot } from '../updates/testing/tuf-fixtures.js';
import { deviceClient, editJson, Mirror, makeUpdatesHarness, type Files, type Responder, type UpdatesHarness } from './updates-fixtures.js';

type Json = Parameters<typeof Metadata.fromJSON>[1];

describe('update client: TUF attacks (§1.5.2)', { timeout: 180_000 }, () => {
  let h: UpdatesHarness & { frozen: Files };
  let good: Files;
  const mirrors: Mirror[] = [];
  const dirs: string[] = [];
  const serve = async (files: ReadonlyMap<string, Responder>): Promise<Mirror> => {
    const m = await Mirror.start(h.pki, files);
    mirrors.push(m);
    return m;
  };
  const device = async (urls: readonly string[], options: Parameters<typeof deviceClient>[2] = {}) => {
    const d = await deviceClient(h, urls, options);
    dirs.push(d.stateDir);
    return d;
  };
  const latest = (files: Files, role: string): { path: string; json: Json } => {
    const paths = [...files.keys()].filter((p) => new RegExp(`^metadata/\\d+\\.${role}\\.json$`).test(p));
    const path = paths.sort((a, b) => Number(a.split('/')[1]?.split('.')[0]) - Number(b.split('/')[1]?.split('.')[0])).at(-1) ?? '';
    return { path, json: JSON.parse(files.get(path)?.toString() ?? '{}') as Json };
  };
  const targetPath = (files: Files, model: string, version: string): string => [...files.keys()].find((p) => p.startsWith(`targets/${model}/${version}/`)) ?? '';

  before(async () => {
    h = await makeUpdatesHarness();
    good = await h.files();
  });
  after(async () => {
    for (const m of mirrors) await m.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    await h.dispose();
  });

  it('ok/a faithful mirror: the device installs the newest release it may take, verified, and reports it', async () => {
    const m = await serve(good);
    const d = await device([m.url]);
    const outcome = await d.client.update();
    assert.deepEqual(outcome.status, 'installed', JSON.stringify(outcome));
    assert.equal(d.installed[0]?.version, '1.1.0');
    assert.ok(d.installed[0]?.bytes.equals(h.images.get('pulse-ox/1.1.0') ?? Buffer.alloc(0)));
    assert.equal(d.reports[0]?.status, 'installed');
    assert.equal((await d.client.update()).status, 'up-to-date');
  });

  it('fail/arbitrary installation: an image swapped on the mirror (same length) is never installed', async () => {
    const files = new Map(good);
    const path = targetPath(good, 'pulse-ox', '1.1.0');
    const evil = Buffer.from(files.get(path) ?? Buffer.alloc(0));
    evil[100] = (evil[100] ?? 0) ^ 0xff;
    files.set(path, evil);
    const d = await device([(await serve(files)).url]);
    const outcome = await d.client.update();
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.status === 'failed' && outcome.stage, 'download');
    assert.equal(d.installed.length, 0);
    assert.equal(d.reports[0]?.status, 'failed', 'the failure is reported');
  });

  it('fail/arbitrary installation: a target entry rewritten to the attacker hash without the delegation key', async () => {
    const { path } = latest(good, 'model-pulse-ox');
    const files = editJson(good, path, (json) => {
      const targets = json.signed['targets'] as Record<string, { hashes: Record<string, string> }>;
      const entry = targets['pulse-ox/1.1.0/firmware.bin'];
      if (entry) entry.hashes['sha256'] = 'f'.repeat(64);
    });
    const d = await device([(await serve(files)).url]);
    assert.equal((await d.client.update()).status, 'failed');
    assert.equal(d.installed.length, 0);
  });

  it('fail/rollback: after seeing a newer timestamp, an older one is refused', async () => {
    await h.publish('pulse-ox', '1.2.0', { minVersion: '1.0.0' });
    const newer = await h.files();
    const d = await device([(await serve(newer)).url], { currentVersion: '1.2.0' });
    assert.equal((await d.client.update()).status, 'up-to-date');
    const old = await device([(await serve(good)).url], { currentVersion: '1.0.0', stateDir: d.stateDir });
    const rolled = await old.client.update();
    assert.equal(rolled.status, 'failed');
    assert.match(rolled.status === 'failed' ? rolled.reason : '', /version/i);
    assert.equal(old.installed.length, 0);
    good = newer;
  });

  it('fail/fast-forward: a timestamp version raised without the timestamp key is refused', async () => {
    const files = editJson(good, 'metadata/timestamp.json', (json) => (json.signed['version'] = 1_000_000));
    const d = await device([(await serve(files)).url]);
    assert.equal((await d.client.update()).status, 'failed');
  });

  it('fail/indefinite freeze: metadata whose timestamp has expired is refused', async () => {
    const d = await device([(await serve(h.frozen)).url]);
    const outcome = await d.client.update();
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.status === 'failed' ? outcome.reason : '', /expired/i);
    assert.equal(d.installed.length, 0);
  });

  it('fail/endless data: an endless timestamp and an image longer than signed are cut off', async () => {
    const endless = (_req: unknown, res: ServerResponse) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    };
    const files = new Map<string, Responder>(good);
    files.set('metadata/timestamp.json', endless);
    const started = Date.now();
    const d = await device([(await serve(files)).url]);
    assert.equal((await d.client.update()).status, 'failed');
    assert.ok(Date.now() - started < 8000, 'the device gives up quickly');

    const long = new Map<string, Responder>(good);
    const path = targetPath(good, 'pulse-ox', '1.2.0');
    long.set(path, Buffer.concat([good.get(path) ?? Buffer.alloc(0), Buffer.alloc(1024 * 1024)]));
    const d2 = await device([(await serve(long)).url]);
    const outcome = await d2.client.update();
    assert.equal(outcome.status === 'failed' && outcome.stage, 'download');
    assert.equal(d2.installed.length, 0);
  });

  it('fail/extraneous dependencies: a target added to the model role by the attacker is refused', async () => {
    const { path } = latest(good, 'model-pulse-ox');
    const files = editJson(good, path, (json) => {
      const targets = json.signed['targets'] as Record<string, unknown>;
      targets['pulse-ox/9.9.9/firmware.bin'] = { length: 10, hashes: { sha256: 'a'.repeat(64) }, custom: { model: 'pulse-ox', version: '9.9.9', minVersion: '0.0.0', hardwareRevisions: ['rev-a'] } };
    });
    const d = await device([(await serve(files)).url]);
    assert.equal((await d.client.update()).status, 'failed');
    assert.equal(d.installed.length, 0);
  });

  it('fail/mix-and-match: a targets file of another version under the snapshot-named path is refused', async () => {
    const { path } = latest(good, 'targets');
    const older = [...good.keys()].find((p) => /^metadata\/1\.targets\.json$/.test(p)) ?? '';
    const files = new Map(good);
    files.set(path, good.get(older) ?? Buffer.alloc(0));
    const d = await device([(await serve(files)).url]);
    assert.equal((await d.client.update()).status, 'failed');
  });

  it('ok/malicious mirrors: a mirror serving garbage does not prevent the update from the next one; alone, it changes nothing', async () => {
    const junk = new Map<string, Responder>();
    for (const [p] of good) junk.set(p, (_req, res) => void res.writeHead(500).end('no'));
    junk.set('metadata/timestamp.json', Buffer.from('{"signed":'));
    const bad = await serve(junk);
    const d = await device([bad.url, (await serve(good)).url]);
    const outcome = await d.client.update();
    assert.equal(outcome.status, 'installed', JSON.stringify(outcome));
    const alone = await device([bad.url]);
    assert.equal((await alone.client.update()).status, 'failed');
    assert.equal(alone.client.currentVersion, '1.0.0');
  });

  it("fail/wrong software: another model's role or image in place of this model's is refused", async () => {
    const own = latest(good, 'model-pulse-ox').path;
    const other = latest(good, 'model-infusion-pump').path;
    const swappedRole = new Map(good);
    swappedRole.set(own, good.get(other) ?? Buffer.alloc(0));
    const d = await device([(await serve(swappedRole)).url]);
    assert.equal((await d.client.update()).status, 'failed');
    assert.equal(d.installed.length, 0);

    const swappedImage = new Map(good);
    swappedImage.set(targetPath(good, 'pulse-ox', '1.2.0'), good.get(targetPath(good, 'infusion-pump', '1.0.0')) ?? Buffer.alloc(0));
    const d2 = await device([(await serve(swappedImage)).url]);
    assert.equal((await d2.client.update()).status, 'failed');

    const pinned = await device([(await serve(good)).url]);
    const outcome = await pinned.client.update('infusion-pump/1.0.0/firmware.bin');
    assert.equal(outcome.status, 'failed');
    assert.equal(pinned.installed.length, 0);
    const otherHardware = await device([(await serve(good)).url], { hardwareRevision: 'rev-z' });
    assert.equal((await otherHardware.client.update()).status, 'up-to-date');
  });

  it('fail/key compromise below threshold: a root signed by 1 of 3 root keys plus the attacker keys is refused', async () => {
    const attacker = await makeRootKeys();
    const attackerOnline = await makeRootKeys();
    dirs.push(attacker.dir, attackerOnline.dir);
    const v1 = Metadata.fromJSON(MetadataKind.Root, JSON.parse(h.rootV1) as Json);
    const evilRoot = rotatedRoot(v1, new Date(), [h.keys.signers[0]!, ...attacker.signers], {
      rootKeys: attacker.publicPems,
      online: { timestamp: attackerOnline.publicPems[0]!, snapshot: attackerOnline.publicPems[1]!, targets: attackerOnline.publicPems[2]! },
    });
    const files = new Map(good);
    files.set('metadata/2.root.json', Buffer.from(JSON.stringify(evilRoot.toJSON())));
    const d = await device([(await serve(files)).url]);
    const outcome = await d.client.update();
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.status === 'failed' ? outcome.reason : '', /root/i);

    const forged = editJson(good, 'metadata/timestamp.json', (json) => (json.signed['version'] = 999));
    const ts = Metadata.fromJSON(MetadataKind.Timestamp, JSON.parse(forged.get('metadata/timestamp.json')?.toString() ?? '{}') as Json);
    signMetadata(ts, attackerOnline.signers[0]!, false);
    forged.set('metadata/timestamp.json', Buffer.from(JSON.stringify(ts.toJSON())));
    const d2 = await device([(await serve(forged)).url]);
    assert.equal((await d2.client.update()).status, 'failed', 'an online role signed by a key the root does not list');
  });

  it('fail/compromised online key after root rotation: metadata signed with the old key is refused; recovery from a fast-forward', async () => {
    // The attacker holds the timestamp key: a fast-forwarded timestamp, valid today.
    const stolen = h.t.platform.keys.signer('tuf-timestamp');
    const forward = (version: number): Buffer => {
      const json = JSON.parse(good.get('metadata/timestamp.json')?.toString() ?? '{}') as Json & { signed: { version: number } };
      json.signed.version = version;
      const md = Metadata.fromJSON(MetadataKind.Timestamp, json);
      signMetadata(md, stolen, false);
      return Buffer.from(JSON.stringify(md.toJSON()));
    };
    const fastForward = new Map(good);
    fastForward.set('metadata/timestamp.json', forward(100_000));
    const laterReplay = forward(200_000);
    const d = await device([(await serve(fastForward)).url], { currentVersion: '1.2.0' });
    assert.equal((await d.client.update()).status, 'up-to-date', 'a stolen key signs acceptable metadata until rotated');
    const vigil = await device([(await serve(await h.files())).url], { currentVersion: '1.2.0', stateDir: d.stateDir });
    assert.equal((await vigil.client.update()).status, 'failed', 'the fast-forward blocks the real repository');

    // Vigil rotates the timestamp key and signs root v2 with 2 of 3 root keys.
    await h.t.platform.keys.rotate('tuf-timestamp');
    const v1 = Metadata.fromJSON(MetadataKind.Root, JSON.parse(h.rootV1) as Json);
    const online = await h.t.platform.updates.onlinePublicKeys();
    await h.t.platform.updates.tuf.installRoot(testContext, rotatedRoot(v1, new Date(), [h.keys.signers[0]!, h.keys.signers[2]!], { online }).toJSON());
    const rotated = await h.files();
    const recovered = await device([(await serve(rotated)).url], { currentVersion: '1.2.0', stateDir: d.stateDir });
    assert.equal((await recovered.client.update()).status, 'up-to-date', 'the device recovers from the fast-forward under root v2');

    const replay = new Map(rotated);
    replay.set('metadata/timestamp.json', laterReplay);
    const attacked = await device([(await serve(replay)).url], { currentVersion: '1.0.0', stateDir: d.stateDir });
    const outcome = await attacked.client.update();
    assert.equal(outcome.status, 'failed', 'the old timestamp key no longer signs for root v2');
    assert.equal(attacked.installed.length, 0);
  });
});
