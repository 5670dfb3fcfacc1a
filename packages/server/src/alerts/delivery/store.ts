/** The delivery store port: channels and dead letters, per organization. Implemented in storage/. */
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

export interface DeliveryStore {
  insertChannel(row: ChannelRow): Promise<void>;
  /** Newest first. */
  listChannels(orgId: string): Promise<ChannelRow[]>;
  findChannel(orgId: string, id: string): Promise<ChannelRow | undefined>;
  insertDeadLetter(row: DeadLetterRow): Promise<void>;
  /** Newest first, at most `limit`. */
  listDeadLetters(orgId: string, status: DeadLetterRow['status'], limit: number): Promise<DeadLetterRow[]>;
  findDeadLetter(orgId: string, id: string): Promise<DeadLetterRow | undefined>;
  updateDeadLetter(orgId: string, id: string, change: Pick<DeadLetterRow, 'attempts' | 'lastError' | 'status' | 'resolvedAt'>): Promise<void>;
}

export interface DeliveryScope {
  readonly delivery: DeliveryStore;
  readonly audit: AuditWriter;
}
