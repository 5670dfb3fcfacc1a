/**
 * The device topic ACL as tests fake it: own topics only, no wildcards (the same rule as
 * transports/mqtt/topic-acl.ts, which compliance may not import; the wiring passes the real one).
 */
import { DEVICE_PUBLISH_CHANNELS, DEVICE_SUBSCRIBE_CHANNELS, parseDeviceTopic } from '@vigil/protocol';

export function authorizeDevicePublishLike(deviceId: string, topic: string): boolean {
  const parsed = parseDeviceTopic(topic);
  return parsed !== null && parsed.deviceId === deviceId && (DEVICE_PUBLISH_CHANNELS as readonly string[]).includes(parsed.channel);
}

export function authorizeDeviceSubscribeLike(deviceId: string, filter: string): boolean {
  if (filter.includes('#') || filter.includes('+')) return false;
  const parsed = parseDeviceTopic(filter);
  return parsed !== null && parsed.deviceId === deviceId && (DEVICE_SUBSCRIBE_CHANNELS as readonly string[]).includes(parsed.channel);
}
