import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makePlatform, testContext, type TestPlatform } from '../integration/fixtures.js';
import { auditEvents, contextOf, makeUser, rejectsWith } from '../integration/patients-fixtures.js';
import { imageBytes, releaseInput, sbomJson, streamOf } from './testing/release-fixtures.js';

describe('firmware releases', () => {
  let t: TestPlatform;
  let sha256: string;
  before(async () => {
    t = await makePlatform();
    const image = await t.platform.updates.releases.uploadImage(testContext, 'pulse-ox', streamOf(imageBytes(200_000)));
    sha256 = image.sha256;
  });
  after(async () => t.dispose());

  it('ok/an upload is content-addressed with SHA-256, SHA-512 and length computed by Vigil', async () => {
    const bytes = imageBytes(200_000);
    const image = await t.platform.updates.releases.uploadImage(testContext, 'pulse-ox', streamOf(bytes));
    assert.equal(image.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(image.sha512, createHash('sha512').update(bytes).digest('hex'));
    assert.equal(image.length, bytes.length);
    assert.deepEqual(await readdir(join(t.dataDir, 'firmware', 'sha256')), [image.sha256]);
    assert.deepEqual(await readdir(join(t.dataDir, 'firmware', 'tmp')), []);
  });

  it('ok/publish stores the release with its SBOM summary and audits it', async () => {
    const r = await t.platform.updates.releases.publish(testContext, releaseInput({ sha256 }));
    assert.equal(r.targetPath, 'pulse-ox/1.0.0/firmware.bin');
    assert.equal(r.sbom.components[0]?.supportLevel, 'actively-maintained');
    assert.deepEqual(r.sbom.components[0]?.licenses, ['MIT']);
    const listed = await t.platform.updates.releases.list(testContext, 'pulse-ox');
    assert.deepEqual(listed.map((x) => x.version), ['1.0.0']);
    const sbom = JSON.parse(await t.platform.updates.releases.sbom(testContext, 'pulse-ox', '1.0.0')) as { bomFormat: string };
    assert.equal(sbom.bomFormat, 'CycloneDX');
    const actions = (await auditEvents(t)).map((e) => e.action);
    assert.ok(actions.includes('firmware.image.upload'));
    assert.ok(actions.includes('firmware.release.publish'));
  });

  it('fail/an oversized image is refused at the model limit and leaves no file', async () => {
    await t.platform.updates.releases.setPolicy(testContext, { model: 'tiny', maxImageBytes: 1000, requireAttestation: false, quarantineOnUnknownHash: false });
    await assert.rejects(t.platform.updates.releases.uploadImage(testContext, 'tiny', streamOf(imageBytes(5000), 512)), rejectsWith('UPDATES_IMAGE_TOO_LARGE'));
    assert.deepEqual(await readdir(join(t.dataDir, 'firmware', 'tmp')), []);
    assert.equal((await readdir(join(t.dataDir, 'firmware', 'sha256'))).length, 1);
  });

  const refusals: ReadonlyArray<readonly [string, () => Parameters<typeof releaseInput>[0], string]> = [
    ['a version that is not semver', () => ({ sha256, version: '2.0' }), 'UPDATES_VERSION_INVALID'],
    ['a minimum version that is not semver', () => ({ sha256, version: '2.0.0', minVersion: 'latest' }), 'UPDATES_VERSION_INVALID'],
    ['a minimum above the version', () => ({ sha256, version: '2.0.0', minVersion: '3.0.0' }), 'UPDATES_VERSION_INVALID'],
    ['a path traversal in the target name', () => ({ sha256, version: '2.0.0', fileName: '../../etc/passwd' }), 'UPDATES_TARGET_NAME_INVALID'],
    ['a dot-dot target name', () => ({ sha256, version: '2.0.0', fileName: 'a..b' }), 'UPDATES_TARGET_NAME_INVALID'],
    ['a model with a slash', () => ({ sha256, version: '2.0.0', model: 'pulse-ox/../x' }), 'VALIDATION_FAILED'],
    ['an SBOM that is not CycloneDX', () => ({ sha256, version: '2.0.0', sbom: JSON.stringify({ spdxVersion: 'SPDX-2.3' }) }), 'UPDATES_SBOM_INVALID'],
    ['an SBOM that is not JSON', () => ({ sha256, version: '2.0.0', sbom: '<bom/>' }), 'UPDATES_SBOM_INVALID'],
    ['an SBOM that fails the schema', () => ({ sha256, version: '2.0.0', sbom: JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [{ type: 'nonsense', name: 'x' }] }) }), 'UPDATES_SBOM_INVALID'],
    ['a component without support level', () => ({ sha256, version: '2.0.0', sbom: sbomJson([{ name: 'libc' }]) }), 'UPDATES_SBOM_INVALID'],
    ['a component without date or justification', () => ({ sha256, version: '2.0.0', sbom: sbomJson([{ name: 'libc', supportLevel: 'unknown' }]) }), 'UPDATES_SBOM_INVALID'],
    ['a component with an impossible date', () => ({ sha256, version: '2.0.0', sbom: sbomJson([{ name: 'libc', supportLevel: 'actively-maintained', endOfSupport: '2030-02-31' }]) }), 'UPDATES_SBOM_INVALID'],
    ['a release without support dates', () => ({ sha256, version: '2.0.0', supportEndsAt: '' }), 'UPDATES_SUPPORT_DATES_INVALID'],
    ['an end of life before support end', () => ({ sha256, version: '2.0.0', endOfLifeAt: '2029-01-01' }), 'UPDATES_SUPPORT_DATES_INVALID'],
    ['an image of another model', () => ({ sha256, version: '2.0.0', model: 'infusion-pump' }), 'UPDATES_IMAGE_MODEL_MISMATCH'],
    ['an image never uploaded', () => ({ sha256: 'a'.repeat(64), version: '2.0.0' }), 'UPDATES_IMAGE_NOT_FOUND'],
    ['a version already published', () => ({ sha256, version: '1.0.0' }), 'UPDATES_RELEASE_EXISTS'],
  ];
  for (const [name, input, code] of refusals) {
    it(`fail/${name} is refused (${code}) and nothing is stored`, async () => {
      const before = await t.platform.updates.releases.list(testContext);
      await assert.rejects(t.platform.updates.releases.publish(testContext, releaseInput(input())), rejectsWith(code as never));
      assert.deepEqual(await t.platform.updates.releases.list(testContext), before);
    });
  }

  it('ok/a component with unknown support and a justification is accepted', async () => {
    const r = await t.platform.updates.releases.publish(
      testContext,
      releaseInput({ sha256, version: '1.1.0', sbom: sbomJson([{ name: 'vendor-blob', supportLevel: 'unknown', justification: 'Vendor publishes no support policy; monitored via CVE feed.' }]) }),
    );
    assert.equal(r.sbom.components[0]?.justification?.startsWith('Vendor'), true);
  });

  it('fail/a downgrade below the minimum version of a published release is refused', async () => {
    await t.platform.updates.releases.publish(testContext, releaseInput({ sha256, version: '3.0.0', minVersion: '2.5.0' }));
    await assert.rejects(t.platform.updates.releases.publish(testContext, releaseInput({ sha256, version: '2.1.0' })), rejectsWith('UPDATES_VERSION_BELOW_MINIMUM'));
    assert.equal((await t.platform.updates.releases.get(testContext, 'pulse-ox', '3.0.0')).minVersion, '2.5.0');
  });

  it('fail/a clinician may not publish nor read releases; a technician reads', async () => {
    const clinician = contextOf(makeUser('org-1', ['clinician']));
    await assert.rejects(t.platform.updates.releases.publish(clinician, releaseInput({ sha256, version: '9.0.0' })), rejectsWith('FORBIDDEN'));
    await assert.rejects(t.platform.updates.releases.list(clinician), rejectsWith('FORBIDDEN'));
    await assert.rejects(t.platform.updates.releases.uploadImage(contextOf(makeUser('org-1', ['org-admin'])), 'pulse-ox', streamOf(imageBytes(10))), rejectsWith('FORBIDDEN'));
    assert.ok((await t.platform.updates.releases.list(contextOf(makeUser('org-1', ['technician'])))).length >= 1);
  });
});
