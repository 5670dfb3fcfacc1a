/**
 * The SDK's download-now, install-later path (Vigil's `firmware.download` for devices held by a
 * maintenance window): download() fetches and verifies without installing; update() installs the
 * kept file only after tuf-js verified it again, and fetches it anew when it was altered on disk.
 */
import assert from 'node:assert/strict';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deviceClient, Mirror, makeUpdatesHarness, type Files, type UpdatesHarness } from './updates-fixtures.js';

describe('update client: download now, install later', { timeout: 120_000 }, () => {
  let h: UpdatesHarness & { frozen: Files };
  let mirror: Mirror;
  const dirs: string[] = [];
  const targetRequests = () => mirror.requests.filter((p) => p.startsWith('targets/pulse-ox/1.1.0/')).length;

  before(async () => {
    h = await makeUpdatesHarness();
    mirror = await Mirror.start(h.pki, await h.files());
  });
  after(async () => {
    await mirror.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    await h.dispose();
  });

  it('ok/download() installs nothing; update() then installs the verified file without fetching it again', async () => {
    const d = await deviceClient(h, [mirror.url]);
    dirs.push(d.stateDir);
    const before = targetRequests();
    const downloaded = await d.client.download('pulse-ox/1.1.0/firmware.bin');
    assert.equal(downloaded.status, 'downloaded');
    assert.equal(d.installed.length, 0, 'nothing installed by a download');
    assert.equal(targetRequests() - before, 1);
    const outcome = await d.client.update('pulse-ox/1.1.0/firmware.bin');
    assert.equal(outcome.status, 'installed');
    assert.equal(targetRequests() - before, 1, 'the kept file was used');
    assert.deepEqual(d.installed[0]?.bytes, h.images.get('pulse-ox/1.1.0'));
  });

  it('fail/a kept file altered on disk is not installed: it is fetched again and verified', async () => {
    const d = await deviceClient(h, [mirror.url]);
    dirs.push(d.stateDir);
    assert.equal((await d.client.download()).status, 'downloaded');
    const downloads = join(d.stateDir, 'downloads');
    const [kept] = await readdir(downloads);
    assert.ok(kept !== undefined);
    const original = h.images.get('pulse-ox/1.1.0') ?? Buffer.alloc(0);
    await writeFile(join(downloads, kept), Buffer.alloc(original.length, 0x41));
    const before = targetRequests();
    const outcome = await d.client.update();
    assert.equal(outcome.status, 'installed');
    assert.equal(targetRequests() - before, 1, 'downloaded again');
    assert.deepEqual(d.installed[0]?.bytes, original, 'the verified image, not the altered one');
  });
});
