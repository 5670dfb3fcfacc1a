/**
 * `vigil compliance|risks|changes|vulnerabilities` as an operator runs them on a fresh data
 * directory: --help on every verb, an audit run, an advisory feed refused whole naming the record,
 * a signed report verified offline and refused after one changed byte, the risk register as CSV.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'cli.js');
let root: string;
let dataDir: string;

async function vigil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '' }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vigil-compliance-cli-'));
  dataDir = join(root, 'data');
  assert.equal((await vigil('init', '--data-dir', dataDir)).code, 0);
});
after(() => rm(root, { recursive: true, force: true }));

test('ok/every compliance verb answers --help', async () => {
  const verbs = [['compliance'], ['compliance', 'audit'], ['compliance', 'findings'], ['compliance', 'report'], ['compliance', 'verify-report'], ['risks', 'list'], ['risks', 'export'], ['changes', 'list'], ['changes', 'approve'], ['vulnerabilities', 'import']];
  for (const verb of verbs) {
    const r = await vigil(...verb, '--help');
    assert.equal(r.code, 0, `${verb.join(' ')} --help`);
    assert.match(r.stdout, /Usage: vigil/);
  }
});

test('ok/an audit runs on a fresh system: nothing errors, absent modules are not applicable', async () => {
  const r = await vigil('compliance', 'audit', '--json', '--data-dir', dataDir);
  assert.equal(r.code, 0, r.stderr);
  const run = JSON.parse(r.stdout) as { counts: { error: number; notApplicable: number }; results: Array<{ checkId: string; status: string }> };
  assert.equal(run.counts.error, 0);
  // The backup module is present: no backup on a fresh system is a failing check, not an absent one.
  assert.equal(run.results.find((x) => x.checkId === 'PLT-BACKUP-RECENT')?.status, 'fail');
  assert.equal(run.results.find((x) => x.checkId === 'DEV-FIRMWARE-EOS')?.status, 'pass');
  assert.equal(run.results.find((x) => x.checkId === 'PLT-AUDIT-CHAIN')?.status, 'pass');
  const findings = await vigil('compliance', 'findings', '--status', 'open', '--data-dir', dataDir);
  assert.equal(findings.code, 0);
  assert.match(findings.stdout, /VULN-FEED-STALE/, 'no advisory feed imported yet is itself a finding');
});

test('fail/an advisory feed with one invalid record is refused whole, naming the record', async () => {
  const feed = join(root, 'osv.json');
  const good = { id: 'GHSA-good-0000-0001', modified: '2026-11-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'aedes' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '9.0.0' }] }] }] };
  await writeFile(feed, JSON.stringify([good, { ...good, id: 'GHSA-bad-0000-0002', modified: 'last tuesday' }]));
  const r = await vigil('vulnerabilities', 'import', feed, '--data-dir', dataDir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /record 1 \(GHSA-bad-0000-0002\): modified is not a date-time/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  await writeFile(feed, JSON.stringify([good]));
  const ok = await vigil('vulnerabilities', 'import', feed, '--data-dir', dataDir);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Imported 1 OSV advisories/);
});

test('fail/a signed report verifies offline, and one changed byte fails verify-report', async () => {
  for (const format of ['json', 'html']) {
    const out = join(root, `report.${format}`);
    const made = await vigil('compliance', 'report', '--format', format, '--out', out, '--data-dir', dataDir);
    assert.equal(made.code, 0, made.stderr);
    const ok = await vigil('compliance', 'verify-report', out, '--data-dir', dataDir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /not one byte changed/);
    const bytes = await readFile(out);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] ?? 0) ^ 0x20;
    await writeFile(out, bytes);
    const bad = await vigil('compliance', 'verify-report', out, '--data-dir', dataDir);
    assert.equal(bad.code, 1, `${format}: a changed byte must fail`);
    assert.match(bad.stderr, /^vigil: verify-report: /);
  }
});

test('ok/the risk register exports as CSV', async () => {
  const r = await vigil('risks', 'export', '--format', 'csv', '--data-dir', dataDir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^id,title,threat,assets,likelihood,impact,inherentScore/);
  assert.match(r.stdout, /RISK-AUDIT-TAMPER/);
});
