/**
 * What a caller gives to create or edit a channel, and the rules that turn it into settings.
 * The HTTP schema checks shapes; this checks meaning.
 *
 * MUST: a target whose address is known without resolving (an IP literal, a legacy numeric form,
 *       `localhost`) is refused at creation when the TargetPolicy refuses it; a host name is judged
 *       at connect time on its resolved address (target-policy.ts), and the dead letter of a
 *       refused name reads like any other failure.
 * MUST: plaintext needs the channel's explicit `insecure` flag; implicit TLS cannot be insecure.
 */
import { isIP } from 'node:net';
import { AppError } from '../../kernel/index.js';
import type { AlertSeverity, ChannelSettings, ChannelView } from './model.js';
import type { ChannelRow } from './store.js';
import { TargetRefusedError, type TargetPolicy } from './target-policy.js';

export interface WebhookInput {
  url: string;
  secret: string;
  timeoutMs?: number;
  caPem?: string;
  insecure?: boolean;
}
export interface EmailInput {
  host: string;
  port: number;
  from: string;
  to: string[];
  username?: string;
  password?: string;
  caPem?: string;
  timeoutMs?: number;
  tlsMode?: 'starttls' | 'implicit';
  insecure?: boolean;
}
export interface SyslogInput {
  host: string;
  port: number;
  transport?: 'tls' | 'tcp';
  facility?: number;
  caPem?: string;
  timeoutMs?: number;
  insecure?: boolean;
}

export type ChannelInput = { readonly name: string; readonly minSeverity: AlertSeverity; readonly enabled?: boolean } & (
  | { readonly kind: 'webhook'; readonly config: WebhookInput }
  | { readonly kind: 'email'; readonly config: EmailInput }
  | { readonly kind: 'syslog'; readonly config: SyslogInput }
);

/**
 * An edit: any of name, minSeverity, enabled, and a whole new config of the channel's kind.
 * Secrets left out of a new config (webhook `secret`, email `password`) keep their sealed value.
 */
export interface ChannelPatch {
  readonly name?: string;
  readonly minSeverity?: AlertSeverity;
  readonly enabled?: boolean;
  readonly config?: Partial<WebhookInput> | Partial<EmailInput> | Partial<SyslogInput>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const HOST_RE = /^[A-Za-z0-9.-]{1,253}$|^\[?[0-9A-Fa-f:.]+\]?$/;
const EMAIL_RE = /^[^\s@<>",;]{1,64}@[A-Za-z0-9.-]{1,253}$/;

const bad = (why: string): never => {
  throw new AppError('ALERTS_CHANNEL_INVALID', { publicMessage: `The channel is not valid: ${why}.` });
};

function allowedHost(targets: TargetPolicy, host: string): string {
  try {
    targets.checkHost(host);
  } catch (error) {
    if (error instanceof TargetRefusedError) {
      bad('the target is a loopback, private, link-local or otherwise internal address, which alert channels may not reach (an operator can allow on-premises ranges)');
    }
    throw error;
  }
  return host;
}

export function channelSettings(input: ChannelInput, targets: TargetPolicy): ChannelSettings {
  const timeoutMs = (value: number | undefined): number => {
    const t = value ?? DEFAULT_TIMEOUT_MS;
    return Number.isInteger(t) && t >= 100 && t <= 60_000 ? t : bad('timeoutMs must be 100..60000');
  };
  const host = (value: string): string => (HOST_RE.test(value) ? allowedHost(targets, value) : bad('host is not a host name or address'));
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
      allowedHost(targets, url.hostname);
      return { kind: 'webhook', config: { url: url.toString(), timeoutMs: timeoutMs(c.timeoutMs), caPem: c.caPem ?? null, insecure }, secrets: { secret: c.secret } };
    }
    case 'email': {
      const c = input.config;
      if (!EMAIL_RE.test(c.from)) bad('from is not an address');
      if (c.to.length === 0 || c.to.length > 20 || !c.to.every((a) => EMAIL_RE.test(a))) bad('to must be 1..20 addresses');
      if ((c.password !== undefined) !== (c.username !== undefined)) bad('username and password go together');
      const tlsMode = c.tlsMode ?? 'starttls';
      const insecure = c.insecure ?? false;
      if (tlsMode === 'implicit' && insecure) bad('implicit TLS cannot be insecure');
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
          tlsMode,
          insecure,
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

/** The input a patch amounts to: the channel's kind, the new config, and secrets kept when left out. */
export function patchedInput(row: ChannelRow, patch: ChannelPatch, oldSecrets: Record<string, unknown>): ChannelInput | null {
  if (patch.config === undefined) return null;
  const name = patch.name ?? row.name;
  const minSeverity = patch.minSeverity ?? row.minSeverity;
  const c = patch.config as Record<string, unknown>;
  switch (row.kind) {
    case 'webhook': {
      const secret = typeof c['secret'] === 'string' ? c['secret'] : String(oldSecrets['secret'] ?? '');
      if (typeof c['url'] !== 'string') return bad('a webhook config needs url');
      return { kind: 'webhook', name, minSeverity, config: { ...(c as Partial<WebhookInput>), url: c['url'], secret } };
    }
    case 'email': {
      const e = c as Partial<EmailInput>;
      if (e.host === undefined || e.port === undefined || e.from === undefined || e.to === undefined) return bad('an email config needs host, port, from and to');
      const kept = e.username !== undefined && e.password === undefined && typeof oldSecrets['password'] === 'string' ? { password: oldSecrets['password'] } : {};
      return { kind: 'email', name, minSeverity, config: { ...e, host: e.host, port: e.port, from: e.from, to: e.to, ...kept } };
    }
    case 'syslog': {
      const y = c as Partial<SyslogInput>;
      if (y.host === undefined || y.port === undefined) return bad('a syslog config needs host and port');
      return { kind: 'syslog', name, minSeverity, config: { ...y, host: y.host, port: y.port } };
    }
  }
}

export function targetOf(settings: ChannelSettings): string {
  switch (settings.kind) {
    case 'webhook': {
      const url = new URL(settings.config.url);
      return `${url.origin}${url.pathname}`;
    }
    case 'email':
      return `${settings.config.tlsMode === 'implicit' ? 'smtps' : 'smtp'}://${hostPort(settings.config.host, settings.config.port)}`;
    case 'syslog':
      return `${settings.config.transport}://${hostPort(settings.config.host, settings.config.port)}`;
  }
}

function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export function channelView(row: ChannelRow): ChannelView {
  return { id: row.id, kind: row.kind, name: row.name, enabled: row.enabled, minSeverity: row.minSeverity, target: row.target };
}
