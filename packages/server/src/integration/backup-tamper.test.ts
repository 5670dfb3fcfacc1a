/**
 * Attacks on a stored backup, each caught by verify with the reason named, and refused by restore
 * (which then leaves nothing behind); a restore into a non-empty directory changes nothing there.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ageEncryptStream } from '../keys/index.js';
import { isAppError, SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { makeBackupFixture, type BackupFixture } from './backup-fixtures.js';
import { restoreBackup, verifyBackup } from '../backup/index.js';
import { LocalDirectoryTarget } from '../backup/index.js';
import { snapshotInspector, wireBackup } from '../composition/backup.js';
import { ed25519Verifier, generateRecoveryIdentity } from '../keys/index.js';
import { canonicalManifest, parseSignedManifest, serializeSignedManifest } from '../backup/model.js';
import { generateKeyPairSync, sign } from 'node:crypto';

const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'tamper-test', source: 'local' };

async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

type Attack = (dir: string, recipients: readonly string[]) => Promise<void>;

const attacks: ReadonlyArray<readonly [string, Attack, string, RegExp]> = [
  [
    'fail/a flipped byte in the database ciphertext',
    async (dir) => {
      const file = join(dir, 'database.sqlite.age');
      const bytes = await readFile(file);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] ?? 0) ^ 0x01;
      await writeFile(file, bytes);
    },
    'BACKUP_PART_CORRUPT',
    /database\.sqlite\.age.*(authentication|truncated)/,
  ],
  [
    'fail/a part replaced by a valid encryption of other content',
    async (dir, recipients) => {
      const other = await streamToBuffer(await ageEncryptStream(recipients, Readable.from([Buffer.from(JSON.stringify({ format: 'vigil-backup-files', files: [] }))])));
      await writeFile(join(dir, 'files.json.age'), other);
    },
    'BACKUP_PART_CORRUPT',
    /files\.json\.age.*SHA-256/,
  ],
  [
    'fail/a manifest edited after signing (the signature no longer verifies)',
    async (dir) => {
      const signed = parseSignedManifest(await readFile(join(dir, 'manifest.json'), 'utf8'));
      const forged = { ...signed, manifest: { ...signed.manifest, rowCounts: { ...signed.manifest.rowCounts, audit_events: (signed.manifest.rowCounts['audit_events'] ?? 0) + 1 } } };
      await writeFile(join(dir, 'manifest.json'), serializeSignedManifest(forged));
    },
    'BACKUP_SIGNATURE_INVALID',
    /does not verify/,
  ],
  [
    "fail/a manifest re-signed with the attacker's own key under the real key id",
    async (dir) => {
      const signed = parseSignedManifest(await readFile(join(dir, 'manifest.json'), 'utf8'));
      const { privateKey } = generateKeyPairSync('ed25519');
      const value = sign(null, Buffer.from(canonicalManifest(signed.manifest)), privateKey).toString('base64');
      await writeFile(join(dir, 'manifest.json'), serializeSignedManifest({ ...signed, signature: { ...signed.signature, value } }));
    },
    'BACKUP_SIGNATURE_INVALID',
    /does not verify/,
  ],
  [
    'fail/a truncated upload of the database part',
    async (dir) => {
      const file = join(dir, 'database.sqlite.age');
      const size = (await readFile(file)).length;
      await truncate(file, Math.floor(size * 0.6));
    },
    'BACKUP_PART_CORRUPT',
    /database\.sqlite\.age/,
  ],
  [
    'fail/a manifest that is not valid JSON',
    async (dir) => writeFile(join(dir, 'manifest.json'), '{"manifest": '),
    'BACKUP_MANIFEST_INVALID',
    /not JSON/,
  ],
];

describe('sqlite/backup tampering', () => {
  let f: BackupFixture;
  let id: string;
  let pristine: string;
  let recipients: readonly string[];

  before(async () => {
    f = await makeBackupFixture();
    const result = await f.service.create(ctx);
    id = result.id;
    pristine = join(f.root, 'pristine');
    await cp(join(f.root, 'target'), pristine, { recursive: true });
    recipients = (await f.service.list())[0]?.manifest.recipients ?? [];
  });
  after(() => f.dispose());

  for (const [name, attack, code, reason] of attacks) {
    test(name, async () => {
      const copy = join(f.root, `attack-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`);
      await cp(pristine, copy, { recursive: true });
      await attack(join(copy, id), recipients);
      const target = new LocalDirectoryTarget(copy);
      await assert.rejects(
        verifyBackup({ target, identity: f.recoveryKey, inspector: snapshotInspector, verifier: ed25519Verifier, scratchDir: join(copy, 'scratch') }, id),
        (error: unknown) => isAppError(error) && error.code === code && reason.test(error.detail ?? ''),
      );
      const dataDir = join(f.root, `restore-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`);
      await assert.rejects(restoreBackup(f.restoreDeps(f.recoveryKey, target), id, { dataDir, dryRun: false }), (error: unknown) => isAppError(error) && error.code === code);
      assert.equal(existsSync(dataDir), false, 'a refused restore leaves no data directory');
      const leftovers = (await readdir(f.root)).filter((n) => n.includes('.restoring-'));
      assert.deepEqual(leftovers, []);
    });
  }

  test('fail/the service records a failed verification, audits it and raises an alert', async () => {
    const copy = join(f.root, 'attack-service');
    await cp(pristine, copy, { recursive: true });
    await truncate(join(copy, id, 'database.sqlite.age'), 1000);
    const service = await wireBackup(f.platform, { env: {}, targets: [new LocalDirectoryTarget(copy)] });
    const report = await service.verify(ctx, f.recoveryKey, { backupId: id });
    assert.equal(report.ok, false);
    assert.equal(report.code, 'BACKUP_PART_CORRUPT');
    await f.platform.security.alerts.flush();
    assert.ok(f.alerts.some((a) => a.detector === 'backup-failure' && a.severity === 'critical'));
    const events = await f.platform.auditReader().readAfter(0, 10_000);
    assert.ok(events.some((e) => e.action === 'backup.verify' && e.outcome === 'failure'));
  });

  test('fail/a wrong recovery key does not open the backup', async () => {
    const other = await generateRecoveryIdentity();
    await assert.rejects(
      verifyBackup({ target: f.target, identity: other.identity, inspector: snapshotInspector, verifier: ed25519Verifier, scratchDir: join(f.root, 'scratch-wrong') }, id),
      (error: unknown) => isAppError(error) && error.code === 'BACKUP_PART_CORRUPT' && /recovery key/.test(error.detail ?? ''),
    );
  });

  test('fail/restore into a non-empty directory is refused and nothing there changes', async () => {
    const dataDir = join(f.root, 'occupied');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'vigil.db'), 'precious');
    await assert.rejects(restoreBackup(f.restoreDeps(), id, { dataDir, dryRun: false }), (error: unknown) => isAppError(error) && error.code === 'BACKUP_RESTORE_TARGET_NOT_EMPTY');
    assert.deepEqual(await readdir(dataDir), ['vigil.db']);
    assert.equal(await readFile(join(dataDir, 'vigil.db'), 'utf8'), 'precious');
    await rm(dataDir, { recursive: true });
  });
});
