/**
 * The broker's limits (config `mqtt.*`, config/schema.ts holds the same fields with their bounds)
 * and their defaults. docs/mqtt.md explains each one.
 */
export interface DeviceBrokerLimits {
  readonly maxPacketBytes: number;
  readonly connectTimeoutMs: number;
  readonly keepaliveLimitSeconds: number;
  readonly queueLimit: number;
  readonly messagesPerSecond: number;
  readonly burst: number;
  /** Our topics have 5 levels; aedes caps this at 100. */
  readonly maxTopicLevels: number;
  /** TLS connections per device certificate: sustained per minute, burst, longest back-off block. */
  readonly connectionsPerMinute: number;
  readonly connectionBurst: number;
  /** TLS connections per source address (many devices may share one behind NAT). */
  readonly sourceConnectionsPerMinute: number;
  readonly sourceConnectionBurst: number;
  readonly connectionBackoffMaxSeconds: number;
  /** How long a publish waits for storage to recover before its connection is closed. */
  readonly storageHoldSeconds: number;
}

export const DEFAULT_BROKER_LIMITS: DeviceBrokerLimits = {
  maxPacketBytes: 16 * 1024,
  connectTimeoutMs: 10_000,
  keepaliveLimitSeconds: 600,
  queueLimit: 42,
  messagesPerSecond: 20,
  burst: 100,
  maxTopicLevels: 8,
  connectionsPerMinute: 12,
  connectionBurst: 6,
  sourceConnectionsPerMinute: 1200,
  sourceConnectionBurst: 600,
  connectionBackoffMaxSeconds: 300,
  storageHoldSeconds: 60,
};
