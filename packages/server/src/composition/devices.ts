/**
 * Devices: the device CA, the registry and the ports the transports use.
 */
import type { Config } from '../config/index.js';
import {
  DeviceAccessNotifier,
  DeviceActivityBuffer,
  DeviceAuthenticator,
  DeviceService,
  DeviceStatusWatcher,
  type AccessWithdrawnListener,
  type AuthenticateDevice,
  type DeviceActivity as DeviceActivityBufferPort,
  type DeviceScope,
} from '../devices/index.js';
import { DeviceCertificateIssuer, ensureDeviceCa, openRootCa } from '../identity/ca/index.js';
import type { Clock, SecurityEventSink } from '../kernel/index.js';
import type { KeyProvider } from '../keys/index.js';
import { deviceCertificateStore, deviceStore, SqlUnitOfWork, type Executor, type SqlDatabase } from '../storage/index.js';
import type { DeviceDirectory } from '../telemetry/index.js';

/**
 * The devices module as the transports see it. The MQTT broker connects:
 *   authenticateDevice(peerCert, {source, transport}) at CONNECT,
 *   onRevoked(listener) to cut the open connections of a device whose access was withdrawn,
 *   activity.markSeen(deviceId, at, sourceAddress) per accepted message (batched writes).
 */
export interface DevicesModule {
  readonly service: DeviceService;
  readonly authenticateDevice: AuthenticateDevice;
  onRevoked(listener: AccessWithdrawnListener): () => void;
  readonly activity: DeviceActivityBufferPort;
  /** Registry lookups by organization and id (commands check the target exists). */
  readonly directory: DeviceDirectory;
  /** [device CA, root] PEM: the `ca` a device-facing TLS listener verifies client certificates with. */
  readonly clientCaPems: readonly string[];
  /** Writes buffered last-seen times (a scheduled job, and at close). */
  flushActivity(): Promise<number>;
  /** Applies status changes made by other processes (the CLI): caches, notifier, CRL. */
  pollStatusChanges(): Promise<number>;
}


/** Devices: the device CA (created here for data directories older than it), registry, ports. */
export async function openDevices(deps: {
  dataDir: string;
  keys: KeyProvider;
  clock: Clock;
  config: Config;
  database: SqlDatabase;
  securityEvents: SecurityEventSink;
  deviceScope: (executor: Executor) => DeviceScope;
}): Promise<DevicesModule> {
  const { dataDir, keys, clock, config, database, securityEvents } = deps;
  const root = await openRootCa({ dataDir, keys });
  const deviceCa = await ensureDeviceCa({ dataDir, keys, root, clock });
  const ca = new DeviceCertificateIssuer({ dataDir, keys, ca: deviceCa, clock, validityDays: config.devices.certificateValidityDays });
  const reader = { devices: deviceStore(database.db), certificates: deviceCertificateStore(database.db) };
  const authenticator = new DeviceAuthenticator({ ca, devices: reader.devices, certificates: reader.certificates, clock, security: securityEvents });
  const notifier = new DeviceAccessNotifier();
  const service = new DeviceService({
    uow: new SqlUnitOfWork(database, deps.deviceScope),
    certificates: reader.certificates,
    ca,
    authenticator,
    notifier,
    clock,
    security: securityEvents,
    mqttPort: config.mqttPort,
    tokenTtlMinutes: { default: config.devices.enrollmentTokenTtlMinutes, max: 7 * 24 * 60 },
  });
  const activity = new DeviceActivityBuffer(reader.devices);
  const watcher = new DeviceStatusWatcher(reader.devices, authenticator, notifier, () => service.refreshCrl(), clock);
  return {
    service,
    authenticateDevice: authenticator.authenticateDevice,
    onRevoked: (listener) => notifier.onRevoked(listener),
    activity,
    directory: {
      find: async (orgId, deviceId) => {
        const device = await reader.devices.find(orgId, deviceId);
        return device ? { deviceId: device.id, orgId: device.orgId, status: device.status } : null;
      },
    },
    clientCaPems: ca.chainPems(),
    flushActivity: () => activity.flush(),
    pollStatusChanges: () => watcher.poll(),
  };
}
