/**
 * Durability (issue 4 "Tests must show"): ingest runs in a child process that is killed with
 * SIGKILL at random points, at least 5 times, and restarted. Device clients resend what they did
 * not see acknowledged. At the end every message a client saw acknowledged is stored exactly once
 * (and nothing else is). Loopback only; bounded to well under a minute.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deviceTopic } from '@vigil/protocol';
import type { MqttClient } from 'mqtt';
import { caPaths } from '../identity/ca/index.js';
import { openDatabase } from '../storage/index.js';
import { makeDevicePki, type IssuedCert } from './device-pki.js';
import { connectDevice, envelope } from './mqtt-clients.js';

const CHILD = fileURLToPath(new URL('./ingest-child.js', import.meta.url));
const DEVICES = ['device-dur-0001', 'device-dur-0002', 'device-dur-0003'];
const KILLS = 6;

function startChild(dataDir: string, registry: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [CHILD, dataDir, registry], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child did not start')), 20_000);
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^READY (\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]) });
      }
    });
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

class Device {
  readonly sent = new Map<number, string>();
  readonly acked = new Set<number>();
  /** Messages sent again after a kill because no PUBACK had arrived. */
  resent = 0;
  next = 1;
  constructor(
    readonly id: string,
    readonly cert: IssuedCert,
  ) {}

  payload(seq: number): string {
    let body = this.sent.get(seq);
    if (!body) this.sent.set(seq, (body = JSON.stringify(envelope(this.id, seq, new Date(), 60 + (seq % 40)))));
    return body;
  }

  /** Resends what was not acknowledged, in order, then publishes new messages until the connection drops. */
  async run(client: MqttClient, stopAt: number): Promise<void> {
    const topic = deviceTopic(this.id, 'telemetry');
    // mqtt.js keeps an unacknowledged QoS 1 publish pending across a lost connection: stop waiting at close.
    const lost = new Promise<void>((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));
    const publish = (seq: number) =>
      Promise.race([
        client.publishAsync(topic, this.payload(seq), { qos: 1 }).then(
          () => void this.acked.add(seq),
          () => undefined,
        ),
        lost,
      ]);
    for (const seq of [...this.sent.keys()].filter((s) => !this.acked.has(s)).sort((a, b) => a - b)) {
      if (!client.connected) return;
      this.resent += 1;
      await publish(seq);
    }
    const inflight = new Set<Promise<void>>();
    while (client.connected && Date.now() < stopAt) {
      const p = publish(this.next++);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      if (inflight.size >= 8) await Promise.race(inflight);
    }
    await Promise.race([Promise.all(inflight), new Promise((r) => setTimeout(r, 1000))]);
  }
}

test('ok/every acknowledged message survives repeated SIGKILLs, stored exactly once', { timeout: 120_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'vigil-durability-'));
  const dataDir = join(root, 'data');
  try {
    const pki = await makeDevicePki();
    const registry = join(root, 'registry.json');
    await writeFile(registry, JSON.stringify({ deviceCaPem: pki.deviceCa.certPem, devices: DEVICES, groupCommitMs: 3 }));
    const devices = await Promise.all(DEVICES.map(async (id) => new Device(id, await pki.device(id))));
    for (let round = 0; round <= KILLS; round += 1) {
      const { child, port } = await startChild(dataDir, registry);
      const serverCaPem = await readFile(caPaths(dataDir).rootCertFile, 'utf8');
      const clients = await Promise.all(devices.map((d) => connectDevice({ port, serverCaPem, cert: d.cert, clientId: d.id })));
      const lastRound = round === KILLS;
      // Kill at a random point while messages are in flight; the last round drains and stops cleanly.
      const runFor = lastRound ? 400 : 150 + Math.floor(Math.random() * 600);
      const runs = clients.map((c, i) => (c.ok ? devices[i]!.run(c.client, Date.now() + runFor + (lastRound ? 0 : 10_000)) : Promise.resolve()));
      if (lastRound) {
        await Promise.all(runs);
        await Promise.all(clients.map((c) => (c.ok ? c.client.endAsync() : Promise.resolve())));
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      } else {
        await new Promise((r) => setTimeout(r, runFor));
        await kill(child);
        await Promise.all(runs);
        for (const c of clients) if (c.ok) c.client.end(true);
      }
    }
    const database = await openDatabase({ dataDir });
    try {
      let acked = 0;
      for (const d of devices) {
        const rows = await database.db.selectFrom('telemetry_readings').select(['seq']).where('device_id', '=', d.id).where('idx', '=', 0).execute();
        const stored = rows.map((r) => Number(r.seq));
        assert.equal(new Set(stored).size, stored.length, `${d.id}: no seq stored twice`);
        for (const seq of d.acked) assert.ok(stored.includes(seq), `${d.id}: acknowledged seq ${seq} is stored`);
        for (const seq of stored) assert.ok(d.sent.has(seq), `${d.id}: stored seq ${seq} was sent`);
        acked += d.acked.size;
      }
      const sent = devices.reduce((n, d) => n + d.sent.size, 0);
      const resent = devices.reduce((n, d) => n + d.resent, 0);
      t.diagnostic(`${KILLS} SIGKILLs; ${sent} messages sent, ${resent} resent after a kill, ${acked} acknowledged, all stored once`);
      assert.ok(acked > 50, `enough traffic to mean something (${acked} acknowledged)`);
    } finally {
      await database.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
