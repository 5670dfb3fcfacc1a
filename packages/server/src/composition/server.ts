/**
 * The running server: HTTPS and MQTT listeners and the jobs, on an opened platform.
 */
import type { AddressInfo } from 'node:net';
import { PlatformMetrics, RequestCounter } from '../compliance/index.js';
import type { DataDirLock } from '../config/index.js';
import { openRootCa } from '../identity/ca/index.js';
import { Scheduler } from '../jobs/index.js';
import type { SecurityEventSink } from '../kernel/index.js';
import type { Logger } from '../observability/index.js';
import { classifyStorageFault, usageStore } from '../storage/index.js';
import { closeHttpServer, createHttpServer } from '../transports/http/index.js';
import { refuseAllDevices, startDeviceBroker, type DeviceBroker } from '../transports/mqtt/index.js';
import { startBackupJobs } from './backup.js';
import { startComplianceSchedule } from './compliance.js';
import { takeDataDirLock, safeJson, defaultConsoleDir } from './context.js';
import { logDatabaseTransport } from './database-transport.js';
import { usageObserver } from './delivery-usage.js';
import { applyEmergencyMode } from './emergency-mode.js';
import { platformRoutes } from './http-routes.js';
import { identityHttp, httpsCredentials } from './identity.js';
import type { Platform } from './platform.js';
import { defaultPublicBaseUrl } from './public-base-url.js';
import { saveDetectorState } from './security-events.js';
import { scheduleServerJobs } from './server-jobs.js';
import { storageMetricSources, storageReadiness } from './storage-faults.js';
import { type DevicePorts, type TelemetryServices, createTelemetry, platformDevicePorts } from './telemetry.js';
import { reportUncleanShutdown } from './unclean-shutdown.js';

export interface RunningServer {
  readonly httpPort: number;
  readonly mqttPort: number;
  readonly broker: DeviceBroker;
  readonly telemetry: TelemetryServices;
  /** Writes the buffered API-call counters now (a job does it every minute); returns requests written. */
  flushUsage(): Promise<number>;
  /** Graceful stop: listeners close, in-flight requests and jobs finish, a final checkpoint, database closed. */
  close(): Promise<void>;
}

/** Starts the HTTPS listener and the jobs of a running server on an opened platform. */
export async function startServer(
  platform: Platform,
  logger: Logger,
  options: { consoleDir?: string; lock?: DataDirLock; devices?: DevicePorts; securityEvents?: SecurityEventSink } = {},
): Promise<RunningServer> {
  const { config } = platform;
  const lock = options.lock ?? takeDataDirLock(platform);
  // A job that failed for a storage fault is already in the storage fault log (one entry, then counts).
  const scheduler = new Scheduler((job, error) => (classifyStorageFault(error) ? logger.debug({ job, err: error }, 'job failed: storage') : logger.error({ job, err: error }, 'job failed')));
  platform.faults.useLogger(logger);
  let startedBroker: DeviceBroker | undefined;
  try {
    // A lock left by a process that died: log the unclean shutdown and the unsigned audit tail.
    await reportUncleanShutdown({ lock, reader: platform.auditReader(), auditLog: platform.auditLog, withAuditStore: (fn) => platform.withAuditStore(fn), warn: (fields, message) => logger.warn(fields, message) });
    const tls = await httpsCredentials(platform);
    logger.info({ source: tls.source, notAfter: tls.notAfter.toISOString(), issuedBecause: tls.issuedBecause }, 'https certificate');
    const identityRoutes = identityHttp(platform);
    // --- telemetry and MQTT (issue 4) ---
    // Security events are stored (platform.securityEvents); a caller may add its own sink (tests).
    const extraEvents = options.securityEvents;
    const securityEvents: SecurityEventSink = extraEvents
      ? {
          emit: (event) => {
            platform.securityEvents.emit(event);
            extraEvents.emit(event);
          },
        }
      : platform.securityEvents;
    const devices = options.devices ?? platformDevicePorts(platform);
    // emergency read-only mode (issue 12): no device may connect or publish.
    if (config.emergency.readOnly) logger.warn('emergency read-only mode: writes and device ingest are refused');
    const authenticator = config.emergency.readOnly ? refuseAllDevices : (devices.authenticator ?? refuseAllDevices);
    const telemetry = createTelemetry(platform, securityEvents, devices, (readings) => void platform.clinical.alerts.onCommitted(readings));
    const broker = await startDeviceBroker({
      host: config.host,
      port: config.mqttPort,
      tls: tls.credentials,
      tlsMinVersion: config.tls.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2',
      deviceCaPem: devices.caPem ?? (await openRootCa({ dataDir: platform.dataDir, keys: platform.keys })).certPem,
      authenticator,
      events: securityEvents,
      sourceGate: platform.incidents.blocks,
      limits: { ...config.mqtt },
      storage: platform.database.health,
      handler: {
        telemetry: (device, payload, source) => {
          // security monitoring: message count and size detectors (O(1), in process)
          if (platform.security.engine.hasMessageDetectors) {
            platform.security.engine.observeMessage({ deviceId: device.deviceId, orgId: device.orgId, bytes: payload.byteLength, source, at: platform.clock.now().getTime() });
          }
          return telemetry.pipeline.ingestPayload(device, payload, 'mqtt', source);
        },
        ack: async (device, payload, source) => {
          await telemetry.commands.recordAck(device, safeJson(payload), source);
        },
        event: (device, payload) => platform.deviceEvents.ingest(device, payload),
        commandsSubscribed: (device) => void telemetry.commands.deliverPending(device).catch((error: unknown) => logger.error({ err: error }, 'command delivery failed')),
      },
    });
    startedBroker = broker;
    telemetry.commands.attachDelivery({ deliver: (deviceId, command) => broker.deliverCommand(deviceId, command) });
    devices.onRevoked?.((deviceId) => broker.disconnectDevice(deviceId, 'revoked'));
    logger.info({ host: config.host, port: broker.port }, 'mqtt listening');
    // --- usage tracking and metrics (issue 6) ---
    const requestCounter = new RequestCounter(() => usageStore(platform.database.db), platform.clock);
    const usageReader = usageStore(platform.database.db);
    const metrics = new PlatformMetrics({
      ingest: () => telemetry.pipeline.counters.snapshot(),
      brokerRefusals: () => broker.refusals.snapshot(),
      brokerConnections: () => broker.connectedCount(),
      auditHeadSeq: async () => (await platform.auditReader().head())?.seq ?? 0,
      securityEventsByType: () => usageReader.securityEventsByType(),
      ...storageMetricSources(platform, broker),
      databaseTls: async () => {
        const transport = await platform.database.transportSecurity?.();
        return transport === undefined || transport.kind === 'local-file' || transport.kind === 'unknown' ? undefined : transport.kind === 'tls';
      },
    });
    // Links (FHIR Bundles) are built on the public base URL; the port is known once listening.
    let listeningPort = config.httpPort;
    // --- backups (issue 12): scheduled, retried, pruned and verified (composition/backup.ts)
    const backupJobs = await startBackupJobs(platform, process.env, (job, error) => logger.error({ job, err: error }, 'job failed'));
    const http = await createHttpServer({
      authorize: identityRoutes.authorize,
      tls: tls.credentials,
      tlsMinVersion: config.tls.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2',
      // Request ids land in audit events: mint them here rather than believe a client's.
      acceptClientRequestId: false,
      logger,
      bodyLimit: config.http.bodyLimitBytes,
      consoleDir: options.consoleDir ?? defaultConsoleDir(),
      // devices: optional client certificates (renewal, HTTPS ingest) and the device routes.
      clientCa: platform.devices.clientCaPems,
      onResponse: usageObserver(requestCounter, metrics),
      sourceGate: platform.incidents.blocks,
      routes: applyEmergencyMode(config, platformRoutes(platform, { identityRoutes, telemetry, authenticator, securityEvents, requestCounter, metrics, backupJobs, publicBaseUrl: () => defaultPublicBaseUrl(config, listeningPort) })),
      readiness: storageReadiness(platform.database),
    });
    await http.listen({ host: config.host, port: config.httpPort });
    const httpPort = (http.server.address() as AddressInfo).port;
    listeningPort = httpPort;
    logger.info({ host: config.host, port: httpPort, database: platform.database.description }, 'https listening');
    await logDatabaseTransport(platform.database, logger);

    await scheduleServerJobs(scheduler, platform, { telemetry, requestCounter, logger });

    const stopComplianceSchedule = startComplianceSchedule(platform.compliance.audits, platform.clock, (error) => logger.error({ err: error }, 'compliance audit failed'));

    let closed: Promise<void> | undefined;
    return {
      httpPort,
      mqttPort: broker.port,
      broker,
      telemetry,
      flushUsage: () => requestCounter.flush(),
      close: () => {
        closed ??= (async () => {
          await closeHttpServer(http);
          await broker.close();
          await telemetry.committer.close();
          await platform.clinical.alerts.drain();
          await scheduler.stop();
          await saveDetectorState(platform).catch((error: unknown) => logger.error({ err: error }, 'security detector state not saved'));
          await backupJobs?.stop();
          await stopComplianceSchedule();
          await platform.devices.flushActivity().catch((error: unknown) => logger.error({ err: error }, 'device activity flush failed'));
          await requestCounter.flush().catch((error: unknown) => logger.error({ err: error }, 'usage counter flush failed'));
          await platform
            .withAuditStore((store) => platform.auditLog.checkpointIfDue(store, true))
            .catch((error: unknown) => logger.error({ err: error }, 'final audit checkpoint failed'));
          await platform.close();
          lock.release();
        })();
        return closed;
      },
    };
  } catch (error) {
    await scheduler.stop();
    await startedBroker?.close();
    lock.release();
    throw error;
  }
}
