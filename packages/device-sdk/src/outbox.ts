/**
 * The store-and-forward outbox: telemetry is written to disk before it is sent, and removed only
 * when the broker acknowledged it (MQTT 3.1.1 §4.3.2: QoS 1, PUBACK). It survives a crash or a
 * power cut, and after a restart everything not acknowledged is sent again, in sequence order.
 *
 * On disk (`<stateDir>/outbox/`):
 *   journal  append-only lines `<sha256[0..8]> <json>\n`; json is {"s":seq,"p":payload} (a
 *            message) or {"a":seq} (its acknowledgement)
 *   seq      the highest sequence number reserved so far (replaced atomically)
 *
 * MUST: `append` resolves only after the message is in the journal and the journal is fsync'd
 *       (group commit: one write and one fsync for all appends of the same tick).
 * MUST: sequence numbers are monotonic and never reused, even after a crash: they are reserved in
 *       blocks, and a block is persisted before any of its numbers reaches the journal or the
 *       network; a restart continues after the last reserved number (gaps are allowed, replays are
 *       not: the server rejects a seq at or below the last one it committed).
 * MUST: a torn tail (a crash in the middle of a write) is cut at the first line that does not
 *       check; every line before it was fsync'd before its append resolved, so nothing the caller
 *       was told is stored is lost.
 * MUST: the outbox is bounded (maxPending messages, maxBytes of payload). When full, `append`
 *       refuses the new message with OUTBOX_FULL: unacknowledged data is never dropped silently to
 *       make room; the device decides (alarm, sample less often, keep a local summary).
 * MUST: one process at a time uses an outbox directory (a pid lock file).
 */
import { createHash } from 'node:crypto';
import { type FileHandle, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeviceSdkError } from './sdk-error.js';
import { ensurePrivateDir, fsyncDir, readOptional, writeFileAtomic } from './state-dir.js';

export interface OutboxOptions {
  readonly dir: string;
  /** Unacknowledged messages kept at most. Default 100,000. */
  readonly maxPending?: number;
  /** Unacknowledged payload bytes kept at most. Default 64 MiB. */
  readonly maxBytes?: number;
  /** fsync the journal before `append` resolves. Default true; turn off only for load tests. */
  readonly fsync?: boolean;
  /** Sequence numbers reserved per persisted block (at least; a large batch reserves more). Default 10,000. */
  readonly seqBlock?: number;
  /** Journal size past which acknowledged lines are compacted away. Default 4 MiB. */
  readonly compactBytes?: number;
}

export interface OutboxEntry {
  readonly seq: number;
  /** The message as sent on the wire (UTF-8 JSON). */
  readonly payload: string;
}

interface Entry extends OutboxEntry {
  acked: boolean;
}

interface Waiter {
  readonly entry: Entry;
  readonly resolve: (entry: OutboxEntry) => void;
  readonly reject: (error: unknown) => void;
}

export const DEFAULT_MAX_PENDING = 100_000;
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export class Outbox {
  /** Called after each durable append (in seq order): the sender's cue to send. */
  onAppend: ((entry: OutboxEntry) => void) | undefined;

  private readonly options: Required<OutboxOptions>;
  private journal: FileHandle;
  private journalBytes: number;
  private entries: Entry[];
  private head = 0;
  private pendingCount: number;
  private pendingBytes: number;
  private nextSeq: number;
  private reservedSeq: number;
  private lines: string[] = [];
  private waiters: Waiter[] = [];
  /** Messages appended but not yet durable (queued or being written), and their bytes. */
  private waitingCount = 0;
  private waitingBytes = 0;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private failure: unknown;

  private constructor(options: Required<OutboxOptions>, journal: FileHandle, state: LoadedJournal, reservedSeq: number) {
    this.options = options;
    this.journal = journal;
    this.journalBytes = state.validBytes;
    this.entries = state.entries;
    this.pendingCount = state.entries.length;
    this.pendingBytes = state.entries.reduce((n, e) => n + e.payload.length, 0);
    this.reservedSeq = reservedSeq;
    this.nextSeq = Math.max(reservedSeq, state.maxSeq) + 1;
  }

  static async open(options: OutboxOptions): Promise<Outbox> {
    const resolved: Required<OutboxOptions> = {
      dir: options.dir,
      maxPending: options.maxPending ?? DEFAULT_MAX_PENDING,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
      fsync: options.fsync ?? true,
      seqBlock: Math.max(1, options.seqBlock ?? 10_000),
      compactBytes: options.compactBytes ?? 4 * 1024 * 1024,
    };
    await ensurePrivateDir(resolved.dir);
    await takeLock(join(resolved.dir, 'lock'));
    const journalPath = join(resolved.dir, 'journal');
    const state = parseJournal((await readFile(journalPath).catch(ignoreMissing)) ?? Buffer.alloc(0));
    if (state.tornBytes > 0) {
      // Cut the tail that was never fsync'd (see the MUST above) so new lines follow valid ones.
      const handle = await open(journalPath, 'r+');
      await handle.truncate(state.validBytes);
      await handle.sync();
      await handle.close();
    }
    const reservedText = await readOptional(join(resolved.dir, 'seq'));
    const reserved = reservedText === undefined ? 0 : Number(reservedText.trim());
    if (!Number.isSafeInteger(reserved) || reserved < 0) throw new DeviceSdkError('OUTBOX_CORRUPT', `${resolved.dir}/seq is not a sequence number`);
    const journal = await open(journalPath, 'a', 0o600);
    // A new journal's directory entry must be durable before anything in it is claimed durable.
    if (state.validBytes === 0) await fsyncDir(resolved.dir);
    return new Outbox(resolved, journal, state, reserved);
  }

  /** Unacknowledged messages, durable or being written. */
  get pending(): number {
    return this.pendingCount + this.waitingCount;
  }

  /** The last sequence number handed out (0 when none yet in this directory's history). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /**
   * Reserves the next sequence number, builds the message with it (synchronously, so that
   * signing happens over the final seq), and journals it. Resolves once durable.
   */
  append(build: (seq: number) => string): Promise<OutboxEntry> {
    if (this.closed) return Promise.reject(new DeviceSdkError('OUTBOX_CLOSED', 'the outbox is closed'));
    if (this.failure !== undefined) return Promise.reject(new DeviceSdkError('OUTBOX_CORRUPT', 'the outbox journal failed to write', { cause: this.failure }));
    if (this.pending >= this.options.maxPending) {
      return Promise.reject(new DeviceSdkError('OUTBOX_FULL', `the outbox holds ${this.pending} unacknowledged messages (limit ${this.options.maxPending})`));
    }
    const seq = this.nextSeq++;
    let payload: string;
    try {
      payload = build(seq);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.pendingBytes + this.waitingBytes + payload.length > this.options.maxBytes) {
      return Promise.reject(new DeviceSdkError('OUTBOX_FULL', `the outbox holds more than ${this.options.maxBytes} bytes unacknowledged`));
    }
    const entry: Entry = { seq, payload, acked: false };
    this.waitingBytes += payload.length;
    this.waitingCount++;
    this.lines.push(journalLine({ s: seq, p: payload }));
    return new Promise((resolve, reject) => {
      this.waiters.push({ entry, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Marks `seq` acknowledged (PUBACK received). Idempotent. Durable at the next flush. */
  ack(seq: number): void {
    const index = this.indexOf(seq);
    const entry = index === undefined ? undefined : this.entries[index];
    if (entry === undefined || entry.acked) return;
    entry.acked = true;
    this.pendingCount--;
    this.pendingBytes -= entry.payload.length;
    while (this.entries[this.head]?.acked === true) this.head++;
    if (this.closed) return;
    this.lines.push(journalLine({ a: seq }));
    this.scheduleFlush();
  }

  /** The first unacknowledged durable message with a seq above `seq` (0: from the start). */
  nextAfter(seq: number): OutboxEntry | undefined {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.entries[mid] as Entry).seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.entries.length; i++) {
      const entry = this.entries[i] as Entry;
      if (!entry.acked) return entry;
    }
    return undefined;
  }

  /** Unacknowledged durable messages, in seq order (a copy). */
  unacknowledged(): OutboxEntry[] {
    return this.entries.slice(this.head).filter((e) => !e.acked).map(({ seq, payload }) => ({ seq, payload }));
  }

  /** Waits until everything appended so far is durable (acks included). */
  async flush(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    if (this.lines.length > 0) {
      this.scheduleFlush();
      await this.flush();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.journal.close();
    await rm(join(this.options.dir, 'lock'), { force: true });
  }

  private indexOf(seq: number): number | undefined {
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = (this.entries[mid] as Entry).seq;
      if (s === seq) return mid;
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  private scheduleFlush(): void {
    if (this.flushing !== undefined) return;
    this.flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.flushLoop())
      .finally(() => {
        this.flushing = undefined;
        // Lines queued between the loop's last check and this callback still need a flush.
        if (this.lines.length > 0 && this.failure === undefined) this.scheduleFlush();
      });
  }

  private async flushLoop(): Promise<void> {
    while (this.lines.length > 0) {
      const lines = this.lines.splice(0);
      const waiters = this.waiters.splice(0);
      try {
        const maxSeq = waiters.length > 0 ? (waiters[waiters.length - 1] as Waiter).entry.seq : 0;
        if (maxSeq > this.reservedSeq) {
          // Reserve ahead of the batch rate too, so that a fast sender pays for few reservations.
          const reserved = maxSeq + Math.max(this.options.seqBlock, 4 * waiters.length) - 1;
          await writeFileAtomic(join(this.options.dir, 'seq'), `${reserved}\n`);
          this.reservedSeq = reserved;
        }
        const data = lines.join('');
        await this.journal.write(data);
        if (this.options.fsync) await this.journal.datasync();
        this.journalBytes += Buffer.byteLength(data);
      } catch (error) {
        // A journal that failed to write is in an unknown state: refuse further appends rather
        // than claim durability we cannot prove.
        this.failure = error;
        this.waitingCount -= waiters.length;
        for (const w of waiters) this.waitingBytes -= w.entry.payload.length;
        for (const w of waiters) w.reject(new DeviceSdkError('OUTBOX_CORRUPT', 'the outbox journal failed to write', { cause: error }));
        return;
      }
      for (const w of waiters) {
        this.waitingCount--;
        this.waitingBytes -= w.entry.payload.length;
        this.entries.push(w.entry);
        this.pendingCount++;
        this.pendingBytes += w.entry.payload.length;
      }
      for (const w of waiters) {
        w.resolve({ seq: w.entry.seq, payload: w.entry.payload });
        this.onAppend?.(w.entry);
      }
      await this.maybeCompact();
    }
  }

  private async maybeCompact(): Promise<void> {
    if (this.head > 4096 && this.head > this.entries.length / 2) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    if (this.journalBytes < this.options.compactBytes) return;
    const live = this.entries.slice(this.head).filter((e) => !e.acked);
    const content = live.map((e) => journalLine({ s: e.seq, p: e.payload })).join('');
    // Compact only when it frees most of the journal: otherwise rewriting costs more than it saves.
    if (Buffer.byteLength(content) > this.journalBytes / 2) return;
    const path = join(this.options.dir, 'journal');
    const tmp = `${path}.compact`;
    await writeFile(tmp, content, { mode: 0o600 });
    const handle = await open(tmp, 'r');
    await handle.sync();
    await handle.close();
    await this.journal.close();
    await rename(tmp, path);
    await fsyncDir(this.options.dir);
    this.journal = await open(path, 'a', 0o600);
    this.journalBytes = Buffer.byteLength(content);
    this.entries = live;
    this.head = 0;
    while (this.entries[this.head]?.acked === true) this.head++;
  }
}

interface LoadedJournal {
  readonly entries: Entry[];
  readonly maxSeq: number;
  readonly validBytes: number;
  readonly tornBytes: number;
}

function journalLine(record: { s: number; p: string } | { a: number }): string {
  const json = JSON.stringify(record);
  return `${checksum(json)} ${json}\n`;
}

function checksum(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 8);
}

/** Replays the journal: messages minus acknowledgements, up to the first line that fails its check. */
export function parseJournal(data: Buffer): LoadedJournal {
  const bySeq = new Map<number, Entry>();
  let offset = 0;
  let maxSeq = 0;
  while (offset < data.length) {
    const end = data.indexOf(0x0a, offset);
    if (end < 0) break;
    const line = data.subarray(offset, end).toString('utf8');
    const record = parseLine(line);
    if (record === undefined) break;
    if ('s' in record) {
      bySeq.set(record.s, { seq: record.s, payload: record.p, acked: false });
      maxSeq = Math.max(maxSeq, record.s);
    } else {
      bySeq.delete(record.a);
    }
    offset = end + 1;
  }
  const entries = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return { entries, maxSeq, validBytes: offset, tornBytes: data.length - offset };
}

function parseLine(line: string): { s: number; p: string } | { a: number } | undefined {
  const space = line.indexOf(' ');
  if (space !== 8) return undefined;
  const json = line.slice(9);
  if (checksum(json) !== line.slice(0, 8)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (Number.isSafeInteger(r.s) && typeof r.p === 'string') return { s: r.s as number, p: r.p };
  if (Number.isSafeInteger(r.a)) return { a: r.a as number };
  return undefined;
}

function ignoreMissing(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw error;
}

/** Takes the directory's pid lock; a lock left by a dead process (or by this one) is taken over. */
async function takeLock(path: string): Promise<void> {
  const existing = await readOptional(path);
  if (existing !== undefined) {
    const pid = Number(existing.trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new DeviceSdkError('STATE_INVALID', `the outbox in ${path} is in use by process ${pid}`);
    }
  }
  await writeFileAtomic(path, `${process.pid}\n`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
