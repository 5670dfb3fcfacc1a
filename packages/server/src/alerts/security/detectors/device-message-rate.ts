/**
 * Message count outliers (Device Defender `aws:num-messages-sent`): a device's messages in the
 * current minute exceed max(minMessagesPerMinute, multiplier x its rolling baseline), the baseline
 * being an exponentially weighted mean of its previous minutes; or the broker's rate limit refused
 * `rateLimitedRefusals` of its messages within a minute.
 * MUST: O(1) per message and one small record per device (bounded map): it runs on the ingest path.
 */
import { candidate, type AlertCandidate, type Detector, type ObservedEvent, type ObservedMessage } from '../model.js';
import type { DetectorSettings } from '../settings.js';
import { BoundedMap, WindowCounter } from '../window-counter.js';

interface Rate {
  minute: number;
  count: number;
  baseline: number;
  fired: boolean;
}

const ALPHA = 0.3;

export function deviceMessageRateDetector(settings: DetectorSettings['deviceMessageRate']): Detector {
  const rates = new BoundedMap<Rate>(100_000);
  const refused = new WindowCounter(60_000);
  return {
    name: 'device-message-rate',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type !== 'mqtt.refused' || event.reason !== 'rate-limited' || event.deviceId === undefined) return null;
      const entries = refused.add(event.deviceId, event);
      if (entries.length < settings.rateLimitedRefusals) return null;
      const first = entries.length === settings.rateLimitedRefusals;
      return candidate(event, {
        detector: 'device-message-rate',
        severity: 'high',
        title: 'Device message flood',
        summary: `${entries.length} message(s) of one device refused by the rate limit within 60 s (the broker closes the connection at each)`,
        subject: { kind: 'device', id: event.deviceId },
        windowSeconds: 600,
        count: first ? entries.length : 1,
        ...(first ? { window: entries } : {}),
      });
    },
    observeMessage(message: ObservedMessage): AlertCandidate | null {
      const minute = Math.floor(message.at / 60_000);
      let rate = rates.get(message.deviceId);
      if (rate === undefined) {
        rate = { minute, count: 0, baseline: 0, fired: false };
        rates.set(message.deviceId, rate);
      }
      if (rate.minute !== minute) {
        rate.baseline = rate.baseline === 0 ? rate.count : ALPHA * rate.count + (1 - ALPHA) * rate.baseline;
        rate.minute = minute;
        rate.count = 0;
        rate.fired = false;
      }
      rate.count += 1;
      const limit = Math.max(settings.minMessagesPerMinute, settings.multiplier * rate.baseline);
      if (rate.count <= limit || rate.fired) return null;
      rate.fired = true;
      return {
        detector: 'device-message-rate',
        severity: 'high',
        title: 'Device message flood',
        summary: `${rate.count} messages in one minute (limit ${Math.round(limit)}, baseline ${Math.round(rate.baseline)})`,
        orgId: message.orgId,
        subject: { kind: 'device', id: message.deviceId },
        count: rate.count,
        at: new Date(message.at).toISOString(),
        windowSeconds: 600,
        eventIds: [],
        auditSeqs: [],
      };
    },
    snapshot: () => ({ rates: rates.entries(), refused: refused.export() }),
    restore(state) {
      if (typeof state !== 'object' || state === null) return;
      const { rates: saved, refused: savedRefused } = state as { rates?: unknown; refused?: unknown };
      refused.import(savedRefused);
      if (!Array.isArray(saved)) return;
      for (const item of saved) {
        if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
        const r = item[1] as Partial<Rate> | null;
        if (typeof r !== 'object' || r === null || typeof r.minute !== 'number' || typeof r.count !== 'number' || typeof r.baseline !== 'number') continue;
        rates.set(item[0], { minute: r.minute, count: r.count, baseline: r.baseline, fired: r.fired === true });
      }
    },
  };
}

