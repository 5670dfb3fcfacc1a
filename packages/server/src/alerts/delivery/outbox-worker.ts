/**
 * The delivery loop over the durable outbox (alert_outbox): bounded exponential back-off, then
 * the dead-letter list. A delivery is a row before its first attempt, so a retry waiting in
 * back-off survives a restart: `resume()` (at start, then periodically) takes over the rows that
 * no live process holds.
 *
 * MUST: a row is worked on by one process at a time: the lease (`lease_until`) is taken with a
 *       conditional update and extended past each scheduled attempt; close() releases it.
 * MUST: each attempt re-reads the channel with its organization: a deleted channel's deliveries
 *       stop, a disabled channel's are dropped (logged), an edited channel's use the new settings.
 * MUST: a dead letter written here carries the generic failure reason (model.ts); the detail goes
 *       to the operator's log only. Its audit event is written in the same transaction.
 */
import { newId, SYSTEM_PRINCIPAL, type Clock, type RequestContext, type UnitOfWork } from '../../kernel/index.js';
import type { ChannelSender } from './channel-sender.js';
import { backoffDelayMs, describeFailure, GENERIC_DELIVERY_FAILURE, type AlertNotification, type RetryPolicy } from './model.js';
import type { ChannelRow, DeliveryScope, DeliveryStore, OutboxRow } from './store.js';

/** How long past a scheduled attempt a process holds its row (an attempt times out within 60 s). */
export const OUTBOX_LEASE_MARGIN_MS = 120_000;
const RESUME_BATCH = 200;

export interface OutboxWorkerDeps {
  readonly uow: UnitOfWork<DeliveryScope>;
  readonly reader: DeliveryStore;
  readonly clock: Clock;
  readonly retry: RetryPolicy;
  readonly delay: (ms: number) => Promise<void>;
  readonly warn: (message: string, fields: Record<string, string | number | boolean>) => void;
  readonly senderFor: (channel: ChannelRow) => ChannelSender;
}

export class OutboxWorker {
  readonly #pending = new Set<Promise<unknown>>();
  readonly #active = new Set<string>();
  readonly #wakeups = new Set<() => void>();
  #closing = false;

  constructor(private readonly deps: OutboxWorkerDeps) {}

  get closing(): boolean {
    return this.#closing;
  }

  /** A fresh row (attempts 0, due now), leased to this process. */
  newRow(channel: ChannelRow, notification: AlertNotification, deadLetterId: string | null): OutboxRow {
    const now = this.deps.clock.now();
    return {
      id: newId(),
      orgId: channel.orgId,
      channelId: channel.id,
      alertId: notification.alert.id,
      payload: JSON.stringify(notification),
      attempts: 0,
      nextAttemptAt: now.toISOString(),
      leaseUntil: new Date(now.getTime() + OUTBOX_LEASE_MARGIN_MS).toISOString(),
      deadLetterId,
      createdAt: now.toISOString(),
    };
  }

  /** Works on rows this process already holds; each completion resolves true when delivered. */
  start(row: OutboxRow): Promise<boolean> {
    this.#active.add(row.id);
    const work = this.#work(row).finally(() => this.#active.delete(row.id));
    this.track(work.catch((error: unknown) => this.deps.warn('alert outbox row failed', { outboxId: row.id, error: describeFailure(error) })));
    return work;
  }

  /** Takes over rows that no live process holds (after a restart or a crash); returns how many. */
  async resume(): Promise<number> {
    if (this.#closing) return 0;
    const now = this.deps.clock.now();
    let started = 0;
    for (const row of await this.deps.reader.listOutboxResumable(now.toISOString(), RESUME_BATCH)) {
      if (this.#active.has(row.id)) continue;
      const due = Math.max(now.getTime(), Date.parse(row.nextAttemptAt));
      const leaseUntil = new Date(due + OUTBOX_LEASE_MARGIN_MS).toISOString();
      if (!(await this.deps.reader.claimOutbox(row.orgId, row.id, now.toISOString(), leaseUntil))) continue;
      void this.start({ ...row, leaseUntil });
      started += 1;
    }
    return started;
  }

  track(task: Promise<unknown>): void {
    this.#pending.add(task);
    void task.finally(() => this.#pending.delete(task)).catch(() => undefined);
  }

  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Back-off waits end at once, no further attempt starts, leases are released for the next start. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const wake of this.#wakeups) wake();
    await this.drain();
  }

  #wait(ms: number): Promise<void> {
    if (this.#closing || ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.#wakeups.delete(wake);
        resolve();
      };
      this.#wakeups.add(wake);
      void this.deps.delay(ms).then(wake, wake);
    });
  }

  async #work(row: OutboxRow): Promise<boolean> {
    const notification = JSON.parse(row.payload) as AlertNotification;
    let attempts = row.attempts;
    let nextAttemptAt = row.nextAttemptAt;
    let wait = Date.parse(nextAttemptAt) - this.deps.clock.now().getTime();
    for (;;) {
      await this.#wait(wait);
      if (this.#closing) {
        await this.deps.uow.run((s) => s.delivery.updateOutbox(row.orgId, row.id, { attempts, nextAttemptAt, leaseUntil: null }));
        return false;
      }
      const channel = await this.deps.reader.findChannel(row.orgId, row.channelId);
      if (channel === undefined || !channel.enabled) {
        this.deps.warn('alert delivery dropped: its channel was deleted or disabled', { outboxId: row.id, channelId: row.channelId, alertId: row.alertId });
        await this.deps.uow.run((s) => s.delivery.deleteOutbox(row.orgId, row.id));
        return false;
      }
      attempts += 1;
      try {
        await this.deps.senderFor(channel).send(notification);
        await this.#delivered(row, attempts);
        return true;
      } catch (error) {
        this.deps.warn('security alert delivery attempt failed', { channelId: channel.id, alertId: row.alertId, attempt: attempts, error: describeFailure(error) });
      }
      if (attempts >= this.deps.retry.maxAttempts) {
        await this.#deadLetter(row, channel, attempts);
        return false;
      }
      wait = backoffDelayMs(this.deps.retry, attempts);
      const next = this.deps.clock.now().getTime() + wait;
      nextAttemptAt = new Date(next).toISOString();
      const change = { attempts, nextAttemptAt, leaseUntil: new Date(next + OUTBOX_LEASE_MARGIN_MS).toISOString() };
      await this.deps.uow.run((s) => s.delivery.updateOutbox(row.orgId, row.id, change));
    }
  }

  async #delivered(row: OutboxRow, attempts: number): Promise<void> {
    await this.deps.uow.run(async (s) => {
      await s.delivery.deleteOutbox(row.orgId, row.id);
      if (row.deadLetterId === null) return;
      const letter = await s.delivery.findDeadLetter(row.orgId, row.deadLetterId);
      if (letter === undefined) return;
      await s.delivery.updateDeadLetter(row.orgId, letter.id, {
        attempts: letter.attempts + attempts,
        lastError: letter.lastError,
        status: 'delivered',
        resolvedAt: this.deps.clock.now().toISOString(),
      });
      await s.audit.record(deliveryContext(), {
        action: 'alerts.dead_letter.resolve',
        target: { type: 'alert_dead_letter', id: letter.id },
        outcome: 'success',
        orgId: row.orgId,
        details: { channelId: letter.channelId, alertId: letter.alertId },
      });
    });
  }

  async #deadLetter(row: OutboxRow, channel: ChannelRow, attempts: number): Promise<void> {
    this.deps.warn('security alert delivery failed; dead-lettered', { channelId: channel.id, alertId: row.alertId, attempts });
    await this.deps.uow.run(async (s) => {
      await s.delivery.deleteOutbox(row.orgId, row.id);
      const existing = row.deadLetterId === null ? undefined : await s.delivery.findDeadLetter(row.orgId, row.deadLetterId);
      const id = existing?.id ?? newId();
      if (existing === undefined) {
        await s.delivery.insertDeadLetter({
          id,
          orgId: row.orgId,
          channelId: row.channelId,
          alertId: row.alertId,
          payload: row.payload,
          attempts,
          lastError: GENERIC_DELIVERY_FAILURE,
          createdAt: this.deps.clock.now().toISOString(),
          status: 'pending',
          resolvedAt: null,
        });
      } else {
        await s.delivery.updateDeadLetter(row.orgId, id, { attempts: existing.attempts + attempts, lastError: GENERIC_DELIVERY_FAILURE, status: 'pending', resolvedAt: null });
      }
      await s.audit.record(deliveryContext(), {
        action: 'alerts.delivery.dead_letter',
        target: { type: 'alert_dead_letter', id },
        outcome: 'failure',
        reason: 'retries-exhausted',
        orgId: row.orgId,
        details: { channelId: channel.id, kind: channel.kind, alertId: row.alertId, attempts },
      });
    });
  }
}

function deliveryContext(): RequestContext {
  return { principal: SYSTEM_PRINCIPAL, requestId: `alert-delivery-${newId()}`, source: 'local' };
}
