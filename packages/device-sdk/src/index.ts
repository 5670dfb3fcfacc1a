/**
 * @vigil/device-sdk: what a device maker embeds (enrolment, mTLS client, outbox, update
 * verification). Its capabilities arrive with the devices issue; this file fixes the package.
 */
export { AUDIT_FORMAT_VERSION as PROTOCOL_AUDIT_FORMAT } from '@vigil/protocol';
export const SDK_VERSION = '0.1.0';
