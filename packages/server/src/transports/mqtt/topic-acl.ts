/**
 * Per-device topic ACLs (issue 4 item 3; topic layout in @vigil/protocol topics.ts).
 *
 * MUST: a device publishes only to vigil/v1/devices/<own id>/{telemetry,events,acks}.
 * MUST: a device subscribes only to vigil/v1/devices/<own id>/{commands,updates}; a filter with a
 *       wildcard ('#', '+', MQTT 3.1.1 §4.7.1) is never granted, even one that would match only
 *       its own topics.
 * MUST: retained messages are refused on every device topic (§3.3.1.3): a retained command
 *       would be replayed to the device at each subscription.
 */
import { DEVICE_PUBLISH_CHANNELS, DEVICE_SUBSCRIBE_CHANNELS, parseDeviceTopic, type DevicePublishChannel } from '@vigil/protocol';

export type PublishDecision = { readonly ok: true; readonly channel: DevicePublishChannel } | { readonly ok: false; readonly reason: 'retained' | 'publish-acl' | 'qos' };
export type SubscribeDecision = { readonly ok: true } | { readonly ok: false; readonly reason: 'wildcard' | 'subscribe-acl' };

export function authorizeDevicePublish(deviceId: string, packet: { readonly topic: string; readonly retain?: boolean; readonly qos?: number }): PublishDecision {
  if (packet.retain === true) return { ok: false, reason: 'retained' };
  const parsed = parseDeviceTopic(packet.topic);
  if (!parsed || parsed.deviceId !== deviceId) return { ok: false, reason: 'publish-acl' };
  if (!(DEVICE_PUBLISH_CHANNELS as readonly string[]).includes(parsed.channel)) return { ok: false, reason: 'publish-acl' };
  // QoS 2 (§4.3.3) buys nothing over QoS 1 plus our seq dedupe, and costs a round trip.
  if ((packet.qos ?? 0) > 1) return { ok: false, reason: 'qos' };
  return { ok: true, channel: parsed.channel as DevicePublishChannel };
}

export function authorizeDeviceSubscribe(deviceId: string, filter: string): SubscribeDecision {
  if (filter.includes('#') || filter.includes('+')) return { ok: false, reason: 'wildcard' };
  const parsed = parseDeviceTopic(filter);
  if (!parsed || parsed.deviceId !== deviceId) return { ok: false, reason: 'subscribe-acl' };
  if (!(DEVICE_SUBSCRIBE_CHANNELS as readonly string[]).includes(parsed.channel)) return { ok: false, reason: 'subscribe-acl' };
  return { ok: true };
}
