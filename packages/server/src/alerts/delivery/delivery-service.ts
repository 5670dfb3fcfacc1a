/**
 * DeliveryService: the channel registry (create, read, edit, disable, delete), the dead-letter
 * list and its retry. Deliveries run on the durable outbox (outbox-worker.ts). DeliveryNotifier is
 * the SecurityAlertNotifier the security alerts module calls.
 *
 * MUST: channel management and dead letters are scoped to the caller's organization and need
 *       `security:channels` (access.decide); another tenant's channel or dead letter answers 404.
 * MUST: every state change (channel created, edited, deleted, dead letter written, retried,
 *       resolved) writes its audit event in the same transaction; details carry ids, codes and
 *       field names, never secrets or URLs.
 * MUST: secrets are sealed with the platform Sealer, bound to the channel id, and opened only to
 *       build a sender for one delivery.
 * MUST: every connection goes through the TargetPolicy (SSRF: target-policy.ts).
 * MUST: notify() never throws into the alerts module and never blocks it.
 */
import { decide } from '../../access/index.js';
import type { Sealer } from '../../keys/index.js';
import { AppError, newId, principalOrg, type Clock, type RequestContext, type UnitOfWork } from '../../kernel/index.js';
import type { ChannelSender } from './channel-sender.js';
import { channelSettings, channelView, patchedInput, targetOf, type ChannelInput, type ChannelPatch } from './channel-settings.js';
import { emailSender, sendPlainEmail } from './email-sender.js';
import {
  DEFAULT_RETRY_POLICY,
  describeFailure,
  GENERIC_DELIVERY_FAILURE,
  severityAtLeast,
  toNotification,
  type AlertChange,
  type AlertNotification,
  type ChannelView,
  type DeadLetterView,
  type EmailConfig,
  type RetryPolicy,
  type SecurityAlert,
  type SecurityAlertNotifier,
  type SyslogConfig,
  type WebhookConfig,
} from './model.js';
import { OutboxWorker } from './outbox-worker.js';
import type { ChannelRow, DeadLetterRow, DeliveryScope, DeliveryStore } from './store.js';
import { syslogSender } from './syslog-rfc5424.js';
import type { TargetPolicy } from './target-policy.js';
import { webhookSender } from './webhook-sender.js';

export type { ChannelInput, ChannelPatch };

export interface DeliveryServiceDeps {
  readonly uow: UnitOfWork<DeliveryScope>;
  /** Reads outside a transaction (the delivery path). */
  readonly reader: DeliveryStore;
  readonly sealer: Sealer;
  readonly clock: Clock;
  /** Where deliveries may connect: the operator's allowlist over the default refusal of internal ranges. */
  readonly targets: TargetPolicy;
  /** Insecure channel settings and failures end up here (the process log). */
  readonly warn: (message: string, fields: Record<string, string | number | boolean>) => void;
  readonly retry?: RetryPolicy;
  /** Waits between attempts; tests record the delays. */
  readonly delay?: (ms: number) => Promise<void>;
}

const MAX_DEAD_LETTERS = 500;

const realDelay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

export class DeliveryService {
  readonly #worker: OutboxWorker;

  constructor(private readonly deps: DeliveryServiceDeps) {
    this.#worker = new OutboxWorker({
      uow: deps.uow,
      reader: deps.reader,
      clock: deps.clock,
      retry: deps.retry ?? DEFAULT_RETRY_POLICY,
      delay: deps.delay ?? realDelay,
      warn: deps.warn,
      senderFor: (channel) => this.#sender(channel),
    });
  }

  /** The port the security alerts module calls (structurally its SecurityAlertNotifier). */
  readonly notifier: SecurityAlertNotifier = {
    notify: (alert, change) => {
      if (this.#worker.closing) {
        this.deps.warn('alert not delivered: the server is shutting down', { alertId: alert.id });
        return;
      }
      this.#worker.track(
        this.deliverAlert(alert, change).catch((error: unknown) =>
          this.deps.warn('alert delivery failed before any channel was tried', { alertId: alert.id, error: describeFailure(error) }),
        ),
      );
    },
  };

  async createChannel(ctx: RequestContext, input: ChannelInput): Promise<ChannelView> {
    const orgId = this.#authorize(ctx);
    const id = newId();
    const settings = channelSettings(input, this.deps.targets);
    const target = targetOf(settings);
    if (settings.config.insecure) {
      this.deps.warn('security alert channel created with an insecure transport', { channelId: id, kind: settings.kind, target });
    }
    const secrets = JSON.stringify(settings.secrets);
    const row: ChannelRow = {
      id,
      orgId,
      kind: settings.kind,
      name: input.name,
      enabled: input.enabled ?? true,
      minSeverity: input.minSeverity,
      target,
      config: JSON.stringify(settings.config),
      sealedSecrets: secrets === '{}' ? null : this.deps.sealer.seal(Buffer.from(secrets, 'utf8'), sealContext(id)),
      createdAt: this.deps.clock.now().toISOString(),
      createdBy: ctx.principal.id,
    };
    await this.deps.uow.run(async (s) => {
      await s.delivery.insertChannel(row);
      await s.audit.record(ctx, {
        action: 'alerts.channel.create',
        target: { type: 'alert_channel', id },
        outcome: 'success',
        orgId,
        details: { kind: row.kind, minSeverity: row.minSeverity, enabled: row.enabled, insecure: settings.config.insecure },
      });
    });
    return channelView(row);
  }

  async listChannels(ctx: RequestContext): Promise<ChannelView[]> {
    const orgId = this.#authorize(ctx);
    return (await this.deps.reader.listChannels(orgId)).map(channelView);
  }

  /** One channel of the caller's organization; another tenant's answers ALERTS_CHANNEL_NOT_FOUND. */
  async getChannel(ctx: RequestContext, id: string): Promise<ChannelView> {
    const orgId = this.#authorize(ctx);
    const row = await this.deps.reader.findChannel(orgId, id);
    if (row === undefined) throw new AppError('ALERTS_CHANNEL_NOT_FOUND');
    return channelView(row);
  }

  /** Renames, re-targets, disables (enabled: false) or re-enables a channel; audited. */
  async updateChannel(ctx: RequestContext, id: string, patch: ChannelPatch): Promise<ChannelView> {
    const orgId = this.#authorize(ctx);
    return this.deps.uow.run(async (s) => {
      const row = await s.delivery.findChannel(orgId, id);
      if (row === undefined) throw new AppError('ALERTS_CHANNEL_NOT_FOUND');
      const input = patchedInput(row, patch, this.#secrets(row));
      const name = patch.name ?? row.name;
      if (name.trim() === '' || name.length > 100) throw new AppError('ALERTS_CHANNEL_INVALID', { publicMessage: 'The channel is not valid: name must be 1..100 characters.' });
      let config = row.config;
      let target = row.target;
      let sealedSecrets = row.sealedSecrets;
      let insecure = (JSON.parse(row.config) as { insecure?: boolean }).insecure === true;
      if (input !== null) {
        const settings = channelSettings(input, this.deps.targets);
        config = JSON.stringify(settings.config);
        target = targetOf(settings);
        insecure = settings.config.insecure;
        const secrets = JSON.stringify(settings.secrets);
        sealedSecrets = secrets === '{}' ? null : this.deps.sealer.seal(Buffer.from(secrets, 'utf8'), sealContext(id));
        if (insecure) this.deps.warn('security alert channel edited with an insecure transport', { channelId: id, kind: row.kind, target });
      }
      const updated: ChannelRow = { ...row, name, enabled: patch.enabled ?? row.enabled, minSeverity: patch.minSeverity ?? row.minSeverity, config, target, sealedSecrets };
      await s.delivery.updateChannel(orgId, id, updated);
      const fields = (['name', 'minSeverity', 'enabled', 'config'] as const).filter((f) => patch[f] !== undefined).join(',');
      await s.audit.record(ctx, {
        action: 'alerts.channel.update',
        target: { type: 'alert_channel', id },
        outcome: 'success',
        orgId,
        details: { kind: row.kind, fields, enabled: updated.enabled, minSeverity: updated.minSeverity, insecure },
      });
      return channelView(updated);
    });
  }

  /** Deletes a channel and its deliveries in flight; its dead letters stay as history. Audited. */
  async deleteChannel(ctx: RequestContext, id: string): Promise<void> {
    const orgId = this.#authorize(ctx);
    await this.deps.uow.run(async (s) => {
      const row = await s.delivery.findChannel(orgId, id);
      if (row === undefined) throw new AppError('ALERTS_CHANNEL_NOT_FOUND');
      await s.delivery.deleteChannel(orgId, id);
      await s.audit.record(ctx, { action: 'alerts.channel.delete', target: { type: 'alert_channel', id }, outcome: 'success', orgId, details: { kind: row.kind } });
    });
  }

  async listDeadLetters(ctx: RequestContext): Promise<DeadLetterView[]> {
    const orgId = this.#authorize(ctx);
    return (await this.deps.reader.listDeadLetters(orgId, 'pending', MAX_DEAD_LETTERS)).map(deadLetterView);
  }

  /**
   * Starts a new round of attempts for a pending dead letter and returns at once (the route
   * answers 202); `completion` resolves true when the alert was delivered.
   */
  async retryDeadLetter(ctx: RequestContext, id: string): Promise<{ completion: Promise<boolean> }> {
    const orgId = this.#authorize(ctx);
    const row = await this.deps.uow.run(async (s) => {
      const found = await s.delivery.findDeadLetter(orgId, id);
      if (found === undefined) throw new AppError('ALERTS_DEAD_LETTER_NOT_FOUND');
      if (found.status !== 'pending') throw new AppError('ALERTS_DEAD_LETTER_RESOLVED');
      const ch = await s.delivery.findChannel(orgId, found.channelId);
      if (ch === undefined) throw new AppError('ALERTS_CHANNEL_NOT_FOUND');
      const outbox = this.#worker.newRow(ch, JSON.parse(found.payload) as AlertNotification, found.id);
      await s.delivery.insertOutbox(outbox);
      await s.audit.record(ctx, {
        action: 'alerts.dead_letter.retry',
        target: { type: 'alert_dead_letter', id },
        outcome: 'success',
        orgId,
        details: { channelId: ch.id, alertId: found.alertId, attempts: found.attempts },
      });
      return outbox;
    });
    return { completion: this.#worker.start(row) };
  }

  /**
   * Delivers one alert change to every enabled channel of its organization at or above its
   * severity: one outbox row per channel, written before the first attempt.
   */
  async deliverAlert(alert: SecurityAlert, change: AlertChange): Promise<void> {
    // Channels belong to an organization; a platform-level alert (no organization) has none yet.
    if (alert.orgId === null) return;
    const notification = toNotification(alert, change);
    const channels = (await this.deps.reader.listChannels(alert.orgId)).filter((c) => c.enabled && severityAtLeast(alert.severity, c.minSeverity));
    if (channels.length === 0) return;
    const rows = channels.map((channel) => this.#worker.newRow(channel, notification, null));
    await this.deps.uow.run(async (s) => {
      for (const row of rows) await s.delivery.insertOutbox(row);
    });
    await Promise.all(rows.map((row) => this.#worker.start(row)));
  }

  /** Takes over deliveries left in the outbox by a previous process (at start, then periodically). */
  resume(): Promise<number> {
    return this.#worker.resume();
  }

  /** Waits for deliveries in flight (tests). */
  drain(): Promise<void> {
    return this.#worker.drain();
  }

  /**
   * Shutdown, before the database closes: back-off waits end at once, no further attempt starts,
   * and every delivery still in flight stays in the outbox for the next start.
   */
  close(): Promise<void> {
    return this.#worker.close();
  }

  #secrets(channel: ChannelRow): Record<string, unknown> {
    return channel.sealedSecrets === null ? {} : (JSON.parse(Buffer.from(this.deps.sealer.open(channel.sealedSecrets, sealContext(channel.id))).toString('utf8')) as Record<string, unknown>);
  }

  /** Sends a plain-text message (an incident notice) through the organization's first enabled email channel. */
  async sendEmail(orgId: string, to: string, subject: string, text: string): Promise<void> {
    const channel = (await this.deps.reader.listChannels(orgId)).find((c) => c.kind === 'email' && c.enabled);
    if (!channel) throw new AppError('ALERTS_CHANNEL_NOT_FOUND', { publicMessage: 'The organization has no enabled email channel.' });
    const secrets = channel.sealedSecrets === null ? {} : (JSON.parse(Buffer.from(this.deps.sealer.open(channel.sealedSecrets, sealContext(channel.id))).toString('utf8')) as Record<string, unknown>);
    await sendPlainEmail(JSON.parse(channel.config) as EmailConfig, { password: typeof secrets['password'] === 'string' ? secrets['password'] : null }, this.deps.targets, to, subject, text);
  }

  #sender(channel: ChannelRow): ChannelSender {
    const secrets = this.#secrets(channel);
    const now = () => this.deps.clock.now();
    switch (channel.kind) {
      case 'webhook':
        return webhookSender(JSON.parse(channel.config) as WebhookConfig, { secret: String(secrets['secret'] ?? '') }, now, this.deps.targets);
      case 'email':
        return emailSender(JSON.parse(channel.config) as EmailConfig, { password: typeof secrets['password'] === 'string' ? secrets['password'] : null }, this.deps.targets);
      case 'syslog':
        return syslogSender(JSON.parse(channel.config) as SyslogConfig, now, this.deps.targets);
    }
  }

  #authorize(ctx: RequestContext): string {
    const orgId = principalOrg(ctx.principal);
    const decision = decide(ctx.principal, 'security:channels', orgId === null ? undefined : { orgId });
    if (!decision.allow) throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: `access: ${decision.reason}` });
    if (orgId === null) throw new AppError('FORBIDDEN', { detail: 'delivery: the principal belongs to no organization' });
    return orgId;
  }
}

/** The context a channel's secrets are sealed with (KEK rotation re-wraps them). */
export function sealContext(channelId: string): string {
  return `alerts.channel:${channelId}`;
}

function deadLetterView(row: DeadLetterRow): DeadLetterView {
  // Rows written before 0015 may hold a transport error (ECONNREFUSED, a status code): tenants see
  // the generic reason only.
  return { id: row.id, channelId: row.channelId, alertId: row.alertId, attempts: row.attempts, lastError: GENERIC_DELIVERY_FAILURE, createdAt: row.createdAt };
}

/** The SecurityAlertNotifier the integrator hands to the security alerts module. */
export class DeliveryNotifier implements SecurityAlertNotifier {
  constructor(private readonly service: DeliveryService) {}
  notify(alert: SecurityAlert, change: AlertChange): void {
    this.service.notifier.notify(alert, change);
  }
}
