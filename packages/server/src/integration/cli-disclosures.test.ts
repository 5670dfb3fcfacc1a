/** `vigil disclosures record|list|accounting|suspend` as an operator runs them (a browse export handed out, then the accounting). */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { newId } from '../kernel/index.js';
import { patientStore } from '../storage/index.js';
import { makeCliDataDir, type CliDataDir } from './fixtures.js';

let cli: CliDataDir;
const patientId = newId();
const vigil = (...args: string[]) => cli.vigil(...args);

before(async () => {
  cli = await makeCliDataDir('vigil-cli-disc-', 'general', async (platform, orgId) => {
    // The accounting needs only that the patient exists in the organization (its fields stay sealed).
    const now = new Date().toISOString();
    const sealed = { mrn: 'x', givenName: 'x', familyName: 'x', birthDate: 'x', sex: 'x' };
    await patientStore(platform.database.db).insert({ id: patientId, orgId, mrnIndex: newId(), sealed, createdAt: now, createdBy: 'test', updatedAt: now });
  });
});
after(() => cli.dispose());

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
  type ListAnswer = { disclosures: Array<{ recipientName: string; disclosedAt: string }>; nextCursor: string | null };
  const list = JSON.parse((await vigil('disclosures', 'list', ...common)).stdout) as ListAnswer;
  assert.equal(list.disclosures.length, 2);
  assert.equal(list.nextCursor, null);
  assert.deepEqual(
    list.disclosures.map((d) => d.disclosedAt),
    ['2026-02-05T10:00:00.000Z', '2026-01-05T10:00:00.000Z'],
    'newest first by default',
  );
  // One row a page: the cursor reaches the second, older one, and the last page has no cursor.
  const first = JSON.parse((await vigil('disclosures', 'list', ...common, '--limit', '1')).stdout) as ListAnswer;
  assert.deepEqual(first.disclosures.map((d) => d.disclosedAt), ['2026-02-05T10:00:00.000Z']);
  assert.ok(first.nextCursor !== null);
  const second = JSON.parse((await vigil('disclosures', 'list', ...common, '--limit', '1', '--cursor', first.nextCursor)).stdout) as ListAnswer;
  assert.deepEqual(second.disclosures.map((d) => d.disclosedAt), ['2026-01-05T10:00:00.000Z']);
  assert.equal(second.nextCursor, null);
  const none = JSON.parse((await vigil('disclosures', 'list', ...common, '--search', 'no such recipient')).stdout) as ListAnswer;
  assert.equal(none.disclosures.length, 0);
  // A cursor made for another sort, a bad limit and an unknown purpose are refused.
  assert.equal((await vigil('disclosures', 'list', ...common, '--sort', 'recipientName', '--cursor', first.nextCursor)).code, 1);
  assert.equal((await vigil('disclosures', 'list', ...common, '--limit', '0')).code, 1);
  assert.equal((await vigil('disclosures', 'list', ...common, '--purpose', 'treatment')).code, 1);
  const json = JSON.parse((await vigil('disclosures', 'accounting', ...common)).stdout) as { entries: Array<{ summary: { count: number } | null }> };
  assert.equal(json.entries.length, 1);
  assert.equal(json.entries[0]?.summary?.count, 2);
  const until = new Date(Date.now() + 5 * 86_400_000).toISOString();
  assert.equal((await vigil('disclosures', 'suspend', ...common, '--agency', 'X', '--kind', 'oral', '--statement', 's', '--until', new Date(Date.now() + 40 * 86_400_000).toISOString())).code, 1);
  const suspended = await vigil('disclosures', 'suspend', ...common, '--agency', 'Acme Research Institute', '--kind', 'written', '--statement', 'impedes', '--until', until);
  assert.equal(suspended.code, 0, suspended.stderr);
  // Research disclosures are not covered by a §164.528(a)(2) suspension: still listed.
  const file = join(cli.root, 'accounting.html');
  const html = await vigil('disclosures', 'accounting', ...common, '--format', 'html', '--out', file);
  assert.equal(html.code, 0, html.stderr);
  const page = await readFile(file, 'utf8');
  assert.match(page, /Acme Research Institute/);
  assert.match(page, /2 disclosures/);
  assert.match(page, /general/);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal((await vigil('disclosures', 'accounting', '--org', 'nowhere', '--patient', patientId)).code, 1);
});
