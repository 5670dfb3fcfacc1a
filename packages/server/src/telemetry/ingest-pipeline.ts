/**
 * The ingest pipeline, shared by MQTT and HTTPS: parse -> device match -> signature (models that
 * require authenticated telemetry) -> time window -> replay/dedupe + group commit.
 * FDA premarket cybersecurity guidance, Appendix 1 A (authentication) and C/D (integrity, replay).
 *
 * MUST: the device identity comes from the transport's authentication (mTLS), never from the
 *       message; an envelope naming another device is refused ('device-mismatch').
 * MUST: a model listed as signed refuses a message without a valid ECDSA P-256 signature by the
 *       key of the device's certificate over canonicalTelemetry().
 * MUST: a measurement time outside now ± window is refused ('stale' / 'future').
 * MUST: every refusal is counted per reason and emitted as a SecurityEvent with that reason.
 * MUST: 'stored' and 'duplicate' are returned only after the durable commit.
 */
import { canonicalTelemetry, parseTelemetry, type TelemetryEnvelope } from '@vigil/protocol';
import type { Verifier } from '../keys/index.js';
import type { Clock, SecurityEventSink } from '../kernel/index.js';
import type { GroupCommitter } from './group-commit.js';
import { noDeviceActivity, ReasonCounters, type DeviceActivity, type IngestChannel, type IngestDevice, type IngestOutcome, type IngestRejection } from './model.js';

export interface IngestPipelineOptions {
  readonly committer: GroupCommitter;
  readonly clock: Clock;
  readonly events: SecurityEventSink;
  /** ECDSA P-256 verifier (keys/ecdsaP256Verifier). */
  readonly verifier: Verifier;
  readonly timeWindowSeconds: number;
  /** Device models whose telemetry must be signed. */
  readonly signedModels: readonly string[];
  readonly activity?: DeviceActivity;
}

const SEVERITY: Record<IngestRejection, 'low' | 'medium' | 'high'> = {
  malformed: 'low',
  schema: 'low',
  'unknown-metric': 'low',
  unit: 'low',
  range: 'medium',
  stale: 'medium',
  future: 'medium',
  'device-mismatch': 'high',
  signature: 'high',
  replay: 'high',
};

export class IngestPipeline {
  /** Refusals per reason; plus 'stored' and 'duplicate' for the accepted ones. */
  readonly counters = new ReasonCounters();
  private readonly signed: ReadonlySet<string>;
  private readonly activity: DeviceActivity;

  constructor(private readonly options: IngestPipelineOptions) {
    this.signed = new Set(options.signedModels);
    this.activity = options.activity ?? noDeviceActivity;
  }

  /** Runs a raw payload (JSON bytes) through every check and, if it passes, the group commit. */
  async ingestPayload(device: IngestDevice, payload: Uint8Array, channel: IngestChannel, source: string): Promise<IngestOutcome> {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
    } catch {
      return this.refuse(device, channel, source, 'malformed', 'payload is not JSON');
    }
    return this.ingest(device, decoded, channel, source);
  }

  /** Same, for an already decoded body (the HTTPS route's JSON parser ran the edge limits). */
  async ingest(device: IngestDevice, decoded: unknown, channel: IngestChannel, source: string): Promise<IngestOutcome> {
    const parsed = parseTelemetry(decoded);
    if (!parsed.ok) return this.refuse(device, channel, source, parsed.reason, parsed.detail);
    const envelope = parsed.value;
    if (envelope.deviceId !== device.deviceId) return this.refuse(device, channel, source, 'device-mismatch', 'envelope names another device');
    const signature = this.checkSignature(device, envelope);
    if (signature) return this.refuse(device, channel, source, 'signature', signature, envelope.seq);
    const skewMs = Date.parse(envelope.ts) - this.options.clock.now().getTime();
    const windowMs = this.options.timeWindowSeconds * 1000;
    if (skewMs < -windowMs) return this.refuse(device, channel, source, 'stale', `measured ${Math.round(-skewMs / 1000)} s ago`, envelope.seq);
    if (skewMs > windowMs) return this.refuse(device, channel, source, 'future', `measured ${Math.round(skewMs / 1000)} s ahead`, envelope.seq);

    const result = await this.options.committer.submit(device, envelope, source);
    if (result === 'replay') return this.refuse(device, channel, source, 'replay', 'seq at or below the last committed one', envelope.seq);
    this.counters.add(result);
    void Promise.resolve()
      .then(() => this.activity.markSeen(device.deviceId, this.options.clock.now(), channel))
      .catch(() => undefined);
    return { status: result, seq: envelope.seq };
  }

  private checkSignature(device: IngestDevice, envelope: TelemetryEnvelope): string | null {
    const required = this.signed.has(device.model);
    if (envelope.sig === undefined) return required ? 'model requires signed telemetry' : null;
    // A signature that is present is always checked, required or not: a bad one is a forgery signal.
    const data = Buffer.from(canonicalTelemetry(envelope), 'utf8');
    const ok = this.options.verifier.verify(device.publicKeyPem, data, Buffer.from(envelope.sig, 'base64'));
    return ok ? null : 'signature does not verify with the device certificate key';
  }

  private refuse(device: IngestDevice, channel: IngestChannel, source: string, reason: IngestRejection, detail: string, seq?: number): IngestOutcome {
    this.counters.add(reason);
    this.options.events.emit({
      type: 'ingest.rejected',
      severity: SEVERITY[reason],
      reason,
      orgId: device.orgId,
      deviceId: device.deviceId,
      source,
      details: { channel, ...(seq !== undefined ? { seq } : {}) },
    });
    return { status: 'rejected', reason, detail };
  }
}
