/**
 * Monthly range partitions of telemetry_readings on PostgreSQL (PostgreSQL 17 docs §5.12
 * "Table Partitioning", declarative range partitioning). Names are telemetry_readings_yYYYYmMM;
 * bounds are ISO-8601 UTC text, which sorts in time order, so [from, to) is one calendar month.
 */
export interface MonthlyPartition {
  readonly name: string;
  /** Inclusive lower bound, e.g. '2026-11-01T00:00:00.000Z'. */
  readonly from: string;
  /** Exclusive upper bound. */
  readonly to: string;
}

const NAME_RE = /^telemetry_readings_y(\d{4})m(\d{2})$/;

export function monthlyPartition(year: number, month0: number): MonthlyPartition {
  const from = new Date(Date.UTC(year, month0, 1));
  const to = new Date(Date.UTC(year, month0 + 1, 1));
  const name = `telemetry_readings_y${from.getUTCFullYear()}m${String(from.getUTCMonth() + 1).padStart(2, '0')}`;
  return { name, from: from.toISOString(), to: to.toISOString() };
}

/** The partitions from `before` months before `at` to `ahead` months after it. */
export function monthlyPartitionsAround(at: Date, before: number, ahead: number): MonthlyPartition[] {
  const out: MonthlyPartition[] = [];
  for (let m = -before; m <= ahead; m += 1) out.push(monthlyPartition(at.getUTCFullYear(), at.getUTCMonth() + m));
  return out;
}

/** Parses a partition name back to its bounds; null for anything else (the DEFAULT partition). */
export function parsePartitionName(name: string): MonthlyPartition | null {
  const match = NAME_RE.exec(name);
  if (!match) return null;
  return monthlyPartition(Number(match[1]), Number(match[2]) - 1);
}

/** DDL with only generated, validated names and ISO literals (no caller text reaches SQL). */
export function partitionDdl(p: MonthlyPartition): string {
  if (!NAME_RE.test(p.name)) throw new TypeError('not a telemetry partition name');
  return `CREATE TABLE IF NOT EXISTS ${p.name} PARTITION OF telemetry_readings FOR VALUES FROM ('${p.from}') TO ('${p.to}')`;
}
