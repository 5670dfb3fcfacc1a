/**
 * Identity (issue 3): the service, its WebAuthn relying party, its HTTP routes, and the HTTPS credentials.
 */
import { securityAuditTap } from '../alerts/index.js';
import type { Config } from '../config/index.js';
import { openRootCa, resolveHttpsCredentials } from '../identity/ca/index.js';
import { CommonPasswords, IdentityService, PasswordHasher, type SetupCredentialService, type IdentityScope, type RelyingParty, type SetupScope } from '../identity/index.js';
import type { Clock, SecurityEventSink } from '../kernel/index.js';
import type { Sealer } from '../keys/index.js';
import { identityStore, SqlUnitOfWork, type Executor, type SqlDatabase } from '../storage/index.js';
import { accessRoutes, authRoutes, createIdentityAuthorizer, userRoutes } from '../transports/http/identity.js';
import type { HttpRoutes } from '../transports/http/index.js';
import type { Platform } from './platform.js';

// --- identity (issue 3): the service, its WebAuthn relying party, and its HTTP routes ---
export function openIdentity(
  config: Config,
  database: SqlDatabase,
  clock: Clock,
  sealer: Sealer,
  setup: SetupCredentialService,
  setupScope: (executor: Executor) => SetupScope,
  securityEvents: SecurityEventSink,
): IdentityService {
  // Identity's audit records (logins, locks, grants, denials) also feed the security event stream.
  const identityScope = (executor: Executor): IdentityScope => {
    const base = setupScope(executor);
    return { ...base, audit: securityAuditTap(base.audit, securityEvents), identity: identityStore(executor) };
  };
  const { login, sessions } = config;
  return new IdentityService(new SqlUnitOfWork(database, identityScope), identityStore(database.db), setup, clock, sealer, new PasswordHasher(), new CommonPasswords(), {
    preset: config.passwords.preset,
    lockout: { threshold: login.lockoutThreshold, baseSeconds: login.lockoutBaseSeconds, maxSeconds: login.lockoutMaxSeconds },
    idleMinutes: sessions.idleMinutes,
    absoluteHours: sessions.absoluteHours,
    relyingParty: relyingParty(config),
  });
}

/** WebAuthn RP: the first configured hostname (else localhost), and the origins the console is served from. */
export function relyingParty(config: Config): RelyingParty {
  const hosts = [...new Set([...config.tls.hostnames, 'localhost'])];
  const port = config.httpPort === 443 ? '' : `:${config.httpPort}`;
  return { rpId: hosts[0] ?? 'localhost', rpName: 'Vigil', origins: hosts.map((h) => `https://${h}${port}`) };
}

export function identityHttp(platform: Platform): { routes: HttpRoutes[]; authorize: ReturnType<typeof createIdentityAuthorizer>['authorize'] } {
  const authorizer = createIdentityAuthorizer(platform.identity);
  const { identity } = platform;
  return {
    authorize: authorizer.authorize,
    routes: [authRoutes({ identity, authorizer, rateLimitPerMinute: platform.config.login.rateLimitPerMinute }), userRoutes(identity), accessRoutes(identity, platform.patients.records, platform.compliance.changes)],
  };
}

/** HTTPS credentials: the operator's own certificate, or one from Vigil's CA (issued or renewed as needed). */
export async function httpsCredentials(platform: Platform) {
  const { dataDir, keys, clock, config } = platform;
  const root = await openRootCa({ dataDir, keys });
  return resolveHttpsCredentials({
    dataDir,
    keys,
    root,
    clock,
    hostnames: config.tls.hostnames,
    ...(config.tls.certFile !== undefined ? { certFile: config.tls.certFile } : {}),
    ...(config.tls.keyFile !== undefined ? { keyFile: config.tls.keyFile } : {}),
  });
}
