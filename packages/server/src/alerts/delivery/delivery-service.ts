/**
 * DeliveryService: the channel registry, the delivery loop (bounded exponential back-off, then
 * the dead-letter list) and the dead-letter retry. DeliveryNotifier is the SecurityAlertNotifier
 * the security alerts module calls.
 *
 * MUST: channel management and dead letters are scoped to the caller's organization and need
 *       `security:channels` (access.decide); another tenant's dead letter answers 404.
 * MUST: every state change (channel created, dead letter written, retried, resolved) writes its
 *       audit event in the same transaction; details carry ids and codes, never secrets or URLs.
 * MUST: secrets are sealed with the platform Sealer, bound to the channel id, and opened only to
 *       build a sender for one delivery.
 * MUST: notify() never throws into the alerts module and never blocks it.
 */
import { isIP } from 'node:net';
import { decide } from '../../access/index.js';
import type { Sealer } from '../../keys/index.js';
import { AppError, newId, principalOrg, SYSTEM_PRINCIPAL, type Clock, type RequestContext, type UnitOfWork } from '../../kernel/index.js';
import type { ChannelSender } from './channel-sender.js';
import { emailSender, sendPlainEmail } from './email-sender.js';
import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  describeFailure,
  severityAtLeast,
  toNotification,
  type AlertChange,
  type AlertNotification,
  type AlertSeverity,
  type ChannelSettings,
  type ChannelView,
  type DeadLetterView,
  type EmailConfig,
  type RetryPolicy,
  type SecurityAlert,
  type SecurityAlertNotifier,
  type SyslogConfig,
  type WebhookConfig,
} from './model.js';
import type { ChannelRow, DeadLetterRow, DeliveryScope, DeliveryStore } from './store.js';
import { syslogSender } from './syslog-rfc5424.js';
import { webhookSender } from './webhook-sender.js';

/** What a caller gives to create a channel (the HTTP schema checks shapes; this checks meaning). */
export type ChannelInput = { readonly name: string; readonly minSeverity: AlertSeverity; readonly enabled?: boolean } & (
  | {
      readonly kind: 'webhook';
      readonly config: { url: string; secret: string; timeoutMs?: number; caPem?: string; insecure?: boolean };
    }
  | {
      readonly kind: 'email';
      readonly config: {
        host: string;
        port: number;
        from: string;
        to: string[];
        username?: string;
        password?: string;
        caPem?: string;
        timeoutMs?: number;
        insecure?: boolean;
      };
    }
  | {
      readonly kind: 'syslog';
      readonly config: { host: string; port: number; transport?: 'tls' | 'tcp'; facility?: number; caPem?: string; timeoutMs?: number; insecure?: boolean };
    }
);

export interface DeliveryServiceDeps {
  readonly uow: UnitOfWork<DeliveryScope>;
  /** Reads outside a transaction (the delivery path). */
  readonly reader: DeliveryStore;
  readonly sealer: Sealer;
  readonly clock: Clock;
  /** Insecure channel settings and failures end up here (the process log). */
  readonly warn: (message: string, fields: Record<string, string | number | boolean>) => void;
  readonly retry?: RetryPolicy;
  /** Waits between attempts; tests record the delays. */
  readonly delay?: (ms: number) => Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_DEAD_LETTERS = 500;
const HOST_RE = /^[A-Za-z0-9.-]{1,253}$|^\[?[0-9A-Fa-f:.]+\]?$/;
const EMAIL_RE = /^[^\s@<>",;]{1,64}@[A-Za-z0-9.-]{1,253}$/;

const realDelay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

export class DeliveryService {
  readonly #pending = new Set<Promise<unknown>>();
  readonly #retry: RetryPolicy;
  readonly #delay: (ms: number) => Promise<void>;
  /** Set by close(): waits end at once and no further attempt starts; what is left is dead-lettered. */
  #closing = false;
  readonly #wakeups = new Set<() => void>();

  constructor(private readonly deps: DeliveryServiceDeps) {
    this.#retry = deps.retry ?? DEFAULT_RETRY_POLICY;
    this.#delay = deps.delay ?? realDelay;
  }

  /** The port the security alerts module calls (structurally its SecurityAlertNotifier). */
  readonly notifier: SecurityAlertNotifier = {
    notify: (alert, change) => {
      if (this.#closing) {
        this.deps.warn('alert not delivered: the server is shutting down', { alertId: alert.id });
        return;
      }
      this.#track(
        this.deliverAlert(alert, change).catch((error: unknown) =>
          this.deps.warn('alert delivery failed before any channel was tried', { alertId: alert.id, error: describeFailure(error) }),
        ),
      );
    },
  };

  async createChannel(ctx: RequestContext, input: ChannelInput): Promise<ChannelView> {
    const orgId = this.#authorize(ctx);
    const id = newId();
    const settings = this.#settings(input);
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
    const { letter, channel } = await this.deps.uow.run(async (s) => {
      const found = await s.delivery.findDeadLetter(orgId, id);
      if (found === undefined) throw new AppError('ALERTS_DEAD_LETTER_NOT_FOUND');
      if (found.status !== 'pending') throw new AppError('ALERTS_DEAD_LETTER_RESOLVED');
      const ch = await s.delivery.findChannel(orgId, found.channelId);
      if (ch === undefined) throw new AppError('ALERTS_CHANNEL_NOT_FOUND');
      await s.audit.record(ctx, {
        action: 'alerts.dead_letter.retry',
        target: { type: 'alert_dead_letter', id },
        outcome: 'success',
        orgId,
        details: { channelId: ch.id, alertId: found.alertId, attempts: found.attempts },
      });
      return { letter: found, channel: ch };
    });
    const notification = JSON.parse(letter.payload) as AlertNotification;
    const completion = this.#deliverWithRetry(channel, notification, letter);
    this.#track(completion);
    return { completion };
  }

  /** Delivers one alert change to every enabled channel of its organization at or above its severity. */
  async deliverAlert(alert: SecurityAlert, change: AlertChange): Promise<void> {
    // Channels belong to an organization; a platform-level alert (no organization) has none yet.
    if (alert.orgId === null) return;
    const notification = toNotification(alert, change);
    const channels = (await this.deps.reader.listChannels(alert.orgId)).filter((c) => c.enabled && severityAtLeast(alert.severity, c.minSeverity));
    await Promise.all(channels.map((channel) => this.#deliverWithRetry(channel, notification, null)));
  }

  /** Waits for deliveries in flight (tests). */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /**
   * Shutdown, before the database closes: back-off waits end at once, no further attempt starts,
   * and every delivery still in flight is dead-lettered (retry it after the restart).
   */
  async close(): Promise<void> {
    this.#closing = true;
    for (const wake of this.#wakeups) wake();
    await this.drain();
  }

  /** The back-off wait, cut short by close(). */
  #wait(ms: number): Promise<void> {
    if (this.#closing) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.#wakeups.delete(wake);
        resolve();
      };
      this.#wakeups.add(wake);
      void this.#delay(ms).then(wake, wake);
    });
  }

  async #deliverWithRetry(channel: ChannelRow, notification: AlertNotification, letter: DeadLetterRow | null): Promise<boolean> {
    let lastError = 'not attempted';
    let attempts = 0;
    let sender: ChannelSender | undefined;
    try {
      sender = this.#sender(channel);
    } catch (error) {
      lastError = describeFailure(error);
    }
    if (sender !== undefined) {
      for (let attempt = 1; attempt <= this.#retry.maxAttempts && !this.#closing; attempt += 1) {
        attempts = attempt;
        try {
          await sender.send(notification);
          if (letter !== null) await this.#resolve(letter, attempts);
          return true;
        } catch (error) {
          lastError = describeFailure(error);
          if (attempt < this.#retry.maxAttempts) await this.#wait(backoffDelayMs(this.#retry, attempt));
        }
      }
    }
    this.deps.warn('security alert delivery failed; dead-lettered', { channelId: channel.id, alertId: notification.alert.id, attempts, error: lastError });
    await this.#deadLetter(channel, notification, letter, attempts, lastError);
    return false;
  }

  async #deadLetter(channel: ChannelRow, notification: AlertNotification, letter: DeadLetterRow | null, attempts: number, lastError: string): Promise<void> {
    const ctx = deliveryContext();
    const now = this.deps.clock.now().toISOString();
    await this.deps.uow.run(async (s) => {
      const id = letter?.id ?? newId();
      if (letter === null) {
        if (this.#closing && attempts < this.#retry.maxAttempts) lastError = `${lastError} (stopped by shutdown)`.slice(0, 200);
        await s.delivery.insertDeadLetter({
          id,
          orgId: channel.orgId,
          channelId: channel.id,
          alertId: notification.alert.id,
          payload: JSON.stringify(notification),
          attempts,
          lastError,
          createdAt: now,
          status: 'pending',
          resolvedAt: null,
        });
      } else {
        await s.delivery.updateDeadLetter(channel.orgId, id, { attempts: letter.attempts + attempts, lastError, status: 'pending', resolvedAt: null });
      }
      await s.audit.record(ctx, {
        action: 'alerts.delivery.dead_letter',
        target: { type: 'alert_dead_letter', id },
        outcome: 'failure',
        reason: 'retries-exhausted',
        orgId: channel.orgId,
        details: { channelId: channel.id, kind: channel.kind, alertId: notification.alert.id, attempts },
      });
    });
  }

  async #resolve(letter: DeadLetterRow, attempts: number): Promise<void> {
    await this.deps.uow.run(async (s) => {
      await s.delivery.updateDeadLetter(letter.orgId, letter.id, {
        attempts: letter.attempts + attempts,
        lastError: letter.lastError,
        status: 'delivered',
        resolvedAt: this.deps.clock.now().toISOString(),
      });
      await s.audit.record(deliveryContext(), {
        action: 'alerts.dead_letter.resolve',
        target: { type: 'alert_dead_letter', id: letter.id },
        outcome: 'success',
        orgId: letter.orgId,
        details: { channelId: letter.channelId, alertId: letter.alertId },
      });
    });
  }

  /** Sends a plain-text message (an incident notice) through the organization's first enabled email channel. */
  async sendEmail(orgId: string, to: string, subject: string, text: string): Promise<void> {
    const channel = (await this.deps.reader.listChannels(orgId)).find((c) => c.kind === 'email' && c.enabled);
    if (!channel) throw new AppError('ALERTS_CHANNEL_NOT_FOUND', { publicMessage: 'The organization has no enabled email channel.' });
    const secrets = channel.sealedSecrets === null ? {} : (JSON.parse(Buffer.from(this.deps.sealer.open(channel.sealedSecrets, sealContext(channel.id))).toString('utf8')) as Record<string, unknown>);
    await sendPlainEmail(JSON.parse(channel.config) as EmailConfig, { password: typeof secrets['password'] === 'string' ? secrets['password'] : null }, to, subject, text);
  }

  #sender(channel: ChannelRow): ChannelSender {
    const secrets = channel.sealedSecrets === null ? {} : (JSON.parse(Buffer.from(this.deps.sealer.open(channel.sealedSecrets, sealContext(channel.id))).toString('utf8')) as Record<string, unknown>);
    const now = () => this.deps.clock.now();
    switch (channel.kind) {
      case 'webhook':
        return webhookSender(JSON.parse(channel.config) as WebhookConfig, { secret: String(secrets['secret'] ?? '') }, now);
      case 'email':
        return emailSender(JSON.parse(channel.config) as EmailConfig, { password: typeof secrets['password'] === 'string' ? secrets['password'] : null });
      case 'syslog':
        return syslogSender(JSON.parse(channel.config) as SyslogConfig, now);
    }
  }

  #settings(input: ChannelInput): ChannelSettings {
    const bad = (why: string): never => {
      throw new AppError('ALERTS_CHANNEL_INVALID', { publicMessage: `The channel is not valid: ${why}.` });
    };
    const timeoutMs = (value: number | undefined): number => {
      const t = value ?? DEFAULT_TIMEOUT_MS;
      return Number.isInteger(t) && t >= 100 && t <= 60_000 ? t : bad('timeoutMs must be 100..60000');
    };
    const host = (value: string): string => (HOST_RE.test(value) ? value : bad('host is not a host name or address'));
    const port = (value: number): number => (Number.isInteger(value) && value >= 1 && value <= 65_535 ? value : bad('port must be 1..65535'));
    if (input.name.trim() === '' || input.name.length > 100) bad('name must be 1..100 characters');
    switch (input.kind) {
      case 'webhook': {
        const c = input.config;
        let url: URL;
        try {
          url = new URL(c.url);
        } catch {
          return bad('url is not a URL');
        }
        const insecure = c.insecure ?? false;
        if (url.protocol !== 'https:' && !(url.protocol === 'http:' && insecure)) bad('url must be https (or http with the insecure flag)');
        if (url.username !== '' || url.password !== '') bad('url must not carry credentials');
        if (c.secret.length < 16) bad('secret must be at least 16 characters');
        return { kind: 'webhook', config: { url: url.toString(), timeoutMs: timeoutMs(c.timeoutMs), caPem: c.caPem ?? null, insecure }, secrets: { secret: c.secret } };
      }
      case 'email': {
        const c = input.config;
        if (!EMAIL_RE.test(c.from)) bad('from is not an address');
        if (c.to.length === 0 || c.to.length > 20 || !c.to.every((a) => EMAIL_RE.test(a))) bad('to must be 1..20 addresses');
        if ((c.password !== undefined) !== (c.username !== undefined)) bad('username and password go together');
        return {
          kind: 'email',
          config: {
            host: host(c.host),
            port: port(c.port),
            from: c.from,
            to: [...c.to],
            username: c.username ?? null,
            caPem: c.caPem ?? null,
            timeoutMs: timeoutMs(c.timeoutMs),
            insecure: c.insecure ?? false,
          },
          secrets: { password: c.password ?? null },
        };
      }
      case 'syslog': {
        const c = input.config;
        const transport = c.transport ?? 'tls';
        const insecure = c.insecure ?? false;
        if (transport === 'tcp' && !insecure) bad('plain TCP needs the insecure flag (use tls)');
        const facility = c.facility ?? 10;
        if (!Number.isInteger(facility) || facility < 0 || facility > 23) bad('facility must be 0..23');
        return {
          kind: 'syslog',
          config: { host: host(c.host), port: port(c.port), transport, facility, caPem: c.caPem ?? null, timeoutMs: timeoutMs(c.timeoutMs), insecure },
          secrets: {},
        };
      }
    }
  }

  #authorize(ctx: RequestContext): string {
    const orgId = principalOrg(ctx.principal);
    const decision = decide(ctx.principal, 'security:channels', orgId === null ? undefined : { orgId });
    if (!decision.allow) throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: `access: ${decision.reason}` });
    if (orgId === null) throw new AppError('FORBIDDEN', { detail: 'delivery: the principal belongs to no organization' });
    return orgId;
  }

  #track(task: Promise<unknown>): void {
    this.#pending.add(task);
    void task.finally(() => this.#pending.delete(task)).catch(() => undefined);
  }
}

function sealContext(channelId: string): string {
  return `alerts.channel:${channelId}`;
}

function deliveryContext(): RequestContext {
  return { principal: SYSTEM_PRINCIPAL, requestId: `alert-delivery-${newId()}`, source: 'local' };
}

function targetOf(settings: ChannelSettings): string {
  switch (settings.kind) {
    case 'webhook': {
      const url = new URL(settings.config.url);
      return `${url.origin}${url.pathname}`;
    }
    case 'email':
      return `smtp://${hostPort(settings.config.host, settings.config.port)}`;
    case 'syslog':
      return `${settings.config.transport}://${hostPort(settings.config.host, settings.config.port)}`;
  }
}

function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

function channelView(row: ChannelRow): ChannelView {
  return { id: row.id, kind: row.kind, name: row.name, enabled: row.enabled, minSeverity: row.minSeverity, target: row.target };
}

function deadLetterView(row: DeadLetterRow): DeadLetterView {
  return { id: row.id, channelId: row.channelId, alertId: row.alertId, attempts: row.attempts, lastError: row.lastError, createdAt: row.createdAt };
}

/** The SecurityAlertNotifier the integrator hands to the security alerts module. */
export class DeliveryNotifier implements SecurityAlertNotifier {
  constructor(private readonly service: DeliveryService) {}
  notify(alert: SecurityAlert, change: AlertChange): void {
    this.service.notifier.notify(alert, change);
  }
}
