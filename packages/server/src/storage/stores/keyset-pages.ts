/**
 * Reading a large table in keyset pages that yield to the event loop between them (a synchronous
 * SQLite read of 100,000 rows would hold the server's event loop, and its ingest, for the whole
 * read), and splitting a long id list into chunks for `IN (...)`.
 */

/** Pages of `size` rows: `read(after)` returns the rows with a key greater than `after`, in key order. */
export async function* keysetPages<R>(read: (after: string) => Promise<R[]>, key: (row: R) => string, size: number): AsyncGenerator<R[]> {
  let after = '';
  for (;;) {
    const rows = await read(after);
    if (rows.length > 0) yield rows;
    if (rows.length < size) return;
    after = key(rows[rows.length - 1] as R);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The non-empty chunks of at most `size` items. */
export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
