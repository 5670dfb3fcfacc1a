/**
 * A Vigil server in a child process, for the durability test and the bench: opens the platform in
 * the given data directory and starts it (HTTPS + MQTT on 127.0.0.1, random ports), with a fake
 * device registry read from a JSON file. Prints "READY <mqttPort>" once listening.
 *
 *   node ingest-child.js <dataDir> <registry.json>
 * registry.json: { "deviceCaPem": "...", "devices": ["device-id", ...], "groupCommitMs"?: 5 }
 * A line "mem" on stdin answers "MEM <rss> <heapUsed> <external> <connectedDevices>", and
 * "refusals" answers "REFUSALS <json counters>" (the bench).
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { validate } from '../config/index.js';
import { MemorySecurityEventSink } from '../kernel/index.js';
import { isInitialized, initialize, openPlatform, startServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { FakeDeviceRegistry } from './device-pki.js';

interface RegistryFile {
  readonly deviceCaPem: string;
  readonly devices: readonly string[];
  readonly groupCommitMs?: number;
  readonly messagesPerSecond?: number;
}

const [dataDir, registryPath] = process.argv.slice(2);
if (!dataDir || !registryPath) {
  console.error('usage: ingest-child <dataDir> <registry.json>');
  process.exit(2);
}
const spec = JSON.parse(readFileSync(registryPath, 'utf8')) as RegistryFile;
const { config } = validate({
  dataDir,
  logLevel: 'silent',
  httpPort: 0,
  mqttPort: 0,
  telemetry: { groupCommitMs: spec.groupCommitMs ?? 5 },
  // The bench and the durability test connect thousands of devices from one loopback source.
  mqtt: { messagesPerSecond: spec.messagesPerSecond ?? 10_000, burst: 100_000, sourceConnectionsPerMinute: 1_000_000, sourceConnectionBurst: 1_000_000 },
});
if (!(await isInitialized(config))) await initialize({ config, env: {} });
const platform = await openPlatform({ config, env: {} });
const registry = new FakeDeviceRegistry(spec.deviceCaPem);
for (const id of spec.devices) registry.add(id);
const server = await startServer(platform, createLogger({ level: 'silent' }), {
  devices: { authenticator: registry, caPem: spec.deviceCaPem, directory: registry },
  securityEvents: new MemorySecurityEventSink(),
});
process.stdout.write(`READY ${server.mqttPort}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'refusals') {
    process.stdout.write(`REFUSALS ${JSON.stringify(server.broker.refusals.snapshot())}\n`);
    return;
  }
  if (line.trim() !== 'mem') return;
  global.gc?.();
  const m = process.memoryUsage();
  process.stdout.write(`MEM ${m.rss} ${m.heapUsed} ${m.external} ${server.broker.connectedCount()}\n`);
});
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
