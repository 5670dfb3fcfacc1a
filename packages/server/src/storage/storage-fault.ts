/**
 * Classifies a database error as a storage fault (issue 17) or not. A fault means "this node cannot
 * commit now, whatever the request": disk full, read-only file system, I/O error, database server
 * unreachable. Constraint violations, busy locks, conflicts and bugs are not faults.
 *
 * References: SQLite result codes (https://www.sqlite.org/rescode.html), PostgreSQL error codes
 * (Appendix A: class 08 connection exception, 53100 disk_full, 57P01-57P03 operator intervention,
 * 25006 read_only_sql_transaction), and errno names from Node's net and fs layers.
 * MUST: pure; looks through `cause` chains (an AppError wrapping a driver error is classified by
 *       its cause) and never throws.
 */
import type { StorageFaultKind } from '../kernel/index.js';

export interface ClassifiedFault {
  readonly kind: StorageFaultKind;
  readonly code: string;
}

const BY_CODE: ReadonlyArray<readonly [RegExp, StorageFaultKind]> = [
  [/^SQLITE_FULL$/, 'disk-full'],
  [/^ENOSPC$/, 'disk-full'],
  [/^EDQUOT$/, 'disk-full'],
  [/^53100$/, 'disk-full'],
  [/^53200$/, 'disk-full'], // out_of_memory on the server: it cannot commit either
  [/^SQLITE_READONLY/, 'read-only'],
  [/^EROFS$/, 'read-only'],
  [/^25006$/, 'read-only'],
  [/^SQLITE_IOERR/, 'io-error'],
  [/^SQLITE_CANTOPEN/, 'io-error'],
  [/^SQLITE_CORRUPT/, 'io-error'],
  [/^SQLITE_NOTADB$/, 'io-error'],
  [/^EIO$/, 'io-error'],
  [/^58030$/, 'io-error'],
  [/^08\d{3}$/, 'unreachable'],
  [/^57P0[1-3]$/, 'unreachable'],
  [/^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNABORTED)$/, 'unreachable'],
];

/** node-postgres reports a lost connection by message, without a code. */
const BY_MESSAGE: ReadonlyArray<readonly [RegExp, StorageFaultKind]> = [
  [/^Connection terminated/, 'unreachable'],
  [/Client has encountered a connection error and is not queryable/, 'unreachable'],
  [/timeout exceeded when trying to connect/, 'unreachable'],
  [/Connection terminated due to connection timeout/, 'unreachable'],
  [/the database system is (shutting down|starting up|in recovery mode)/, 'unreachable'],
  [/database or disk is full/, 'disk-full'],
  [/attempt to write a readonly database/, 'read-only'],
  [/disk I\/O error/, 'io-error'],
];

export function classifyStorageFault(error: unknown): ClassifiedFault | null {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== null && current !== undefined; depth += 1) {
    const found = classifyOne(current);
    if (found) return found;
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return null;
}

function classifyOne(error: unknown): ClassifiedFault | null {
  if (typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    for (const [pattern, kind] of BY_CODE) if (pattern.test(code)) return { kind, code };
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') {
    for (const [pattern, kind] of BY_MESSAGE) if (pattern.test(message)) return { kind, code: typeof code === 'string' ? code : message.slice(0, 80) };
  }
  return null;
}
