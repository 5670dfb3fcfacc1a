/**
 * transports/http: the HTTPS API and the console's static files.
 * main.ts builds it with createHttpServer, listens, and closes it with closeHttpServer.
 */
export {
  createHttpServer,
  closeHttpServer,
  DEFAULT_BODY_LIMIT,
  DEFAULT_HTTP_TIMEOUTS,
  type HttpServerOptions,
  type HttpTimeouts,
  type HttpRoutes,
  type ResponseSample,
} from './http-server.js';
export type { HttpServer } from './http-server-type.js';
export { TLS_PROFILE, buildHttpsOptions, type ClientCertificateOptions, type TlsCredentials, type HttpsOptions, type TlsMinVersion } from './tls-profile.js';
export {
  PUBLIC,
  PERMISSION_PATTERN,
  denyAll,
  isValidPermission,
  requestContext,
  type Authorizer,
  type DeclaredRoute,
  type RoutePermission,
} from './route-permissions.js';
export { alwaysReady, READINESS_TIMEOUT_MS, type ReadinessProbe, type ReadinessReport } from './health-routes.js';
export { sendError, toHttpAppError, errorBody, type ErrorBody } from './error-mapping.js';
export { DEFAULT_JSON_LIMITS, checkJsonShape, type JsonLimits } from './json-body-parser.js';
export { REQUEST_ID_HEADER, REQUEST_ID_PATTERN } from './request-id.js';
export { CONTENT_SECURITY_POLICY, HELMET_OPTIONS } from './security-headers.js';
export { OPENAPI_PATH } from './openapi.js';
export { CONSOLE_NOT_BUILT_TEXT } from './console-static.js';
export { patientRoutes, type PatientRoutesDeps } from './patient-routes.js';
export { deviceCertificate, clientCertificateError } from './client-certificate.js';
export { deviceRoutes, DEFAULT_PUBLIC_RATE_LIMIT, type DeviceRoutesOptions } from './device-routes.js';
export { sourceRateLimit, type SourceRateLimit } from './source-rate-limit.js';
export { deviceTelemetryRoutes, type DeviceTelemetryRoutesOptions, type ClientCertificateLookup } from './device-telemetry-routes.js';
export { vitalsRoutes, bindingBody, type VitalsRoutesDeps } from './vitals-routes.js';
export { clinicalAlertRoutes, alertBody, ruleBody, sseFrame, MAX_STREAM_MS, type ClinicalAlertRoutesDeps } from './clinical-alert-routes.js';
// --- alert delivery, usage reports and metrics (issue 6) ---
export { deliveryRoutes, type DeliveryRoutesDeps } from './delivery-routes.js';
export { usageRoutes, type UsageRoutesDeps } from './usage-routes.js';
export { dashboardRoutes, type DashboardRoutesDeps } from './dashboard-routes.js';
export { auditRoutes, type AuditRoutesDeps } from './audit-routes.js';
export { metricsRoutes, type MetricsRoutesDeps } from './metrics-routes.js';
export { securityRoutes, type SecurityRoutesDeps } from './security-routes.js';
export { backupRoutes, type BackupConsole } from './backup-routes.js';
export { readOnlyRoutes } from './emergency-read-only.js';
export { keyRoutes, type KeyRoutesDeps, type KeyRotationReportBody } from './key-routes.js';
// --- firmware updates (issue 13) ---
export { firmwareRoutes, type FirmwareRoutesDeps } from './firmware-routes.js';
export { tufRoutes, parseRange, type TufRoutesOptions } from './tuf-routes.js';
export { attestationRoutes, type AttestationRoutesOptions } from './attestation-routes.js';
export { rolloutRoutes, type RolloutRoutesDeps } from './rollout-routes.js';
