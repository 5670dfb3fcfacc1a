/**
 * devices: the device registry (model, serial, UDI, firmware, status lifecycle, groups, site,
 * last seen, current certificate), enrolment with one-time tokens and CSRs, renewal, revocation and
 * quarantine, the CRL, and the ports the transports use: authenticateDevice, onRevoked, markSeen.
 *
 * MUST: a device is identified only by a certificate the device CA issued and checked by
 *       authenticateDevice; its id and organization come from that certificate, never from a
 *       client id, topic or body.
 * MUST: every state change is audited in its transaction; every refusal is a SecurityEvent.
 * MUST: queries are scoped by organization; another organization's device does not exist.
 */
export {
  DEVICE_STATUSES,
  DEVICE_REFUSALS,
  LIFECYCLE,
  LIVE_STATUSES,
  MODEL_RE,
  ORG_ID_RE,
  SERIAL_RE,
  REASON_RE,
  GROUP_RE,
  MAX_GROUPS,
  SITE_RE,
  canTransition,
  normalizeSerial,
  toDeviceView,
  type AccessWithdrawal,
  type Device,
  type DeviceCertificateRef,
  type DeviceRefusal,
  type DeviceStatus,
  type DeviceView,
  type EnrollmentToken,
} from './model.js';
export { BULK_DEVICE_ACTIONS, bulkChangeStatus, type BulkDeviceAction, type BulkDeviceOutcome } from './bulk-status.js';
export { DEVICE_SORT, DEVICE_SORT_KEYS, ONLINE_WINDOW_MS, devicePosition, type DeviceListFilter, type DeviceSortKey } from './device-list.js';
export type { DeviceStore, EnrollmentTokenStore, DeviceCertificateStore, DeviceCertificateRow, RevokedCertificate } from './store.js';
export type { DeviceCertificateAuthority, IssuedDeviceCertificate } from './ca-port.js';
export {
  DeviceService,
  hashEnrollmentToken,
  type DeviceScope,
  type DeviceServiceOptions,
  type DeviceTarget,
  type EnrollInput,
  type EnrollmentResult,
  type IssuedEnrollmentToken,
} from './service.js';
export {
  DeviceAuthenticator,
  type AuthenticateContext,
  type AuthenticateDevice,
  type AuthenticatedDevice,
  type DeviceAuthentication,
  type DeviceAuthenticatorOptions,
} from './authenticator.js';
export { DeviceAccessNotifier, type AccessWithdrawnListener } from './access-notifier.js';
export { DeviceActivityBuffer, type DeviceActivity } from './activity.js';
export { DeviceStatusWatcher } from './status-watcher.js';
export {
  BindingService,
  BindingCache,
  MAX_BINDINGS_LISTED,
  patientAt,
  periodsOverlap,
  type BindingScope,
  type BindingServiceDeps,
  type BindingStore,
  type PatientBinding,
  type PatientExistence,
} from './bindings.js';
export { applyDeviceEventRetention, DeviceEventService, MAX_DEVICE_EVENT_PAGE, SEVERE_DEVICE_EVENT, type DeviceEventStore, type StoredDeviceEvent, type DeviceEventOutcome, type DeviceEventPage } from './device-events.js';
