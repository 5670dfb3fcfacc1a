/**
 * `npm run bench -- at-rest [--rows N] [--batch B] [--cipher-module PATH]`: the two designs of
 * issue 11 for vitals at rest, measured side by side in isolation on the same workload (ADR 0008):
 *
 *  - plain:      better-sqlite3 (Vigil's driver), values in clear: the baseline;
 *  - sealed:     the same, each value sealed by keys/ BulkSealer (AES-256-GCM, row-bound AAD)
 *                before the INSERT and opened after the SELECT: Vigil's design;
 *  - whole-file: better-sqlite3-multiple-ciphers 12.x (the whole database file encrypted), with its
 *                default cipher (ChaCha20-Poly1305) and with cipher='sqlcipher' (AES-256-CBC +
 *                HMAC-SHA512). It is NOT a dependency of Vigil: install it anywhere
 *                (`npm install better-sqlite3-multiple-ciphers@12` in a scratch directory) and pass
 *                that package's directory with --cipher-module; without it, these rows are skipped.
 *
 * Workload: Vigil's readings table and indexes (after 0014, sealed column included), WAL with
 * synchronous=FULL as Vigil opens SQLite, N readings inserted in transactions of B rows (a group
 * commit's size), attributed to 50 patients; then every reading of one patient read back by the
 * (org, patient, metric, time) index, as a 24-hour range would. Figures are rows per second; ratios
 * are against `plain` of the same run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createBulkSealer, initKeyStore, type WrappedDataKey } from '../keys/index.js';
import { systemClock } from '../kernel/index.js';
import { decodeValues, encodeValues, readingContext, type VitalsSealing } from '../telemetry/index.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { rows: { type: 'string', default: '200000' }, batch: { type: 'string', default: '400' }, 'cipher-module': { type: 'string' } },
  allowPositionals: true,
});
const ROWS = Math.max(1000, Number(values.rows));
const BATCH = Math.max(1, Number(values.batch));
const PATIENTS = 50;

type Db = Database.Database;
type Open = (file: string) => Db;

const DDL = [
  `CREATE TABLE telemetry_readings (org_id text NOT NULL, device_id text NOT NULL, patient_id text, seq integer NOT NULL, idx integer NOT NULL,
    metric text NOT NULL, value real, unit text NOT NULL, measured_at text NOT NULL, received_at text NOT NULL, digest text, value_sealed blob)`,
  'CREATE UNIQUE INDEX r_device_time ON telemetry_readings (device_id, measured_at, seq, idx)',
  'CREATE UNIQUE INDEX r_patient_key ON telemetry_readings (device_id, seq, idx) WHERE patient_id IS NOT NULL',
  'CREATE INDEX r_patient_metric_time ON telemetry_readings (org_id, patient_id, metric, measured_at, value) WHERE patient_id IS NOT NULL',
  'CREATE INDEX r_org_patient_time ON telemetry_readings (org_id, patient_id, measured_at, device_id, seq) WHERE patient_id IS NOT NULL',
];

interface Row {
  org_id: string;
  device_id: string;
  patient_id: string;
  seq: number;
  idx: number;
  metric: string;
  value: number;
  measured_at: string;
}

function rowAt(i: number): Row {
  const p = i % PATIENTS;
  return {
    org_id: 'org-bench',
    device_id: `device-${String(p).padStart(4, '0')}`,
    patient_id: `patient-${String(p).padStart(4, '0')}`,
    seq: Math.floor(i / PATIENTS) + 1,
    idx: 0,
    metric: '8867-4',
    value: 60 + (i % 400) / 8,
    measured_at: new Date(Date.UTC(2026, 10, 28) + Math.floor(i / PATIENTS) * 1000).toISOString(),
  };
}

const identity = (r: Row) => ({ orgId: r.org_id, deviceId: r.device_id, patientId: r.patient_id, seq: r.seq, idx: r.idx, metric: r.metric, measuredAt: r.measured_at });

async function measure(label: string, open: Open, sealing: VitalsSealing | undefined, dir: string) {
  const db = open(join(dir, `${label}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  for (const ddl of DDL) db.exec(ddl);
  const insert = db.prepare(
    'INSERT INTO telemetry_readings (org_id, device_id, patient_id, seq, idx, metric, value, value_sealed, unit, measured_at, received_at, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const started = performance.now();
  for (let i = 0; i < ROWS; i += BATCH) {
    if (sealing) await sealing.prepare();
    const batch = db.transaction((from: number) => {
      for (let j = from; j < Math.min(ROWS, from + BATCH); j++) {
        const r = rowAt(j);
        const sealed = sealing ? sealing.seal(encodeValues(r.value), readingContext(identity(r))) : null;
        insert.run(r.org_id, r.device_id, r.patient_id, r.seq, r.idx, r.metric, sealed ? null : r.value, sealed, '/min', r.measured_at, r.measured_at, null);
      }
    });
    batch(i);
  }
  const insertSeconds = (performance.now() - started) / 1000;
  const select = db.prepare(
    "SELECT org_id, device_id, patient_id, seq, idx, metric, measured_at, value, value_sealed FROM telemetry_readings WHERE org_id = 'org-bench' AND patient_id = ? AND metric = '8867-4' AND measured_at >= ? ORDER BY measured_at",
  );
  const readStarted = performance.now();
  let read = 0;
  let checksum = 0;
  const reads = 20;
  for (let k = 0; k < reads; k++) {
    const rows = select.all(`patient-${String(k % PATIENTS).padStart(4, '0')}`, '2000-01-01') as (Row & { value: number | null; value_sealed: Buffer | null })[];
    const vals = sealing
      ? (await sealing.openMany(rows.map((r) => ({ sealed: r.value_sealed as Buffer, context: readingContext(identity(r)) })))).map((b) => decodeValues(b, 1)[0] ?? 0)
      : rows.map((r) => Number(r.value));
    for (const v of vals) checksum += v;
    read += rows.length;
  }
  const readSeconds = (performance.now() - readStarted) / 1000;
  db.close();
  return { label, insertRowsPerSecond: Math.round(ROWS / insertSeconds), readRowsPerSecond: Math.round(read / readSeconds), checksum: Math.round(checksum) };
}

const root = await mkdtemp(join(tmpdir(), 'vigil-bench-at-rest-'));
try {
  const keys = await initKeyStore({ dataDir: join(root, 'keys'), masterKey: 'a'.repeat(64), clock: systemClock });
  const stored = new Map<string, WrappedDataKey>();
  const sealing = createBulkSealer(
    keys,
    {
      insert: (k) => Promise.resolve(void stored.set(k.id, k)),
      find: (ids) => Promise.resolve(ids.map((id) => stored.get(id)).filter((k): k is WrappedDataKey => k !== undefined)),
      notUnder: () => Promise.resolve([]),
      replaceWrap: () => Promise.resolve(false),
      countByKek: () => Promise.resolve(new Map()),
    },
    systemClock,
  );
  const plainOpen: Open = (file) => new Database(file);
  let cipherOpen: ((cipher: string) => Open) | undefined;
  if (values['cipher-module'] !== undefined) {
    const Mc = createRequire(import.meta.url)(values['cipher-module']) as new (file: string) => Db;
    cipherOpen = (cipher) => (file) => {
      const db = new Mc(file);
      db.pragma(`cipher = '${cipher}'`);
      db.pragma(`key = 'bench-key-${'x'.repeat(32)}'`);
      return db;
    };
  }
  const results = [];
  // Two passes in alternating order, the better of each kept: the machine is shared and noisy.
  const designs: [string, Open, VitalsSealing | undefined][] = [
    ['plain', plainOpen, undefined],
    ['sealed (Vigil: BulkSealer per value)', plainOpen, sealing],
    ...(cipherOpen ? ([['whole-file chacha20', cipherOpen('chacha20'), undefined], ['whole-file sqlcipher', cipherOpen('sqlcipher'), undefined]] as [string, Open, undefined][]) : []),
  ];
  const best = new Map<string, { insertRowsPerSecond: number; readRowsPerSecond: number }>();
  for (const pass of [0, 1]) {
    for (const [label, open, s] of pass === 0 ? designs : [...designs].reverse()) {
      const r = await measure(`${label.replace(/\W+/g, '-')}-${pass}`, open, s, root);
      results.push({ ...r, label, pass });
      const b = best.get(label);
      best.set(label, { insertRowsPerSecond: Math.max(b?.insertRowsPerSecond ?? 0, r.insertRowsPerSecond), readRowsPerSecond: Math.max(b?.readRowsPerSecond ?? 0, r.readRowsPerSecond) });
    }
  }
  const base = best.get('plain') ?? { insertRowsPerSecond: 1, readRowsPerSecond: 1 };
  const report = {
    bench: 'at-rest',
    rows: ROWS,
    batch: BATCH,
    runs: results,
    best: [...best.entries()].map(([label, b]) => ({
      label,
      ...b,
      insertRatio: Math.round((b.insertRowsPerSecond / base.insertRowsPerSecond) * 100) / 100,
      readRatio: Math.round((b.readRowsPerSecond / base.readRowsPerSecond) * 100) / 100,
    })),
    wholeFile: cipherOpen ? 'measured' : 'skipped (no --cipher-module)',
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await rm(root, { recursive: true, force: true });
}
