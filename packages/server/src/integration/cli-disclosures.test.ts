/** `vigil disclosures record|list|accounting|suspend` as an operator runs them (a browse export handed out, then the accounting). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { validate } from '../config/index.js';
import { newId } from '../kernel/index.js';
import { openPlatform } from '../main.js';
import { patientStore } from '../storage/index.js';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'cli.js');
let root: string;
let dataDir: string;
const patientId = newId();

async function vigil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args, '--data-dir', dataDir], { env: { PATH: process.env['PATH'] ?? '' }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vigil-cli-disc-'));
  dataDir = join(root, 'data');
  assert.equal((await vigil('init')).code, 0);
  const platform = await openPlatform({ config: validate({ dataDir, logLevel: 'silent' }).config, env: {} });
  try {
    const org = await platform.identity.createOrganization({ principal: { kind: 'cli', id: 'test' }, requestId: 'cli-test', source: 'local' }, 'general');
    // The accounting needs only that the patient exists in the organization (its fields stay sealed).
    const now = new Date().toISOString();
    const sealed = { mrn: 'x', givenName: 'x', familyName: 'x', birthDate: 'x', sex: 'x' };
    await patientStore(platform.database.db).insert({ id: patientId, orgId: org.id, mrnIndex: newId(), sealed, createdAt: now, createdBy: 'test', updatedAt: now });
  } finally {
    await platform.close();
  }
});
after(() => rm(root, { recursive: true, force: true }));

test('ok/record (twice, summarized), list, suspend, accounting json/html; exclusions and bad input refused', { timeout: 120_000 }, async () => {
  const common = ['--org', 'general', '--patient', patientId];
  for (const at of ['2026-01-05T10:00:00.000Z', '2026-02-05T10:00:00.000Z']) {
    const r = await vigil('disclosures', 'record', ...common, '--recipient', 'Acme Research Institute', '--address', '9 Lab Rd', '--description', 'vigil backup browse export: vitals 2025', '--purpose', 'research', '--statement', 'IRB-approved study 42 (waiver)', '--at', at);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /recorded disclosure [0-9a-f-]{36} \(research/);
  }
  const excluded = await vigil('disclosures', 'record', ...common, '--recipient', 'Dr. Who', '--description', 'chart', '--purpose', 'treatment', '--statement', 'referral');
  assert.equal(excluded.code, 1);
  assert.match(excluded.stderr, /§164\.528\(a\)\(1\)\(i\).*treatment/);
  const list = JSON.parse((await vigil('disclosures', 'list', ...common)).stdout) as Array<{ recipientName: string }>;
  assert.equal(list.length, 2);
  const json = JSON.parse((await vigil('disclosures', 'accounting', ...common)).stdout) as { entries: Array<{ summary: { count: number } | null }> };
  assert.equal(json.entries.length, 1);
  assert.equal(json.entries[0]?.summary?.count, 2);
  const until = new Date(Date.now() + 5 * 86_400_000).toISOString();
  assert.equal((await vigil('disclosures', 'suspend', ...common, '--agency', 'X', '--kind', 'oral', '--statement', 's', '--until', new Date(Date.now() + 40 * 86_400_000).toISOString())).code, 1);
  const suspended = await vigil('disclosures', 'suspend', ...common, '--agency', 'Acme Research Institute', '--kind', 'written', '--statement', 'impedes', '--until', until);
  assert.equal(suspended.code, 0, suspended.stderr);
  // Research disclosures are not covered by a §164.528(a)(2) suspension: still listed.
  const file = join(root, 'accounting.html');
  const html = await vigil('disclosures', 'accounting', ...common, '--format', 'html', '--out', file);
  assert.equal(html.code, 0, html.stderr);
  const page = await readFile(file, 'utf8');
  assert.match(page, /Acme Research Institute/);
  assert.match(page, /2 disclosures/);
  assert.match(page, /general/);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal((await vigil('disclosures', 'accounting', '--org', 'nowhere', '--patient', patientId)).code, 1);
});
