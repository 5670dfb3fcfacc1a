/**
 * The delivery store port: channels, dead letters and the durable outbox of deliveries in flight.
 * Implemented in storage/.
 *
 * MUST: channel and dead-letter reads and writes are scoped to an organization. The outbox is read
 *       across organizations only by the platform's delivery worker (`listOutboxResumable`), which
 *       re-reads each row's channel with its organization before sending.
 */
import type { AuditWriter } from '../../audit/index.js';
import type { AlertSeverity, ChannelKind } from './model.js';

export interface ChannelRow {
  readonly id: string;
  readonly orgId: string;
  readonly kind: ChannelKind;
  readonly name: string;
  readonly enabled: boolean;
  readonly minSeverity: AlertSeverity;
  /** Where it goes, shown to users: URL or host:port, never a secret. */
  readonly target: string;
  /** JSON of the kind's non-secret config. */
  readonly config: string;
  /** Sealer output over the JSON of the kind's secrets (context `alerts.channel:<id>`), or null. */
  readonly sealedSecrets: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface DeadLetterRow {
  readonly id: string;
  readonly orgId: string;
  readonly channelId: string;
  readonly alertId: string;
  /** JSON of the AlertNotification (PHI-free), replayed on retry. */
  readonly payload: string;
  readonly attempts: number;
  readonly lastError: string;
  readonly createdAt: string;
  readonly status: 'pending' | 'delivered';
  readonly resolvedAt: string | null;
}

/**
 * One delivery in flight (0015): written before the first attempt, updated after each failed
 * attempt, deleted when delivered or dead-lettered. A process holds a row until `leaseUntil`;
 * after a crash, the next start takes over rows whose lease has ended.
 */
export interface OutboxRow {
  readonly id: string;
  readonly orgId: string;
  readonly channelId: string;
  readonly alertId: string;
  /** JSON of the AlertNotification (PHI-free). */
  readonly payload: string;
  /** Attempts made so far in this round. */
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly leaseUntil: string | null;
  /** The dead letter this round retries, or null for a first delivery. */
  readonly deadLetterId: string | null;
  readonly createdAt: string;
}

export type ChannelChange = Pick<ChannelRow, 'name' | 'enabled' | 'minSeverity' | 'target' | 'config' | 'sealedSecrets'>;

export interface DeliveryStore {
  insertChannel(row: ChannelRow): Promise<void>;
  updateChannel(orgId: string, id: string, change: ChannelChange): Promise<void>;
  /** Deletes the channel and its deliveries in flight; its dead letters stay (history). */
  deleteChannel(orgId: string, id: string): Promise<void>;
  /** Newest first. */
  listChannels(orgId: string): Promise<ChannelRow[]>;
  findChannel(orgId: string, id: string): Promise<ChannelRow | undefined>;
  insertDeadLetter(row: DeadLetterRow): Promise<void>;
  /** Newest first, at most `limit`. */
  listDeadLetters(orgId: string, status: DeadLetterRow['status'], limit: number): Promise<DeadLetterRow[]>;
  findDeadLetter(orgId: string, id: string): Promise<DeadLetterRow | undefined>;
  updateDeadLetter(orgId: string, id: string, change: Pick<DeadLetterRow, 'attempts' | 'lastError' | 'status' | 'resolvedAt'>): Promise<void>;
  insertOutbox(row: OutboxRow): Promise<void>;
  updateOutbox(orgId: string, id: string, change: Pick<OutboxRow, 'attempts' | 'nextAttemptAt' | 'leaseUntil'>): Promise<void>;
  deleteOutbox(orgId: string, id: string): Promise<void>;
  /** Rows with no lease or a lease ended before `now`, oldest first, at most `limit`. */
  listOutboxResumable(now: string, limit: number): Promise<OutboxRow[]>;
  /** Takes the lease of a resumable row; false when another process holds it (or it is gone). */
  claimOutbox(orgId: string, id: string, now: string, leaseUntil: string): Promise<boolean>;
}

export interface DeliveryScope {
  readonly delivery: DeliveryStore;
  readonly audit: AuditWriter;
}
