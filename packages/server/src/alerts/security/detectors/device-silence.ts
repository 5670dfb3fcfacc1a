/**
 * Silence (scheduled): an active device whose last message is older than its model's interval
 * (`models[model]`, else `defaultIntervalSeconds`). Devices never seen are not silent: they have
 * not started. One alert per device and day while it stays silent.
 */
import type { AlertCandidate } from '../model.js';
import type { DetectorSettings } from '../settings.js';

export interface SeenDevice {
  readonly deviceId: string;
  readonly orgId: string;
  readonly model: string;
  readonly lastSeenAt: string;
}

export function silenceCandidates(devices: readonly SeenDevice[], now: Date, settings: DetectorSettings['deviceSilence']): AlertCandidate[] {
  const out: AlertCandidate[] = [];
  for (const d of devices) {
    const interval = settings.models[d.model] ?? settings.defaultIntervalSeconds;
    const silentSeconds = Math.floor((now.getTime() - Date.parse(d.lastSeenAt)) / 1000);
    if (silentSeconds <= interval) continue;
    out.push({
      detector: 'device-silence',
      severity: 'medium',
      title: 'Device silent',
      summary: `no message for ${silentSeconds} s (interval ${interval} s for model ${d.model})`,
      orgId: d.orgId,
      subject: { kind: 'device', id: d.deviceId },
      count: 1,
      at: now.toISOString(),
      windowSeconds: 86_400,
      eventIds: [],
      auditSeqs: [],
    });
  }
  return out;
}
