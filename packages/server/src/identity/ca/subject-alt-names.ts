/**
 * Subject alternative names of the HTTPS server certificate (RFC 5280 §4.2.1.6): always
 * DNS:localhost, IP:127.0.0.1 and IP:::1, plus the operator's extra hostnames.
 *
 * MUST: names are compared in canonical form (lower-case DNS names, RFC 5952 IPv6 text), so an
 *       unchanged configuration never triggers a re-issue and a changed one always does.
 * MUST: refuse (CONFIG_INVALID) a name that is neither an IP address nor a valid DNS host name
 *       (RFC 1123 §2.1 labels); wildcards and IPv6 zone ids are refused.
 */
import { isIP } from 'node:net';
import { AppError } from '../../kernel/index.js';

export interface SubjectAltName {
  readonly type: 'dns' | 'ip';
  readonly value: string;
}

export const DEFAULT_SERVER_NAMES: readonly SubjectAltName[] = [
  { type: 'dns', value: 'localhost' },
  { type: 'ip', value: '127.0.0.1' },
  { type: 'ip', value: '::1' },
];

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The defaults plus `extra`, canonical and without duplicates, in a stable order. */
export function serverNames(extra: readonly string[] = []): SubjectAltName[] {
  const names = [...DEFAULT_SERVER_NAMES];
  for (const raw of extra) {
    const name = parseHostname(raw);
    if (!names.some((n) => n.type === name.type && n.value === name.value)) names.push(name);
  }
  return names;
}

/** A host name or IP address from configuration, in canonical form. */
export function parseHostname(raw: string): SubjectAltName {
  const text = raw.trim().toLowerCase();
  const bracketed = /^\[(.*)\]$/.exec(text)?.[1];
  const candidate = bracketed ?? text;
  if (!candidate.includes('%') && isIP(candidate) !== 0) return { type: 'ip', value: canonicalIp(candidate) };
  const dns = text.endsWith('.') ? text.slice(0, -1) : text;
  if (bracketed === undefined && dns.length > 0 && dns.length <= 253 && dns.split('.').every((label) => LABEL.test(label))) {
    return { type: 'dns', value: dns };
  }
  throw new AppError('CONFIG_INVALID', { detail: `config: tls.hostnames: ${JSON.stringify(raw)} is not a DNS host name or an IP address` });
}

/** Canonical text of an IP address: dotted quad, or RFC 5952 compressed IPv6 (via the WHATWG URL parser). */
export function canonicalIp(ip: string): string {
  if (isIP(ip) === 4) return new URL(`http://${ip}/`).hostname;
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

/** True when both lists name the same set. */
export function sameNames(a: readonly SubjectAltName[], b: readonly SubjectAltName[]): boolean {
  const key = (names: readonly SubjectAltName[]): string => [...new Set(names.map((n) => `${n.type}:${n.value}`))].sort().join(',');
  return key(a) === key(b);
}
