import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bucketOf, decideRetention, DEFAULT_RETENTION, type DatedBackup, type RetentionPolicy } from './retention.js';

const START = Date.UTC(2025, 0, 1);
/** A generated calendar: backups at random minutes over ~2 years, some hours skipped, some doubled. */
const calendar = fc
  .uniqueArray(fc.integer({ min: 0, max: 2 * 366 * 24 * 60 }), { minLength: 0, maxLength: 400 })
  .map((minutes): DatedBackup[] => minutes.map((m, i) => ({ id: `b${String(i).padStart(4, '0')}`, at: new Date(START + m * 60_000) })));
const policy = fc.record({
  hourly: fc.integer({ min: 0, max: 30 }),
  daily: fc.integer({ min: 0, max: 20 }),
  weekly: fc.integer({ min: 0, max: 10 }),
  monthly: fc.integer({ min: 0, max: 14 }),
});

describe('grandfather-father-son retention', () => {
  it('ok/keeps the newest, at most the sum of the tiers, and every backup is kept or pruned once', () => {
    fc.assert(
      fc.property(calendar, policy, (backups, p: RetentionPolicy) => {
        const { keep, prune } = decideRetention(backups, p);
        assert.equal(keep.size + prune.length, backups.length);
        assert.ok(keep.size <= p.hourly + p.daily + p.weekly + p.monthly);
        for (const id of prune) assert.ok(!keep.has(id));
        const newest = [...backups].sort((a, b) => b.at.getTime() - a.at.getTime())[0];
        if (newest && p.hourly + p.daily + p.weekly + p.monthly > 0) assert.ok(keep.has(newest.id));
      }),
    );
  });

  it('ok/pruning twice deletes nothing more (idempotent)', () => {
    fc.assert(
      fc.property(calendar, policy, (backups, p) => {
        const first = decideRetention(backups, p);
        const kept = backups.filter((b) => first.keep.has(b.id));
        const second = decideRetention(kept, p);
        assert.deepEqual(second.prune, []);
        assert.deepEqual(new Set(second.keep.keys()), new Set(first.keep.keys()));
      }),
    );
  });

  it('ok/each tier keeps the newest backup of each of its N most recent buckets', () => {
    fc.assert(
      fc.property(calendar, policy, (backups, p) => {
        const { keep } = decideRetention(backups, p);
        for (const tier of ['hourly', 'daily', 'weekly', 'monthly'] as const) {
          const newestPerBucket = new Map<string, DatedBackup>();
          for (const b of backups) {
            const key = bucketOf(tier, b.at);
            const best = newestPerBucket.get(key);
            if (!best || b.at > best.at) newestPerBucket.set(key, b);
          }
          const recent = [...newestPerBucket.values()].sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, p[tier]);
          for (const b of recent) assert.ok(keep.has(b.id), `${tier} should keep ${b.id}`);
        }
      }),
    );
  });

  it('ok/hourly backups for 400 days under the default policy keep 24+14+8+12 at most, tiered', () => {
    const backups = Array.from({ length: 400 * 24 }, (_, i) => ({ id: `h${i}`, at: new Date(START + i * 3_600_000) }));
    const { keep, prune } = decideRetention(backups, DEFAULT_RETENTION);
    assert.ok(keep.size <= 58 && keep.size >= 50, `kept ${keep.size}`);
    assert.equal(keep.get(`h${400 * 24 - 1}`), 'monthly');
    assert.equal([...keep.values()].filter((t) => t === 'hourly').length > 0, true);
    assert.equal(prune.length, backups.length - keep.size);
  });

  it('ok/ISO weeks: 2026-01-01 (Thursday) is week 1; 2024-12-30 (Monday) is 2025-W01', () => {
    assert.equal(bucketOf('weekly', new Date('2026-01-01T12:00:00Z')), '2026-W01');
    assert.equal(bucketOf('weekly', new Date('2024-12-30T00:00:00Z')), '2025-W01');
    assert.equal(bucketOf('weekly', new Date('2027-01-01T00:00:00Z')), '2026-W53');
  });
});
