/**
 * One client process of `npm run bench -- updates`: runs `devices` SDK update clients (TUF refresh
 * and verified download), `concurrency` at a time, against one mirror, and prints a JSON line with
 * the failures and its own CPU time. Several of these run at once so the clients are not the
 * bottleneck of one event loop. Config: a JSON file named by argv[2].
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UpdateClient } from '@vigil/device-sdk';

interface ClientConfig {
  readonly url: string;
  readonly tls: { caCertificate: string; clientCert: { certPem: string; keyPem: string } };
  readonly trustedRoot: string;
  readonly devices: number;
  readonly concurrency: number;
  readonly stateDir: string;
  readonly currentVersion: string;
}

const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as ClientConfig;
let next = 0;
let failures = 0;
let firstError: string | undefined;
const cpu = process.cpuUsage();
const worker = async () => {
  while (next < config.devices) {
    const i = next++;
    const stateDir = join(config.stateDir, `d${i}`);
    const client = new UpdateClient({ model: 'pulse-ox', currentVersion: config.currentVersion, hardwareRevision: 'rev-a', mirrors: [config.url], trustedRoot: config.trustedRoot, stateDir, tls: config.tls, install: () => Promise.resolve() });
    try {
      const outcome = await client.update();
      if (outcome.status !== 'installed') {
        failures += 1;
        firstError ??= JSON.stringify(outcome).slice(0, 300);
      }
    } catch (error) {
      failures += 1;
      firstError ??= String(error).slice(0, 300);
    }
    await rm(stateDir, { recursive: true, force: true });
  }
};
await Promise.all(Array.from({ length: Math.max(1, Math.min(config.concurrency, config.devices)) }, worker));
const used = process.cpuUsage(cpu);
process.stdout.write(`${JSON.stringify({ failures, firstError, cpuSeconds: (used.user + used.system) / 1e6 })}\n`);
