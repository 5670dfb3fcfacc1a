import { createTestPki } from '../dist/testing/test-pki.js';
import { startTestBroker, startEnrollServer } from '../dist/testing/test-servers.js';
import { startFleet, Outbox } from '../dist/index.js';
import { mkdtempSync } from 'node:fs';
const dir = mkdtempSync('/tmp/perf-');
{
  const ob = await Outbox.open({ dir: dir + '/ob' });
  const t = Date.now(); const ps = [];
  for (let i = 0; i < 20000; i++) ps.push(ob.append((s) => JSON.stringify({ s, x: 'y'.repeat(250) })));
  await Promise.all(ps);
  console.log('outbox append 20000 (batched):', Date.now() - t, 'ms');
  const t2 = Date.now();
  for (let i = 0; i < 50; i++) await ob.append((s) => JSON.stringify({ s }));
  console.log('outbox append 50 sequential fsync:', Date.now() - t2, 'ms');
  await ob.close();
}
const pki = await createTestPki();
const b = await startTestBroker(pki);
const es = await startEnrollServer(pki, b.port);
const N = Number(process.argv[2] ?? 50), R = Number(process.argv[3] ?? 50);
const tokens = Array.from({ length: N }, (_, i) => 'tok' + i); tokens.forEach((t) => es.tokens.add(t));
let t = Date.now();
const fleet = await startFleet({ url: es.url, caCertificate: pki.root.certPem, stateDir: dir + '/fleet', devices: N, ratePerSecond: R, durationMs: 5000, tokens });
console.log('enrolled+opened', N, 'in', Date.now() - t, 'ms');
const mem0 = process.memoryUsage().rss;
await fleet.done;
const s = fleet.stats();
console.log(s, 'rate', Math.round(s.acked / 5), 'msg/s target', N * R, 'rss MB', Math.round(process.memoryUsage().rss / 1e6), Math.round(mem0/1e6));
await es.close(); await b.close();
