/**
 * A device process for the kill -9 test: sends readings as fast as the outbox accepts them and
 * prints `durable <seq>` once each is journaled. The parent kills it at random moments.
 * Usage: node crash-child.js <stateDir> <caFile> <mqttUrl>. Test code only.
 */
import { readFile } from 'node:fs/promises';
import { VigilDevice } from '../vigil-device.js';

const [stateDir, caFile, mqttUrl] = process.argv.slice(2);
if (stateDir === undefined || caFile === undefined || mqttUrl === undefined) throw new Error('usage: crash-child <stateDir> <caFile> <mqttUrl>');
const device = await VigilDevice.open({ stateDir, caCertificate: await readFile(caFile, 'utf8'), mqttUrl, backoff: { initialMs: 50, maxMs: 200 } });
device.start();
process.stdout.write('started\n');
for (let i = 0; ; i++) {
  const batch = Array.from({ length: 20 }, (_, k) => device.sendReadings([{ metric: '8867-4', value: 60 + ((i * 20 + k) % 40), unit: '/min' }]));
  for (const envelope of await Promise.all(batch)) process.stdout.write(`durable ${envelope.seq}\n`);
}
