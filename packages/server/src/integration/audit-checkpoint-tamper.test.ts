/**
 * Attack tests (issue 11, item 1): the audit log must not verify with its checkpoints deleted, and
 * a chain re-signed with a stolen key must disagree with the witness kept outside the database.
 * The attacker has full write access to the SQLite file (triggers dropped) and, in one test, the
 * audit-signing key. Each attack fails verification naming the first bad position, from the
 * database (one pass and parallel ranges) and from an export (`vigil audit verify --file`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { checkpointSigningPayload } from '@vigil/protocol';
import { runAuditExport, runAuditVerify } from '../cli/audit-commands.js';
import { validate } from '../config/index.js';
import { keyStorePaths } from '../keys/index.js';
import { openPlatform, type Platform } from '../main.js';
import { appendEvents, makePlatform, type TestPlatform } from './fixtures.js';
import { rehashFrom } from './audit-tamper-fixtures.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'cli.js');
const AUDIT = { checkpointEvery: 5, checkpointIntervalSeconds: 60 };

let base: TestPlatform;
let thief: Platform;
let scratch: string;
let later: Date;

before(async () => {
  base = await makePlatform({ audit: AUDIT });
  await appendEvents(base.platform, 23, 7); // batches of 7: checkpoints still land at 5, 10, 15, 20
  await base.platform.close(); // signs the tail (23) and writes the witness
  later = new Date(base.clock.now().getTime() + 86_400_000);
  // The stolen key: the attacker holds the data directory, master key included.
  thief = await openPlatform({ config: base.config, env: {}, clock: base.clock });
  scratch = await mkdtemp(join(tmpdir(), 'vigil-cp-tamper-'));
});
after(async () => {
  await thief.close();
  await base.dispose();
  await rm(scratch, { recursive: true, force: true });
});

async function tampered(name: string, attack: (db: Database.Database) => void): Promise<string> {
  const dir = join(scratch, name);
  await cp(base.dataDir, dir, { recursive: true });
  const db = new Database(join(dir, 'vigil.db'));
  for (const t of ['audit_events_no_update', 'audit_events_no_delete', 'audit_checkpoints_no_update', 'audit_checkpoints_no_delete']) db.exec(`DROP TRIGGER IF EXISTS ${t}`);
  attack(db);
  db.close();
  return dir;
}

interface Verdict {
  ok: boolean;
  firstBadSeq: number | undefined;
  problem: string | undefined;
  message: string;
}

/** One pass, parallel ranges, and the export: all three must agree. */
async function verify(dataDir: string, witness?: string): Promise<Verdict> {
  const config = validate({ dataDir, audit: AUDIT }).config;
  const opts = { config, now: later, ...(witness !== undefined ? { witnessFile: witness } : {}) };
  const single = await runAuditVerify({ ...opts, workers: 1 });
  const parallel = await runAuditVerify({ ...opts, workers: 3 });
  const exported = join(dataDir, 'export.jsonl');
  await runAuditExport(config, exported);
  const keys = keyStorePaths(dataDir).publicKeysFile;
  const fromFile = await runAuditVerify({ ...opts, file: exported, publicKeyFiles: [keys] });
  const verdict = (r: typeof single): Verdict => ({ ok: r.ok, firstBadSeq: r.firstBadSeq, problem: r.problem, message: r.message });
  assert.deepEqual({ ...verdict(parallel), message: '' }, { ...verdict(single), message: '' }, 'parallel ranges agree with one pass');
  assert.deepEqual({ ...verdict(fromFile), message: '' }, { ...verdict(single), message: '' }, 'the export verifies like the database');
  return verdict(single);
}

const witnessOf = (dir: string) => join(dir, 'audit-witness.jsonl');

function setHead(db: Database.Database, checkpointSeq: number): void {
  const time = (db.prepare('SELECT time FROM audit_checkpoints WHERE seq = ?').get(checkpointSeq) as { time: string } | undefined)?.time ?? null;
  db.prepare('UPDATE audit_head SET checkpoint_seq = ?, checkpoint_time = ?').run(checkpointSeq, time);
}

describe('audit verify: checkpoints deleted', () => {
  test('ok/the untouched log verifies against its witness: 23 events, 5 checkpoints, all witnessed', async () => {
    const v = await verify(base.dataDir, witnessOf(base.dataDir));
    assert.equal(v.ok, true, v.message);
    assert.match(v.message, /23 events, 5 signed checkpoints/);
    assert.match(v.message, /the witness agrees: 5 witnessed checkpoints/);
    const lines = (await readFile(witnessOf(base.dataDir), 'utf8')).trim().split('\n');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { seq: number }).seq), [5, 10, 15, 20, 23]);
  });

  test('fail/every checkpoint deleted: missing at seq 5', async () => {
    const dir = await tampered('all', (db) => db.exec('DELETE FROM audit_checkpoints'));
    const v = await verify(dir);
    assert.deepEqual([v.ok, v.firstBadSeq, v.problem], [false, 5, 'checkpoint-missing'], v.message);
  });

  test('fail/every checkpoint deleted and the head reset to none: still missing at seq 5', async () => {
    const dir = await tampered('all-head', (db) => {
      db.exec('DELETE FROM audit_checkpoints');
      db.exec('UPDATE audit_head SET checkpoint_seq = 0, checkpoint_time = NULL');
    });
    const v = await verify(dir);
    assert.deepEqual([v.ok, v.firstBadSeq, v.problem], [false, 5, 'checkpoint-missing'], v.message);
  });

  test('fail/the last 2 checkpoints deleted, head rewound: missing at seq 20', async () => {
    const dir = await tampered('last-k', (db) => {
      db.exec('DELETE FROM audit_checkpoints WHERE seq > 15');
      setHead(db, 15);
    });
    const v = await verify(dir);
    assert.deepEqual([v.ok, v.firstBadSeq, v.problem], [false, 20, 'checkpoint-missing'], v.message);
  });

  test('fail/the last checkpoint deleted, head left: the head names it (seq 23)', async () => {
    const dir = await tampered('last-1', (db) => db.exec('DELETE FROM audit_checkpoints WHERE seq = 23'));
    const v = await verify(dir);
    assert.deepEqual([v.ok, v.firstBadSeq, v.problem], [false, 23, 'checkpoint-missing'], v.message);
  });

  test('ok/a crash tail (last checkpoint gone, head consistent) is reported, and fail/the witness names the missing checkpoint', async () => {
    const dir = await tampered('crash-tail', (db) => {
      db.exec('DELETE FROM audit_checkpoints WHERE seq = 23');
      setHead(db, 20);
    });
    const v = await verify(dir);
    assert.equal(v.ok, true, v.message);
    assert.match(v.message, /unsigned tail: events 21\.\.23 \(3\)/);
    const w = await verify(dir, witnessOf(dir));
    assert.deepEqual([w.ok, w.firstBadSeq, w.problem], [false, 23, 'witness-checkpoint-missing'], w.message);
  });

  test('fail/the chain re-hashed after an edit at seq 6 and the later checkpoints deleted: missing at seq 10', async () => {
    const dir = await tampered('rehash-delete', (db) => {
      db.prepare("UPDATE audit_events SET action = 'test.thing.erase' WHERE seq = 6").run();
      rehashFrom(db, 6);
      db.exec('DELETE FROM audit_checkpoints WHERE seq >= 10');
      setHead(db, 5);
    });
    const v = await verify(dir);
    assert.deepEqual([v.ok, v.firstBadSeq, v.problem], [false, 10, 'checkpoint-missing'], v.message);
  });

  test('fail/the chain re-hashed and re-signed with the stolen key passes alone, but not against the witness (seq 10)', async () => {
    const signer = thief.keys.signer('audit-signing');
    const dir = await tampered('stolen-key', (db) => {
      db.prepare("UPDATE audit_events SET action = 'test.thing.erase' WHERE seq = 6").run();
      rehashFrom(db, 6);
      const cps = db.prepare('SELECT seq, time FROM audit_checkpoints WHERE seq >= 10').all() as { seq: number; time: string }[];
      for (const c of cps) {
        const hash = (db.prepare('SELECT hash FROM audit_events WHERE seq = ?').get(c.seq) as { hash: string }).hash;
        const payload = checkpointSigningPayload({ seq: c.seq, hash, time: c.time, keyId: signer.keyId });
        const signature = Buffer.from(signer.sign(Buffer.from(payload))).toString('base64');
        db.prepare('UPDATE audit_checkpoints SET hash = ?, key_id = ?, signature = ? WHERE seq = ?').run(hash, signer.keyId, signature, c.seq);
      }
    });
    const alone = await verify(dir);
    assert.equal(alone.ok, true, 'with the signing key stolen, the database alone cannot tell');
    const w = await verify(dir, witnessOf(dir));
    assert.deepEqual([w.ok, w.firstBadSeq, w.problem], [false, 10, 'witness-mismatch'], w.message);
  });

  test('fail/the witness truncated by two lines: the first unwitnessed checkpoint is named (seq 20)', async () => {
    const dir = await tampered('witness-cut', () => undefined);
    const lines = (await readFile(witnessOf(dir), 'utf8')).split('\n').filter((l) => l !== '');
    await writeFile(witnessOf(dir), `${lines.slice(0, 3).join('\n')}\n`);
    const v = await verify(dir, witnessOf(dir));
    assert.deepEqual([v.ok, v.firstBadSeq, v.problem], [false, 20, 'checkpoint-unwitnessed'], v.message);
  });

  test('fail/the witness cut mid-line: the torn line is ignored, its checkpoint unwitnessed (seq 23)', async () => {
    const dir = await tampered('witness-torn', () => undefined);
    const text = await readFile(witnessOf(dir), 'utf8');
    await writeFile(witnessOf(dir), text.slice(0, text.length - 40));
    const v = await verify(dir, witnessOf(dir));
    assert.deepEqual([v.ok, v.firstBadSeq, v.problem], [false, 23, 'checkpoint-unwitnessed'], v.message);
  });

  test('ok/a checkpoint younger than the witness lag may still be unwitnessed', async () => {
    const dir = await tampered('witness-lag', () => undefined);
    const lines = (await readFile(witnessOf(dir), 'utf8')).split('\n').filter((l) => l !== '');
    await writeFile(witnessOf(dir), `${lines.slice(0, 4).join('\n')}\n`);
    const config = validate({ dataDir: dir, audit: AUDIT }).config;
    const soon = new Date(base.clock.now().getTime() + 30_000);
    const r = await runAuditVerify({ config, witnessFile: witnessOf(dir), now: soon, workers: 1 });
    assert.equal(r.ok, true, r.message);
  });

  test('fail/an export with the checkpoint lines filtered out (and the head line) fails at seq 5', async () => {
    const exported = join(scratch, 'filtered.jsonl');
    await runAuditExport(base.config, exported);
    const kept = (await readFile(exported, 'utf8')).split('\n').filter((l) => l.startsWith('{"kind":"event"'));
    await writeFile(exported, `${kept.join('\n')}\n`);
    const r = await runAuditVerify({ config: validate({ dataDir: base.dataDir, audit: AUDIT }).config, file: exported, publicKeyFiles: [keyStorePaths(base.dataDir).publicKeysFile] });
    assert.deepEqual([r.ok, r.firstBadSeq, r.problem], [false, 5, 'checkpoint-missing'], r.message);
  });

  test('fail/the CLI with --witness exits 1 naming the seq; ok/exits 0 on the clean log', async () => {
    const dir = await tampered('cli-witness', () => undefined);
    await writeFile(witnessOf(dir), '');
    const bad = await run(process.execPath, [CLI, 'audit', 'verify', '--data-dir', dir, '--witness', witnessOf(dir)], { env: { PATH: process.env['PATH'] ?? '', VIGIL_AUDIT_CHECKPOINT_EVERY: '5' } }).then(
      () => assert.fail('verify should fail'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /seq 5: the checkpoint at seq 5 .* is not in the witness/);
    const good = await run(process.execPath, [CLI, 'audit', 'verify', '--data-dir', base.dataDir, '--witness', witnessOf(base.dataDir)], { env: { PATH: process.env['PATH'] ?? '', VIGIL_AUDIT_CHECKPOINT_EVERY: '5' } });
    assert.match(good.stdout, /the witness agrees: 5 witnessed checkpoints/);
  });
});

describe('audit verify: events standing too long without a checkpoint', () => {
  test('fail/events over 200 s under one checkpoint (the interval job\'s checkpoints deleted, or never written): named at its first event', async () => {
    const t = await makePlatform({ audit: { checkpointEvery: 1000, checkpointIntervalSeconds: 60 } });
    try {
      for (let i = 0; i < 8; i += 1) {
        await appendEvents(t.platform, 1, 1);
        t.clock.advance(30_000);
      }
      await t.platform.close();
      const r = await runAuditVerify({ config: t.config, workers: 1 });
      assert.deepEqual([r.ok, r.firstBadSeq, r.problem], [false, 1, 'checkpoint-missing'], r.message);
      assert.match(r.message, /span 210 s under no signed checkpoint \(at most 130 s\)/);
    } finally {
      await t.dispose();
    }
  });

  test('ok/the same events with the interval job signing every 60 s verify', async () => {
    const t = await makePlatform({ audit: { checkpointEvery: 1000, checkpointIntervalSeconds: 60 } });
    try {
      for (let i = 0; i < 8; i += 1) {
        await appendEvents(t.platform, 1, 1);
        t.clock.advance(30_000);
        await t.platform.withAuditStore((store) => t.platform.auditLog.checkpointIfDue(store));
      }
      await t.platform.close();
      const r = await runAuditVerify({ config: t.config, workers: 1 });
      assert.equal(r.ok, true, r.message);
    } finally {
      await t.dispose();
    }
  });
});
