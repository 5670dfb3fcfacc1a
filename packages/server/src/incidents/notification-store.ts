/**
 * The port of notification clocks: the organization's contact directory, an incident's
 * obligations, the notices sent (with their proof) and the sealed risk assessment.
 * MUST: every read filters by organization, except pendingDue (the clock job, a system principal).
 */
import type { ObligationStatus } from './clocks.js';

export type ContactKind = 'individuals' | 'hhs' | 'media' | 'covered-entity' | 'hospital' | 'health-department' | 'device-maker' | 'fda' | 'authority' | 'other';

export interface Contact {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  readonly kind: ContactKind;
  readonly email: string | null;
}

export interface StoredObligation {
  readonly id: string;
  readonly orgId: string;
  readonly incidentId: string;
  readonly obligationId: string;
  readonly rule: string;
  readonly recipient: string;
  readonly dueAt: string | null;
  readonly status: ObligationStatus;
  readonly reason: string | null;
  readonly openedAt: string;
  readonly remindersSent: readonly number[];
  readonly overdueAlertedAt: string | null;
}

export interface Notice {
  readonly id: string;
  readonly orgId: string;
  readonly incidentId: string;
  readonly obligationId: string;
  readonly contactId: string;
  readonly channel: 'email' | 'export';
  readonly sentAt: string;
  readonly sha256: string;
}

export interface NotificationStore {
  insertContact(contact: Contact): Promise<void>;
  contacts(orgId: string): Promise<Contact[]>;
  contact(orgId: string, id: string): Promise<Contact | undefined>;
  /** Replaces the incident's obligations that are still pending (a new assessment). */
  replacePending(orgId: string, incidentId: string, obligations: readonly StoredObligation[]): Promise<void>;
  obligations(orgId: string, incidentId: string): Promise<StoredObligation[]>;
  obligation(orgId: string, id: string): Promise<StoredObligation | undefined>;
  updateObligation(o: StoredObligation): Promise<void>;
  /** Pending obligations with a deadline, across organizations (the clock job). */
  pendingDue(limit: number): Promise<StoredObligation[]>;
  insertNotice(notice: Notice): Promise<void>;
  notices(orgId: string, incidentId: string): Promise<Notice[]>;
  putAssessment(orgId: string, incidentId: string, conclusion: string, sealed: string, at: string, by: string): Promise<void>;
}
