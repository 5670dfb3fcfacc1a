import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { Metadata, MetadataKind } from '@tufjs/models';
import { makePlatform, testContext, type TestPlatform } from '../../integration/fixtures.js';
import { rejectsWith } from '../../integration/patients-fixtures.js';
import { imageBytes, releaseInput, streamOf } from '../testing/release-fixtures.js';
import { makeRootKeys, rootV1, rotatedRoot, type RootKeys } from '../testing/tuf-fixtures.js';
import { metadataText } from './tuf-keys.js';

type Json = Parameters<typeof Metadata.fromJSON>[1];

describe('TUF repository', () => {
  let t: TestPlatform;
  let keys: RootKeys;
  const tuf = () => t.platform.updates.tuf;
  const read = async (name: string, model?: string): Promise<Json> => {
    const text = await tuf().metadata(name, model);
    assert.ok(text !== undefined, `${name} is served`);
    return JSON.parse(text) as Json;
  };

  before(async () => {
    t = await makePlatform();
    keys = await makeRootKeys();
  });
  after(async () => {
    await t.dispose();
    await rm(keys.dir, { recursive: true, force: true });
  });

  it('ok/a release published before any root is signed when the root is installed', async () => {
    const image = await t.platform.updates.releases.uploadImage(testContext, 'pulse-ox', streamOf(imageBytes(50_000)));
    await t.platform.updates.releases.publish(testContext, releaseInput({ sha256: image.sha256 }));
    await assert.rejects(tuf().metadata('timestamp.json'), rejectsWith('UPDATES_TUF_NOT_INITIALIZED'));
    const online = await t.platform.updates.onlinePublicKeys();
    const report = await tuf().installRoot(testContext, rootV1(keys, online, t.clock.now()).toJSON());
    assert.deepEqual(report.models, { 'pulse-ox': 1 });
  });

  it('ok/the chain verifies: root -> timestamp -> snapshot -> targets -> model role, with hashes of the image', async () => {
    const root = Metadata.fromJSON(MetadataKind.Root, await read('1.root.json'));
    const timestamp = Metadata.fromJSON(MetadataKind.Timestamp, await read('timestamp.json'));
    root.verifyDelegate('timestamp', timestamp);
    const snapshot = Metadata.fromJSON(MetadataKind.Snapshot, await read(`${timestamp.signed.snapshotMeta.version}.snapshot.json`));
    root.verifyDelegate('snapshot', snapshot);
    timestamp.signed.snapshotMeta.verify(Buffer.from((await tuf().metadata(`${snapshot.signed.version}.snapshot.json`)) ?? ''));
    const targetsVersion = snapshot.signed.meta['targets.json']?.version ?? 0;
    const targets = Metadata.fromJSON(MetadataKind.Targets, await read(`${targetsVersion}.targets.json`));
    root.verifyDelegate('targets', targets);
    const modelVersion = snapshot.signed.meta['model-pulse-ox.json']?.version ?? 0;
    const model = Metadata.fromJSON(MetadataKind.Targets, await read(`${modelVersion}.model-pulse-ox.json`, 'pulse-ox'));
    targets.verifyDelegate('model-pulse-ox', model);
    const target = model.signed.targets['pulse-ox/1.0.0/firmware.bin'];
    assert.ok(target);
    assert.equal(target.length, 50_000);
    assert.deepEqual(Object.keys(target.hashes), ['sha256', 'sha512']);
    assert.deepEqual(target.custom['minVersion'], '0.0.0');
    assert.ok(root.signed.consistentSnapshot);
    assert.equal(timestamp.signed.expires, new Date(t.clock.now().getTime() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    const served = await tuf().target(`pulse-ox/1.0.0/${target.hashes['sha256'] ?? ''}.firmware.bin`, 'pulse-ox');
    assert.deepEqual(served, { sha256: target.hashes['sha256'], length: 50_000 });
  });

  it("fail/a device of another model reads neither the model role nor its targets; bad names are 404", async () => {
    assert.equal(await tuf().metadata('1.model-pulse-ox.json', 'infusion-pump'), undefined);
    const sha = (await t.platform.updates.releases.get(testContext, 'pulse-ox', '1.0.0')).sha256;
    assert.equal(await tuf().target(`pulse-ox/1.0.0/${sha}.firmware.bin`, 'infusion-pump'), undefined);
    for (const name of ['../keys/keystore.json', '1.root.json/../x', '0.root.json', 'root.json', '1.model-../../x.json']) assert.equal(await tuf().metadata(name), undefined, name);
    assert.equal(await tuf().target(`pulse-ox/1.0.0/${'0'.repeat(64)}.firmware.bin`), undefined);
    assert.equal(await tuf().target(`pulse-ox/../1.0.0/${sha}.firmware.bin`), undefined);
  });

  it('ok/a new release signs new versions of every role', async () => {
    const image = await t.platform.updates.releases.uploadImage(testContext, 'pulse-ox', streamOf(imageBytes(60_000, 2)));
    await t.platform.updates.releases.publish(testContext, releaseInput({ sha256: image.sha256, version: '1.1.0' }));
    const timestamp = Metadata.fromJSON(MetadataKind.Timestamp, await read('timestamp.json'));
    assert.equal(timestamp.signed.version, 2);
    const model = Metadata.fromJSON(MetadataKind.Targets, await read('2.model-pulse-ox.json'));
    assert.deepEqual(Object.keys(model.signed.targets).sort(), ['pulse-ox/1.0.0/firmware.bin', 'pulse-ox/1.1.0/firmware.bin']);
  });

  it('ok/refresh re-signs the timestamp after half its life; an expired timestamp is refreshed before it is served', async () => {
    assert.equal(await tuf().refresh(testContext), 'none');
    t.clock.advance(13 * 3600_000);
    assert.equal(await tuf().refresh(testContext), 'timestamp');
    t.clock.advance(25 * 3600_000);
    const served = Metadata.fromJSON(MetadataKind.Timestamp, await read('timestamp.json'));
    assert.ok(!served.signed.isExpired(t.clock.now()), 'never served expired');
    t.clock.advance(24 * 86_400_000);
    assert.equal(await tuf().refresh(testContext), 'all');
  });

  const refusals: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
    ['a first root signed by 1 of 3 keys (threshold 2)', async () => rootV1(keys, await t.platform.updates.onlinePublicKeys(), t.clock.now(), 1).toJSON()],
    ['root v2 signed only by new root keys (no threshold of v1)', async () => {
      const v1 = Metadata.fromJSON(MetadataKind.Root, await read('1.root.json'));
      const fresh = await makeRootKeys();
      return rotatedRoot(v1, t.clock.now(), fresh.signers, { rootKeys: fresh.publicPems }).toJSON();
    }],
    ['root v3 while v1 is trusted (a skipped version)', async () => {
      const v1 = Metadata.fromJSON(MetadataKind.Root, await read('1.root.json'));
      const v2 = rotatedRoot(v1, t.clock.now(), keys.signers.slice(0, 2));
      return rotatedRoot(v2, t.clock.now(), keys.signers.slice(0, 2)).toJSON();
    }],
    ['a root whose signed part was altered after signing', async () => {
      const v1 = Metadata.fromJSON(MetadataKind.Root, await read('1.root.json'));
      const json = rotatedRoot(v1, t.clock.now(), keys.signers.slice(0, 2)).toJSON() as { signed: { expires: string } };
      json.signed.expires = '2099-01-01T00:00:00Z';
      return json;
    }],
    ['not root metadata at all', () => Promise.resolve({ signed: { _type: 'targets' }, signatures: [] })],
  ];
  for (const [name, make] of refusals) {
    it(`fail/${name} is refused and the trusted root stays`, async () => {
      const before = await tuf().latestRoot();
      await assert.rejects(async () => tuf().installRoot(testContext, await make()), rejectsWith('UPDATES_TUF_ROOT_INVALID'));
      assert.equal(await tuf().latestRoot(), before);
    });
  }

  it('ok/a rotated online key signs nothing until a root lists it; then root v2 (2 of 3 old keys) is installed', async () => {
    const before = await tuf().metadata('timestamp.json');
    await t.platform.keys.rotate('tuf-timestamp');
    await assert.rejects(tuf().publish(testContext, 'test'), rejectsWith('UPDATES_TUF_ROOT_INVALID'));
    assert.equal(await tuf().metadata('timestamp.json'), before, 'the last good timestamp is still served');
    const v1 = Metadata.fromJSON(MetadataKind.Root, await read('1.root.json'));
    const online = await t.platform.updates.onlinePublicKeys();
    const v2 = rotatedRoot(v1, t.clock.now(), [keys.signers[1]!, keys.signers[2]!], { online });
    const report = await tuf().installRoot(testContext, v2.toJSON());
    assert.equal(report.root, 2);
    const root2 = Metadata.fromJSON(MetadataKind.Root, await read('2.root.json'));
    root2.verifyDelegate('timestamp', Metadata.fromJSON(MetadataKind.Timestamp, await read('timestamp.json')));
    assert.equal(metadataText(root2), await tuf().latestRoot());
  });

  it('fail/an expired timestamp that cannot be re-signed is never served (UPDATES_TUF_EXPIRED)', async () => {
    await t.platform.keys.rotate('tuf-timestamp');
    t.clock.advance(2 * 86_400_000);
    await assert.rejects(tuf().metadata('timestamp.json'), rejectsWith('UPDATES_TUF_EXPIRED'));
  });
});
