/**
 * MQTT topic layout (MQTT 3.1.1 §4.7 / MQTT 5 §4.7). Every topic names one device; devices
 * publish to their own telemetry, events and acks topics, and subscribe to their own commands
 * and updates topics. Wildcards are never granted to a device.
 *
 *   vigil/v1/devices/{deviceId}/telemetry   device -> cloud  TelemetryEnvelope (QoS 1)
 *   vigil/v1/devices/{deviceId}/events      device -> cloud  DeviceEvent (QoS 1)
 *   vigil/v1/devices/{deviceId}/acks        device -> cloud  CommandAck (QoS 1)
 *   vigil/v1/devices/{deviceId}/commands    cloud -> device  CommandEnvelope (QoS 1)
 *   vigil/v1/devices/{deviceId}/updates     cloud -> device  update notices (QoS 1)
 */
export const TOPIC_PREFIX = 'vigil/v1/devices';

export const DEVICE_PUBLISH_CHANNELS = ['telemetry', 'events', 'acks'] as const;
export const DEVICE_SUBSCRIBE_CHANNELS = ['commands', 'updates'] as const;
export type DevicePublishChannel = (typeof DEVICE_PUBLISH_CHANNELS)[number];
export type DeviceSubscribeChannel = (typeof DEVICE_SUBSCRIBE_CHANNELS)[number];
export type DeviceChannel = DevicePublishChannel | DeviceSubscribeChannel;

/** Device ids: what Vigil puts in the certificate subject and the MQTT client id. */
export const DEVICE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{7,63}$/;

export function isDeviceId(value: string): boolean {
  return DEVICE_ID_RE.test(value);
}

export function deviceTopic(deviceId: string, channel: DeviceChannel): string {
  if (!isDeviceId(deviceId)) throw new TypeError('not a device id');
  return `${TOPIC_PREFIX}/${deviceId}/${channel}`;
}

/** Splits a concrete topic into its device id and channel; null for anything else (wildcards included). */
export function parseDeviceTopic(topic: string): { deviceId: string; channel: DeviceChannel } | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}/${parts[2]}` !== TOPIC_PREFIX) return null;
  const deviceId = parts[3] ?? '';
  const channel = parts[4] ?? '';
  if (!isDeviceId(deviceId)) return null;
  if (!(DEVICE_PUBLISH_CHANNELS as readonly string[]).includes(channel) && !(DEVICE_SUBSCRIBE_CHANNELS as readonly string[]).includes(channel)) return null;
  return { deviceId, channel: channel as DeviceChannel };
}
