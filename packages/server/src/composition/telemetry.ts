/**
 * Telemetry and MQTT (issue 4): the group committer, the ingest pipeline, commands, and the device ports.
 */
import type { SecurityEventSink } from '../kernel/index.js';
import { ecdsaP256Verifier } from '../keys/index.js';
import { auditStore, SqlUnitOfWork, type Executor, deviceCommandStore, telemetryStore } from '../storage/index.js';
import { CommandService, GroupCommitter, IngestPipeline, type DeviceActivity, type DeviceDirectory, type ReadingRow, type VitalsSealing } from '../telemetry/index.js';
import { deviceCertificate, type ClientCertificateLookup } from '../transports/http/index.js';
import type { DeviceAuthenticator as BrokerDeviceAuthenticator } from '../transports/mqtt/index.js';
import type { Platform } from './platform.js';

// --- telemetry and MQTT (issue 4) ---
/** The ports telemetry needs from the devices module (the integrator connects them). */
export interface DevicePorts {
  /** Maps a verified client certificate to a device. Default: refuse every device (secure until connected). */
  readonly authenticator?: BrokerDeviceAuthenticator;
  /** PEM of the device CA(s) the MQTT listener trusts. Default: Vigil's root (no device passes the default authenticator). */
  readonly caPem?: string;
  readonly directory?: DeviceDirectory;
  readonly activity?: DeviceActivity;
  /** Registers a listener called with a device id when it is revoked. */
  readonly onRevoked?: (listener: (deviceId: string) => void) => void;
}

export interface TelemetryServices {
  readonly committer: GroupCommitter;
  readonly pipeline: IngestPipeline;
  readonly commands: CommandService;
}

const NO_DEVICE_DIRECTORY: DeviceDirectory = { find: () => Promise.resolve(null) };

export function createTelemetry(
  platform: Platform,
  events: SecurityEventSink,
  devices: DevicePorts = {},
  onCommitted?: (readings: readonly ReadingRow[]) => void,
): TelemetryServices {
  const { database, auditLog, clock, config } = platform;
  const audit = (executor: Executor) => auditLog.writer(auditStore(executor, database.dialect));
  const committer = new GroupCommitter(
    new SqlUnitOfWork(database, (executor) => {
      const store = auditStore(executor, database.dialect, database.sqliteHandle);
      return { telemetry: telemetryStore(executor, database.sqliteHandle, platform.vitalsAtRest.sealing), audit: { append: (ctx, events) => auditLog.append(store, ctx, events) } };
    }),
    clock,
    {
      ...(platform.vitalsAtRest.sealing ? { prepare: () => (platform.vitalsAtRest.sealing as VitalsSealing).prepare() } : {}),
      maxDelayMs: config.telemetry.groupCommitMs,
      maxBatch: config.telemetry.groupCommitMaxMessages,
      attribution: platform.clinical.bindingCache,
      ...(onCommitted ? { onCommitted } : {}),
    },
  );
  const pipeline = new IngestPipeline({
    committer,
    clock,
    events,
    verifier: ecdsaP256Verifier,
    timeWindowSeconds: config.telemetry.timeWindowSeconds,
    signedModels: config.telemetry.signedModels,
    ...(devices.activity ? { activity: devices.activity } : {}),
  });
  const commands = new CommandService(
    new SqlUnitOfWork(database, (executor) => ({ commands: deviceCommandStore(executor), audit: audit(executor) })),
    devices.directory ?? NO_DEVICE_DIRECTORY,
    clock,
    events,
  );
  return { committer, pipeline, commands };
}

/** The verified client certificate on an HTTPS request (the listener asks for one, optionally). */
export const tlsClientCertificate: ClientCertificateLookup = (request) => deviceCertificate(request) ?? null;

/** The devices module, seen through the ports telemetry and the broker need. */
export function platformDevicePorts(platform: Platform): DevicePorts {
  const { devices } = platform;
  return {
    authenticator: {
      authenticate: async (certificate) => {
        const result = await devices.authenticateDevice(certificate, { transport: 'mqtt' });
        if (!result.ok) return { ok: false, reason: result.reason };
        const { deviceId, orgId, model, status } = result.device;
        return { ok: true, device: { deviceId, orgId, model, status } };
      },
    },
    caPem: devices.clientCaPems.join('\n'),
    directory: devices.directory,
    activity: devices.activity,
    onRevoked: (listener) => void devices.onRevoked((deviceId) => listener(deviceId)),
  };
}
