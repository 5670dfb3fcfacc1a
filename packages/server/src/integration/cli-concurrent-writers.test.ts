/**
 * Issue 11, item 6: a revocation from the CLI must not fail because the console is reading PHI.
 * The server and the `vigil` CLI are two processes writing one SQLite file (each PHI read writes
 * its audit event). Six API clients read a patient record in a loop while ten `vigil device revoke`
 * run beside them (two at a time): every revocation succeeds and no read fails.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { newId } from '../kernel/index.js';
import { deviceStore } from '../storage/index.js';
import { IdentityHarness, type Signed } from './identity-fixtures.js';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'cli.js');
const READERS = 6;
const REVOCATIONS = 10;

let h: IdentityHarness;
let doctor: Signed;
let patientId: string;
const devices: string[] = [];

before(async () => {
  h = await IdentityHarness.start();
  await h.setup();
  const admin = await h.signIn('admin', 'Tulip-Granite-Orbit-4217');
  doctor = await h.createUser(admin, 'doctor', ['clinician']);
  const now = h.clock.now().getTime();
  const training = { course: 'hipaa-privacy-security', completedAt: new Date(now - 86_400_000).toISOString(), expiresAt: new Date(now + 300 * 86_400_000).toISOString() };
  for (const u of [admin, doctor]) assert.equal((await h.as(admin, 'POST', `/api/v1/users/${u.userId}/training`, training)).status, 201);
  const created = await h.as(admin, 'POST', '/api/v1/patients', { mrn: 'MRN-LOCK', givenName: 'Grace', familyName: 'Hopper', birthDate: '1906-12-09', sex: 'female' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  patientId = created.body['id'] as string;
  const orgId = created.body['orgId'] as string;
  assert.equal((await h.as(admin, 'PUT', `/api/v1/patients/${patientId}/care-team`, { members: [{ userId: doctor.userId, role: 'primary' }] })).status, 200);
  const at = h.clock.now().toISOString();
  for (let i = 0; i < REVOCATIONS; i += 1) {
    const id = newId();
    devices.push(id);
    await deviceStore(h.t.platform.database.db).insert({
      id, orgId, model: 'vigil-sim', serial: `SIM-LOCK-${i}`, udi: null, firmwareVersion: null, status: 'active', statusReason: null,
      statusChangedAt: at, groups: [], createdAt: at, lastSeenAt: null, lastSeenAddress: null, certificate: null,
    });
  }
});
after(() => h.dispose());

async function revoke(deviceId: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [CLI, 'device', 'revoke', deviceId, '--org', 'General Hospital', '--reason', 'key-compromise', '--data-dir', h.t.dataDir];
  try {
    const { stdout, stderr } = await exec(process.execPath, args, { env: { PATH: process.env['PATH'] ?? '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('ok/10 CLI revocations beside 6 API readers of PHI: all revocations succeed, no read fails', async () => {
  let stop = false;
  const reads = { ok: 0, failed: [] as string[] };
  const reader = async () => {
    while (!stop) {
      const answer = await h.as(doctor, 'GET', `/api/v1/patients/${patientId}`);
      if (answer.status === 200) reads.ok += 1;
      else reads.failed.push(`${answer.status} ${JSON.stringify(answer.body)}`);
    }
  };
  const readers = Array.from({ length: READERS }, reader);
  const results: Array<{ code: number; stdout: string; stderr: string }> = [];
  const queue = [...devices];
  const cli = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) results.push(await revoke(id));
  };
  try {
    await Promise.all([cli(), cli()]);
  } finally {
    stop = true;
    await Promise.all(readers);
  }
  assert.deepEqual(results.filter((r) => r.code !== 0).map((r) => r.stderr), [], 'every revocation succeeded');
  assert.equal(results.length, REVOCATIONS);
  assert.deepEqual(reads.failed, [], 'no read failed');
  assert.ok(reads.ok >= READERS * 5, `the readers were busy during the revocations (${reads.ok} reads)`);
  for (const id of devices) {
    const row = h.t.platform.database.sqliteHandle?.prepare('SELECT status FROM devices WHERE id = ?').get(id) as { status: string } | undefined;
    assert.equal(row?.status, 'revoked', id);
  }
});
