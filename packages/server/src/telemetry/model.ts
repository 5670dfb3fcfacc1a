/**
 * Telemetry model: who is sending (the authenticated device), what the pipeline answers, and the
 * ports to the devices module. No I/O.
 */
import type { TelemetryRejection } from '@vigil/protocol';

/** A device as authenticated by its transport (mTLS): never taken from the message itself. */
export interface IngestDevice {
  readonly deviceId: string;
  readonly orgId: string;
  readonly model: string;
  /** SPKI PEM of the certificate's public key: verifies signed telemetry. */
  readonly publicKeyPem: string;
}

export type IngestChannel = 'mqtt' | 'https';

/** Every reason a message is refused: the protocol's checks plus the server-side ones. */
export type IngestRejection = TelemetryRejection;

export type IngestOutcome =
  | { readonly status: 'stored'; readonly seq: number }
  /** A redelivery of a committed message (same seq, same content): acknowledged, not stored again. */
  | { readonly status: 'duplicate'; readonly seq: number }
  | { readonly status: 'rejected'; readonly reason: IngestRejection; readonly detail: string };

/** Port to the devices module: "this device was seen now". Best effort; never blocks ingest. */
export interface DeviceActivity {
  markSeen(deviceId: string, at: Date, source: string): void | Promise<void>;
}

export const noDeviceActivity: DeviceActivity = { markSeen: () => undefined };

/** Per-reason counters, exposed for metrics and tests. */
export class ReasonCounters {
  private readonly counts = new Map<string, number>();
  add(reason: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }
  get(reason: string): number {
    return this.counts.get(reason) ?? 0;
  }
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
