/**
 * Detector settings (config `security.detectors.*`; config/schema.ts holds the same shape with
 * its defaults and bounds). docs/detection.md explains each one and how to tune it.
 */
export interface Toggle {
  readonly enabled: boolean;
}

export interface DetectorSettings {
  /** Master switch: false turns every detector off (events are still stored). */
  readonly enabled: boolean;
  readonly bruteForce: Toggle & { readonly failures: number; readonly windowSeconds: number };
  readonly passwordSpray: Toggle & { readonly accounts: number; readonly windowSeconds: number };
  readonly newSource: Toggle & { readonly rememberedSources: number };
  readonly bulkPhi: Toggle & { readonly absoluteCap: number; readonly baselineMultiplier: number; readonly minimumBaseline: number; readonly windowSeconds: number };
  readonly offHoursPhi: Toggle & { readonly startHour: number; readonly endHour: number; readonly utcOffsetMinutes: number };
  readonly accessDenials: Toggle & { readonly denials: number; readonly windowSeconds: number };
  readonly privilegeEscalation: Toggle & { readonly privilegedRoles: readonly string[] };
  readonly breakGlass: Toggle & { readonly windowSeconds: number };
  readonly disabledAccountToken: Toggle;
  readonly deviceAuthFailures: Toggle & { readonly failures: number; readonly windowSeconds: number };
  readonly deviceMessageRate: Toggle & { readonly minMessagesPerMinute: number; readonly multiplier: number; readonly rateLimitedRefusals: number };
  readonly deviceMessageSize: Toggle & { readonly minBytes: number; readonly multiplier: number; readonly warmupMessages: number };
  readonly deviceSourceChange: Toggle;
  readonly deviceFlapping: Toggle & { readonly connects: number; readonly windowSeconds: number };
  readonly deviceAcl: Toggle;
  readonly deviceCertificate: Toggle;
  readonly deviceReplay: Toggle & { readonly windowSeconds: number };
  readonly deviceFirmware: Toggle;
  readonly deviceSilence: Toggle & { readonly defaultIntervalSeconds: number; readonly checkEverySeconds: number; readonly models: Readonly<Record<string, number>> };
}

export const DEFAULT_DETECTOR_SETTINGS: DetectorSettings = {
  enabled: true,
  bruteForce: { enabled: true, failures: 5, windowSeconds: 300 },
  passwordSpray: { enabled: true, accounts: 5, windowSeconds: 600 },
  newSource: { enabled: true, rememberedSources: 8 },
  bulkPhi: { enabled: true, absoluteCap: 50, baselineMultiplier: 5, minimumBaseline: 10, windowSeconds: 3600 },
  offHoursPhi: { enabled: true, startHour: 6, endHour: 22, utcOffsetMinutes: 0 },
  accessDenials: { enabled: true, denials: 10, windowSeconds: 300 },
  privilegeEscalation: { enabled: true, privilegedRoles: ['platform-admin', 'org-admin', 'security-officer'] },
  breakGlass: { enabled: true, windowSeconds: 3600 },
  disabledAccountToken: { enabled: true },
  deviceAuthFailures: { enabled: true, failures: 5, windowSeconds: 300 },
  deviceMessageRate: { enabled: true, minMessagesPerMinute: 300, multiplier: 5, rateLimitedRefusals: 1 },
  deviceMessageSize: { enabled: true, minBytes: 4096, multiplier: 4, warmupMessages: 20 },
  deviceSourceChange: { enabled: true },
  deviceFlapping: { enabled: true, connects: 10, windowSeconds: 600 },
  deviceAcl: { enabled: true },
  deviceCertificate: { enabled: true },
  deviceReplay: { enabled: true, windowSeconds: 600 },
  deviceFirmware: { enabled: true },
  deviceSilence: { enabled: true, defaultIntervalSeconds: 900, checkEverySeconds: 60, models: {} },
};

/** The broker limits the device detectors must stay within (config `mqtt.*`). */
export interface DeviceLimitsView {
  readonly messagesPerSecond: number;
  readonly burst: number;
  readonly connectionsPerMinute: number;
  readonly connectionBurst: number;
}

/**
 * Detector thresholds that follow the configured broker limits (issue 11 item 5): a threshold the
 * broker's own limits make unreachable would never fire. The message-rate floor is kept below 80%
 * of what the rate limit lets through in a minute; the flapping threshold at or below the
 * connections the connection throttle lets through in its window.
 */
export function detectorsFollowingLimits(s: DetectorSettings, limits: DeviceLimitsView): DetectorSettings {
  const perMinute = Math.max(1, Math.floor(0.8 * (limits.messagesPerSecond * 60 + limits.burst)));
  const connectsInWindow = Math.max(2, limits.connectionBurst + Math.floor((limits.connectionsPerMinute * s.deviceFlapping.windowSeconds) / 60));
  return {
    ...s,
    deviceMessageRate: { ...s.deviceMessageRate, minMessagesPerMinute: Math.min(s.deviceMessageRate.minMessagesPerMinute, perMinute) },
    deviceFlapping: { ...s.deviceFlapping, connects: Math.min(s.deviceFlapping.connects, connectsInWindow) },
  };
}
