/**
 * Attack tests: every kind of tampering with the audit log is detected by offline verification,
 * which names the first bad sequence number. The attacker here has full write access to the
 * SQLite file (they drop the append-only triggers first).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { generateKeyPairSync, sign } from 'node:crypto';
import Database from 'better-sqlite3';
import { AUDIT_GENESIS_HASH, checkpointSigningPayload } from '@vigil/protocol';
import { runAuditVerify } from '../cli/audit-commands.js';
import { validate } from '../config/index.js';
import { appendEvents, makePlatform, type TestPlatform } from './fixtures.js';
import { rehash, rowAt, type Row } from './audit-tamper-fixtures.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'cli.js');

let base: TestPlatform;
let scratch: string;

before(async () => {
  base = await makePlatform({ audit: { checkpointEvery: 5, checkpointIntervalSeconds: 60 } });
  await appendEvents(base.platform, 23, 5);
  await base.platform.close();
  scratch = await mkdtemp(join(tmpdir(), 'vigil-tamper-'));
});
after(async () => {
  await base.dispose();
  await rm(scratch, { recursive: true, force: true });
});

/** Copies the pristine data directory and hands the attacker a raw connection without triggers. */
async function tampered(name: string, attack: (db: Database.Database) => void): Promise<string> {
  const dir = join(scratch, name);
  await cp(base.dataDir, dir, { recursive: true });
  const db = new Database(join(dir, 'vigil.db'));
  for (const t of ['audit_events_no_update', 'audit_events_no_delete', 'audit_checkpoints_no_update', 'audit_checkpoints_no_delete']) {
    db.exec(`DROP TRIGGER IF EXISTS ${t}`);
  }
  attack(db);
  db.close();
  return dir;
}

/** Verifies in one pass and in three parallel ranges; both must reach the same verdict. */
async function verify(dataDir: string) {
  const config = validate({ dataDir }).config;
  const single = await runAuditVerify({ config, workers: 1 });
  const parallel = await runAuditVerify({ config, workers: 3 });
  const verdict = (r: typeof single) => ({ ok: r.ok, firstBadSeq: r.firstBadSeq, problem: r.problem });
  assert.deepEqual(verdict(parallel), verdict(single), 'parallel ranges agree with one pass');
  if (single.ok) assert.equal(parallel.eventsVerified, single.eventsVerified);
  return single;
}

describe('audit verify', () => {
  test('ok/an untouched log verifies: 23 events, 5 checkpoints (the last signed at close)', async () => {
    const result = await verify(base.dataDir);
    assert.equal(result.ok, true, result.message);
    assert.equal(result.eventsVerified, 23);
    assert.equal(result.checkpointsVerified, 5);
  });

  test('fail/a field edited', async () => {
    const dir = await tampered('edited', (db) => db.prepare("UPDATE audit_events SET outcome = 'denied' WHERE seq = 9").run());
    const result = await verify(dir);
    assert.equal(result.ok, false);
    assert.equal(result.firstBadSeq, 9);
    assert.equal(result.problem, 'hash-mismatch');
  });

  test('fail/a row deleted', async () => {
    const dir = await tampered('deleted', (db) => db.prepare('DELETE FROM audit_events WHERE seq = 12').run());
    const result = await verify(dir);
    assert.equal(result.firstBadSeq, 12);
    assert.equal(result.problem, 'sequence-gap');
  });

  test('fail/two rows swapped', async () => {
    const dir = await tampered('swapped', (db) => {
      const a = rowAt(db, 14);
      const b = rowAt(db, 15);
      const cols = Object.keys(a).filter((c) => c !== 'seq');
      const set = cols.map((c) => `${c} = @${c}`).join(', ');
      db.prepare(`UPDATE audit_events SET event_id = 'tmp-' || event_id WHERE seq IN (14, 15)`).run();
      db.prepare(`UPDATE audit_events SET ${set} WHERE seq = 14`).run({ ...b, seq: undefined });
      db.prepare(`UPDATE audit_events SET ${set} WHERE seq = 15`).run({ ...a, seq: undefined });
    });
    const result = await verify(dir);
    assert.equal(result.ok, false);
    assert.equal(result.firstBadSeq, 14);
  });

  test('fail/a row inserted (later rows renumbered)', async () => {
    const dir = await tampered('inserted', (db) => {
      const rows = db.prepare('SELECT * FROM audit_events WHERE seq >= 18 ORDER BY seq DESC').all() as Row[];
      for (const r of rows) db.prepare('UPDATE audit_events SET seq = seq + 1 WHERE seq = ?').run(r.seq);
      const forged: Row = { ...rowAt(db, 17), seq: 18, event_id: 'forged-event', target_id: 'forged' };
      forged['prev_hash'] = rowAt(db, 17)['hash'];
      forged['hash'] = rehash(forged);
      const cols = Object.keys(forged);
      db.prepare(`INSERT INTO audit_events (${cols.join(',')}) VALUES (${cols.map((c) => `@${c}`).join(',')})`).run(forged);
    });
    const result = await verify(dir);
    assert.equal(result.ok, false);
    assert.equal(result.firstBadSeq, 19, 'the forged row itself chains; the next row does not follow it');
    assert.equal(result.problem, 'prev-hash-mismatch');
  });

  test('fail/the chain recomputed after an edit is caught by the signed checkpoint', async () => {
    const dir = await tampered('rechained', (db) => {
      db.prepare("UPDATE audit_events SET action = 'test.thing.erase' WHERE seq = 6").run();
      let prev = rowAt(db, 5)['hash'] as string;
      for (let seq = 6; seq <= 23; seq += 1) {
        const row = { ...rowAt(db, seq), prev_hash: prev };
        const hash = rehash(row);
        db.prepare('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, seq);
        prev = hash;
      }
      db.prepare('UPDATE audit_head SET hash = ?').run(prev);
    });
    const result = await verify(dir);
    assert.equal(result.firstBadSeq, 10);
    assert.equal(result.problem, 'checkpoint-hash-mismatch');
  });

  test('fail/the tail truncated after a checkpoint', async () => {
    const dir = await tampered('truncated', (db) => {
      db.prepare('DELETE FROM audit_events WHERE seq > 17').run();
      db.prepare("UPDATE audit_head SET seq = 17, hash = (SELECT hash FROM audit_events WHERE seq = 17)").run();
    });
    const result = await verify(dir);
    assert.equal(result.ok, false);
    assert.equal(result.firstBadSeq, 18);
    assert.equal(result.problem, 'truncated');
  });

  test('fail/a checkpoint signature forged with another key', async () => {
    const dir = await tampered('forged-checkpoint', (db) => {
      const cp = db.prepare('SELECT * FROM audit_checkpoints WHERE seq = 15').get() as { seq: number; hash: string; time: string; key_id: string };
      const { privateKey } = generateKeyPairSync('ed25519');
      const payload = checkpointSigningPayload({ seq: cp.seq, hash: AUDIT_GENESIS_HASH, time: cp.time, keyId: cp.key_id });
      const signature = sign(null, Buffer.from(payload), privateKey).toString('base64');
      db.prepare('UPDATE audit_checkpoints SET hash = ?, signature = ? WHERE seq = 15').run(AUDIT_GENESIS_HASH, signature);
    });
    const result = await verify(dir);
    assert.equal(result.firstBadSeq, 15);
    assert.equal(result.problem, 'checkpoint-signature-invalid');
  });

  test('fail/the CLI exits non-zero and names the first bad seq; ok/exits 0 on a clean log', async () => {
    const dir = await tampered('cli', (db) => db.prepare("UPDATE audit_events SET source = '10.0.0.9' WHERE seq = 3").run());
    const bad = await run(process.execPath, [CLI, 'audit', 'verify', '--data-dir', dir]).then(
      () => assert.fail('verify should fail'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /seq 3/);
    const good = await run(process.execPath, [CLI, 'audit', 'verify', '--data-dir', base.dataDir]);
    assert.match(good.stdout, /23 events/);
  });
});
