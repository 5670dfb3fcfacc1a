/**
 * @vigil/device-sdk: what a device maker embeds (enrolment, mTLS client, store-and-forward
 * outbox, update verification). Its capabilities arrive with the devices issue; this file fixes
 * the package and its version.
 */
export const SDK_VERSION = '0.1.0';
