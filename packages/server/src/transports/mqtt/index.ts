/**
 * transports/mqtt: the embedded MQTT broker for devices (aedes inside our own tls.Server, mTLS,
 * per-device ACLs, limits, ingest with PUBACK after the durable commit). main.ts starts it.
 */
export { startDeviceBroker, DEFAULT_BROKER_LIMITS, type DeviceBroker, type DeviceBrokerOptions, type DeviceBrokerLimits } from './device-broker.js';
export { refuseAllDevices, type DeviceAuthenticator, type DeviceAuthentication, type AuthenticatedDeviceIdentity, type DeviceMessageHandler } from './ports.js';
export { authorizeDevicePublish, authorizeDeviceSubscribe } from './topic-acl.js';
export { MqttFrameScanner, GuardedConnection, PacketTooLargeError } from './packet-size-guard.js';
export { TokenBucket } from './token-bucket.js';
