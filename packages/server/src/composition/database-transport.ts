/**
 * At start, say how the database connection is protected in transit (issue 11). PostgreSQL
 * without TLS is logged as a warning: vitals are sealed before they leave the process, but patient
 * ids, times, audit events and sessions are not. Storage encryption at rest on PostgreSQL is the
 * operator's (docs/keys.md, "PostgreSQL"); the metric vigil_database_tls reports the same.
 */
import type { Logger } from '../observability/index.js';
import type { SqlDatabase } from '../storage/index.js';

export async function logDatabaseTransport(database: SqlDatabase, logger: Logger): Promise<void> {
  const transport = (await database.transportSecurity?.()) ?? { kind: 'unknown' as const };
  const fields = { database: database.description, transport: transport.kind, ...(transport.version ? { tlsVersion: transport.version } : {}), ...(transport.cipher ? { cipher: transport.cipher } : {}) };
  if (transport.kind === 'plaintext') logger.warn(fields, 'database connection is not encrypted (PostgreSQL without TLS: set sslmode=verify-full in the URL)');
  else logger.info(fields, 'database connection');
}
