/** FaultLog: one structured entry per kind and episode, then counted summaries (issue 17). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaultLog } from './fault-log.js';
import { createLogger } from './logger.js';

function capture(): { lines: () => Record<string, unknown>[]; write: (line: string) => void } {
  const raw: string[] = [];
  return { write: (line) => void raw.push(line), lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('FaultLog', () => {
  it('ok/1000 failures of one kind make one error entry with the code, then one summary', () => {
    const out = capture();
    const log = new FaultLog({ logger: createLogger({ destination: out }), message: 'storage commit failed', summaryEveryMs: 60_000 });
    const error = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    for (let i = 0; i < 1000; i += 1) log.report('disk-full', error);
    assert.equal(out.lines().length, 1);
    const [first] = out.lines();
    assert.equal(first?.['level'], 50);
    assert.equal(first?.['code'], 'SQLITE_FULL');
    assert.equal(first?.['kind'], 'disk-full');
    assert.match(JSON.stringify(first?.['err']), /database or disk is full/);
    log.close();
    const summary = out.lines()[1];
    assert.equal(summary?.['count'], 999);
    assert.equal(summary?.['total'], 1000);
  });

  it('ok/each kind gets its own first entry; a new episode after a quiet recovery logs in full again, a flap does not', () => {
    const out = capture();
    let now = 0;
    const log = new FaultLog({ logger: createLogger({ destination: out }), message: 'm', summaryEveryMs: 60_000, now: () => now });
    log.report('disk-full', new Error('a'));
    log.report('unreachable', new Error('b'));
    log.report('disk-full', new Error('a'));
    assert.equal(out.lines().filter((l) => l['level'] === 50).length, 2);
    log.resolved();
    now = 1_000;
    log.report('disk-full', new Error('a'));
    assert.equal(out.lines().filter((l) => l['level'] === 50).length, 2, 'a failure right after a recovery continues the episode');
    log.resolved();
    now = 120_000;
    log.report('disk-full', new Error('a'));
    assert.equal(out.lines().filter((l) => l['level'] === 50).length, 3);
    assert.ok(out.lines().some((l) => String(l['msg']).endsWith('recovered')));
    log.close();
  });
});
