/**
 * Every HTTP route of the running server, each module's routes built on its service.
 */
import { decide } from '../access/index.js';
import { DashboardService, type PlatformMetrics, type RequestCounter } from '../compliance/index.js';
import type { CronJobs } from '../jobs/index.js';
import type { SecurityEventSink } from '../kernel/index.js';
import { dashboardStore } from '../storage/index.js';
import { complianceRoutes } from '../transports/http/compliance-routes.js';
import { deviceEventRoutes } from '../transports/http/device-event-routes.js';
import { incidentNoticeRoutes } from '../transports/http/incident-notice-routes.js';
import { incidentRoutes } from '../transports/http/incident-routes.js';
import {
  type HttpRoutes,
  deviceRoutes,
  deviceTelemetryRoutes,
  clinicalAlertRoutes,
  patientRoutes,
  vitalsRoutes,
  keyRoutes,
  dashboardRoutes,
  deliveryRoutes,
  disclosureRoutes,
  metricsRoutes,
  usageRoutes,
  auditRoutes,
  securityRoutes,
  backupRoutes,
  attestationRoutes,
  firmwareRoutes,
  rolloutRoutes,
  tufRoutes,
} from '../transports/http/index.js';
import type { DeviceAuthenticator as BrokerDeviceAuthenticator } from '../transports/mqtt/index.js';
import { wireAuditLogService } from './audit-trail.js';
import { backupConsole } from './backup-console.js';
import { fhirHttp } from './fhir.js';
import type { identityHttp } from './identity.js';
import type { Platform } from './platform.js';
import { type TelemetryServices, tlsClientCertificate } from './telemetry.js';

export interface RouteDeps {
  readonly identityRoutes: ReturnType<typeof identityHttp>;
  readonly telemetry: TelemetryServices;
  readonly authenticator: BrokerDeviceAuthenticator;
  readonly securityEvents: SecurityEventSink;
  readonly requestCounter: RequestCounter;
  readonly metrics: PlatformMetrics;
  readonly backupJobs: CronJobs | undefined;
  /** The public base URL (FHIR Bundle links); the port is known once listening. */
  readonly publicBaseUrl: () => string;
}

export function platformRoutes(platform: Platform, deps: RouteDeps): HttpRoutes[] {
  const { identityRoutes, telemetry, authenticator, securityEvents, requestCounter, metrics, backupJobs } = deps;
  return [
    ...identityRoutes.routes,
    patientRoutes({
      patients: platform.patients.records,
      breakGlass: platform.patients.breakGlass,
      training: platform.patients.training,
      labels: platform.patients.labels,
      openAlerts: (ctx) => (decide(ctx.principal, 'clinical-alerts:read').allow ? platform.clinical.alerts.openSummary(ctx) : Promise.resolve(null)),
    }),
    deviceRoutes({ service: platform.devices.service }),
    vitalsRoutes({ bindings: platform.clinical.bindings, vitals: platform.clinical.vitals, labels: platform.patients.labels }),
    clinicalAlertRoutes({ alerts: platform.clinical.alerts, vitals: platform.clinical.vitals, bus: platform.clinical.bus, labels: platform.patients.labels }),
    deviceTelemetryRoutes({ pipeline: telemetry.pipeline, commands: telemetry.commands, authenticator, clientCertificate: tlsClientCertificate, events: securityEvents }),
    fhirHttp(platform, undefined, deps.publicBaseUrl),
    deliveryRoutes({ delivery: platform.delivery }),
    usageRoutes({ usage: platform.usage, flushRequestCounts: () => requestCounter.flush() }),
    disclosureRoutes({ disclosures: platform.disclosures }),
    deviceEventRoutes({ deviceEvents: platform.deviceEvents }),
    dashboardRoutes({ dashboards: new DashboardService({ reader: dashboardStore(platform.database.db), clock: platform.clock }) }),
    metricsRoutes({ metrics, tokenMatches: platform.metricsTokenMatches, authorize: identityRoutes.authorize }),
    securityRoutes({ alerts: platform.security.alerts }),
    auditRoutes({ auditLog: wireAuditLogService(platform) }),
    backupRoutes({ backups: backupConsole(platform, backupJobs, process.env) }),
    complianceRoutes({ compliance: platform.compliance }),
    keyRoutes({ rotateKek: (ctx) => platform.rotateKek(ctx) }),
    firmwareRoutes({ releases: platform.updates.releases }),
    tufRoutes({ tuf: platform.updates.tuf, artifacts: platform.updates.artifacts, authenticateDevice: platform.devices.authenticateDevice, clientCertificate: tlsClientCertificate, events: securityEvents }),
    rolloutRoutes({ rollouts: platform.updates.rollouts }),
    attestationRoutes({ attestation: platform.updates.attestation, authenticateDevice: platform.devices.authenticateDevice, clientCertificate: tlsClientCertificate, events: securityEvents }),
    incidentRoutes({ incidents: platform.incidents.service, containment: () => platform.incidents.containment }),
    incidentNoticeRoutes({ notifications: () => platform.incidents.notifications }),
  ];
}
