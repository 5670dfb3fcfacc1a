import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CommandEnvelope } from '@vigil/protocol';
import { CommandDispatcher } from './command-handler.js';
import { NonceCache } from './nonce-cache.js';

const NOW = Date.parse('2026-11-28T12:00:00.000Z');

function command(overrides: Partial<Record<keyof CommandEnvelope, unknown>> = {}): Record<string, unknown> {
  return {
    v: 1,
    commandId: `cmd_${randomBytes(4).toString('hex')}`,
    nonce: randomBytes(16).toString('base64url'),
    name: 'identify',
    args: { seconds: 5 },
    issuedAt: new Date(NOW - 1_000).toISOString(),
    expiresAt: new Date(NOW + 60_000).toISOString(),
    ...overrides,
  };
}

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

async function dispatcher(t: { after: (fn: () => Promise<void>) => void }, path?: string) {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-sdk-cmd-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const noncesFile = path ?? join(dir, 'nonces.json');
  const d = new CommandDispatcher({ nonces: await NonceCache.open(noncesFile), now: () => NOW });
  const calls: unknown[] = [];
  d.on('identify', (args) => {
    calls.push(args);
  });
  d.on('reboot', () => ({ status: 'failed', reason: 'busy' }));
  d.on('explode', () => {
    throw new Error('local secret detail');
  });
  return { d, calls, noncesFile };
}

const cases: Array<{ name: string; input: Record<string, unknown>; status: string; reason?: string; runs: boolean }> = [
  { name: 'ok/a valid command runs and is acknowledged done', input: command(), status: 'done', runs: true },
  { name: 'ok/a handler outcome is reported', input: command({ name: 'reboot' }), status: 'failed', reason: 'busy', runs: false },
  { name: 'fail/an expired command is rejected without running', input: command({ expiresAt: new Date(NOW - 1).toISOString() }), status: 'rejected', reason: 'expired', runs: false },
  { name: 'fail/a command valid for too long is rejected', input: command({ expiresAt: new Date(NOW + 30 * 86_400_000).toISOString() }), status: 'rejected', reason: 'ttl-too-long', runs: false },
  { name: 'fail/an unknown command is rejected', input: command({ name: 'format-disk' }), status: 'rejected', reason: 'unknown-command', runs: false },
  { name: 'fail/unknown keys make a command malformed', input: command({ ...{ extra: 1 } } as never), status: 'rejected', reason: 'malformed', runs: false },
  { name: 'fail/nested args make a command malformed', input: command({ args: { a: { b: 1 } } }), status: 'rejected', reason: 'malformed', runs: false },
  { name: 'fail/a handler exception is reported without its message', input: command({ name: 'explode' }), status: 'failed', reason: 'handler-error', runs: false },
];

for (const c of cases) {
  test(c.name, async (t) => {
    const { d, calls } = await dispatcher(t);
    const ack = await d.dispatch(bytes(c.input));
    assert.ok(ack);
    assert.equal(ack.status, c.status);
    assert.equal(ack.reason, c.reason);
    assert.equal(ack.commandId, c.input.commandId);
    assert.equal(ack.nonce, c.input.nonce);
    assert.equal(calls.length, c.runs ? 1 : 0);
    assert.doesNotMatch(JSON.stringify(ack), /secret/);
  });
}

test('fail/a replayed nonce is rejected, also after a restart (persisted cache)', async (t) => {
  const { d, calls, noncesFile } = await dispatcher(t);
  const first = command();
  assert.equal((await d.dispatch(bytes(first)))?.status, 'done');
  const replay = { ...first, commandId: 'cmd_other' };
  assert.equal((await d.dispatch(bytes(replay)))?.reason, 'replayed-nonce');
  const restarted = new CommandDispatcher({ nonces: await NonceCache.open(noncesFile), now: () => NOW });
  restarted.on('identify', () => {
    calls.push('again');
  });
  assert.equal((await restarted.dispatch(bytes(first)))?.reason, 'replayed-nonce');
  assert.equal(calls.length, 1);
});

test('fail/two concurrent deliveries of one nonce run the handler once', async (t) => {
  const { d, calls } = await dispatcher(t);
  const c = command();
  const acks = await Promise.all([d.dispatch(bytes(c)), d.dispatch(bytes(c))]);
  assert.deepEqual(acks.map((a) => a?.status).sort(), ['done', 'rejected']);
  assert.equal(calls.length, 1);
});

test('ok/nonces are forgotten once their command expired (the expiry check covers them)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-sdk-nonce-'));
  try {
    const cache = await NonceCache.open(join(dir, 'n.json'), 2);
    assert.equal(await cache.checkAndRecord('a'.repeat(22), NOW + 10, NOW), 'fresh');
    assert.equal(await cache.checkAndRecord('b'.repeat(22), NOW + 10_000, NOW), 'fresh');
    assert.equal(await cache.checkAndRecord('c'.repeat(22), NOW + 10_000, NOW), 'full');
    assert.equal(await cache.checkAndRecord('c'.repeat(22), NOW + 10_000, NOW + 11), 'fresh');
    assert.equal(cache.size, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('fail/payloads that cannot be identified are dropped, not acknowledged', async (t) => {
  const { d } = await dispatcher(t);
  for (const raw of [Buffer.from('not json'), bytes([1, 2]), bytes(command({ nonce: 'short' })), bytes(command({ commandId: 7 })), Buffer.alloc(20_000, 0x20)]) {
    assert.equal(await d.dispatch(raw), undefined);
  }
});
