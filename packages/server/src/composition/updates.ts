/**
 * Wiring of the updates module (firmware releases, the TUF repository). main.ts calls
 * wireUpdates() from openPlatform and adds the routes and jobs it returns.
 */
import type { AuditLog } from '../audit/index.js';
import type { Clock } from '../kernel/index.js';
import { auditStore, firmwareStore, SqlUnitOfWork, type Executor, type SqlDatabase } from '../storage/index.js';
import { ArtifactStore, ReleaseService, type UpdatesScope } from '../updates/index.js';

export interface UpdatesWiring {
  readonly releases: ReleaseService;
  readonly artifacts: ArtifactStore;
}

export interface UpdatesDeps {
  readonly dataDir: string;
  readonly database: SqlDatabase;
  readonly auditLog: AuditLog;
  readonly clock: Clock;
}

export function wireUpdates(deps: UpdatesDeps): UpdatesWiring {
  const { database, auditLog } = deps;
  const scope = (executor: Executor): UpdatesScope => ({
    firmware: firmwareStore(executor),
    audit: auditLog.writer(auditStore(executor, database.dialect)),
  });
  const artifacts = new ArtifactStore(deps.dataDir);
  const releases = new ReleaseService({ uow: new SqlUnitOfWork(database, scope), artifacts, clock: deps.clock });
  return { releases, artifacts };
}
