/**
 * Wiring of the updates module (firmware releases, the TUF repository). main.ts calls
 * wireUpdates() from openPlatform, adds firmwareRoutes/tufRoutes, and schedules the refresh job.
 */
import type { AuditLog } from '../audit/index.js';
import type { Clock, RequestContext } from '../kernel/index.js';
import { TUF_ONLINE_PURPOSES, type KeyProvider, type TufOnlinePurpose } from '../keys/index.js';
import { auditStore, firmwareStore, SqlUnitOfWork, tufMetadataStore, type Executor, type SqlDatabase } from '../storage/index.js';
import { ArtifactStore, ReleaseService, TufRepository, type OnlinePublicKeys, type TufExpiries, type TufScope, type UpdatesScope } from '../updates/index.js';

export interface UpdatesWiring {
  readonly releases: ReleaseService;
  readonly artifacts: ArtifactStore;
  readonly tuf: TufRepository;
  /** The public halves of the online keys a root must list (created when missing). */
  onlinePublicKeys(): Promise<OnlinePublicKeys & { readonly delegation: string }>;
}

export interface UpdatesDeps {
  readonly dataDir: string;
  readonly database: SqlDatabase;
  readonly auditLog: AuditLog;
  readonly clock: Clock;
  readonly keys: KeyProvider;
  readonly tufExpiries?: TufExpiries;
}

export const TUF_SYSTEM_CONTEXT: RequestContext = { principal: { kind: 'system', id: 'system' }, requestId: 'tuf', source: 'local' };

export function wireUpdates(deps: UpdatesDeps): UpdatesWiring {
  const { database, auditLog, keys } = deps;
  const audit = (executor: Executor) => auditLog.writer(auditStore(executor, database.dialect));
  const scope = (executor: Executor): UpdatesScope => ({ firmware: firmwareStore(executor), audit: audit(executor) });
  const tufScope = (executor: Executor): TufScope => ({ tuf: tufMetadataStore(executor), firmware: firmwareStore(executor), audit: audit(executor) });
  const artifacts = new ArtifactStore(deps.dataDir);
  const readFirmware = firmwareStore(database.db);
  const tuf = new TufRepository({
    uow: new SqlUnitOfWork(database, tufScope),
    reader: tufMetadataStore(database.db),
    findRelease: (model, version) => readFirmware.findRelease(model, version),
    signer: (purpose: TufOnlinePurpose) => keys.signer(purpose),
    clock: deps.clock,
    ...(deps.tufExpiries !== undefined ? { expiries: deps.tufExpiries } : {}),
  });
  const releases = new ReleaseService({
    uow: new SqlUnitOfWork(database, scope),
    artifacts,
    clock: deps.clock,
    // A release is signed into the repository at once; without a root yet this is a no-op and the
    // root install signs it later.
    onPublished: async (ctx) => void (await tuf.publish(ctx, 'release-published')),
  });
  return {
    releases,
    artifacts,
    tuf,
    onlinePublicKeys: async () => {
      for (const purpose of TUF_ONLINE_PURPOSES) {
        if (!keys.list().some((k) => k.purpose === purpose && k.status === 'active')) await keys.rotate(purpose);
      }
      return {
        timestamp: keys.signer('tuf-timestamp').publicKeyPem(),
        snapshot: keys.signer('tuf-snapshot').publicKeyPem(),
        targets: keys.signer('tuf-targets').publicKeyPem(),
        delegation: keys.signer('tuf-delegation').publicKeyPem(),
      };
    },
  };
}
