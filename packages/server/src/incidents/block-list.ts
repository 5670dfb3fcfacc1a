/**
 * The expiring source block list: addresses and ranges refused at the HTTP and MQTT edges while an
 * incident is contained. The edges call isBlocked() synchronously on every connection/request,
 * so the list lives in memory (node:net BlockList) and is reloaded from the store on change.
 *
 * MUST: an expired block no longer refuses (checked against the clock on every call, not only at reload).
 * MUST: a range is an IPv4 or IPv6 CIDR, checked by node:net (no hand-written address parsing);
 *       ranges wider than /16 (IPv4) or /32 (IPv6) are refused: a block list is not a firewall.
 * MUST: blocks apply installation-wide at the edges (an address belongs to no tenant); each records
 *       the organization and incident that asked for it.
 */
import { BlockList, isIP } from 'node:net';
import { AppError, type Clock } from '../kernel/index.js';

export interface SourceBlock {
  readonly id: string;
  readonly orgId: string;
  readonly incidentId: string;
  /** An address ("203.0.113.9") or a CIDR range ("203.0.113.0/24"). */
  readonly cidr: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly createdBy: string;
}

/** What an edge asks: is this peer address refused right now? */
export interface SourceGate {
  isBlocked(address: string): boolean;
}

export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const [address = '', prefixText] = text.split('/');
  const version = isIP(address);
  if (version === 0) throw new AppError('INCIDENT_INVALID', { publicMessage: 'The address to block is not an IP address or range.' });
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || !/^\d*$/.test(prefixText ?? '')) throw new AppError('INCIDENT_INVALID', { publicMessage: 'The range prefix is not valid.' });
  if (prefix < (version === 4 ? 16 : 32)) throw new AppError('INCIDENT_INVALID', { publicMessage: 'The range is too wide to block.' });
  return { address, prefix, family };
}

/** IPv4-mapped IPv6 peers (::ffff:a.b.c.d) are checked as IPv4. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export class SourceBlockList implements SourceGate {
  #entries: Array<{ block: SourceBlock; list: BlockList }> = [];

  constructor(private readonly clock: Clock) {}

  load(blocks: readonly SourceBlock[]): void {
    this.#entries = blocks.map((block) => {
      const list = new BlockList();
      const { address, prefix, family } = parseCidr(block.cidr);
      list.addSubnet(address, prefix, family);
      return { block, list };
    });
  }

  isBlocked(address: string): boolean {
    if (this.#entries.length === 0) return false;
    const peer = normalize(address);
    const family = isIP(peer) === 6 ? 'ipv6' : isIP(peer) === 4 ? 'ipv4' : undefined;
    if (family === undefined) return false;
    const now = this.clock.now().toISOString();
    return this.#entries.some((e) => e.block.expiresAt > now && e.list.check(peer, family));
  }
}
