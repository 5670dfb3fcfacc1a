/**
 * Where alert deliveries may connect: the outbound address policy against server-side request
 * forgery (SSRF). A tenant's security officer names a webhook URL, an SMTP host or a syslog
 * collector; without this policy that is a way to make the server reach its own loopback, the
 * cloud metadata service (169.254.169.254) or the private network behind it.
 *
 * MUST: the address is checked AFTER name resolution, inside the socket's own `lookup`, so the
 *       address checked is the address connected to: nothing resolves the name a second time,
 *       and a DNS answer that changes between a check and the connect (rebinding) cannot slip
 *       a refused address through. An IP literal (which skips `lookup`) is checked before connect.
 * MUST: by default only global unicast addresses are allowed. Refused: unspecified, loopback,
 *       link-local (metadata services), private (RFC 1918), carrier-grade NAT (RFC 6598),
 *       unique-local (RFC 4193), multicast, broadcast, reserved and documentation ranges, and
 *       every IPv6 form that embeds or tunnels an IPv4 address (IPv4-mapped ::ffff:0:0/96 is
 *       judged as the IPv4 address it maps; 6to4, Teredo, NAT64 are refused outright).
 * MUST: when one name resolves to several addresses, every one of them must be allowed.
 * MUST: only the operator widens the policy (config `delivery.allowedTargets`, CIDR ranges for
 *       on-premises receivers); nothing a tenant sends can.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Resolves a host name to all its addresses (injected in tests; default: the system resolver). */
export type HostResolver = (hostname: string) => Promise<LookupAddress[]>;

export class TargetRefusedError extends Error {
  readonly code = 'ETARGETREFUSED';
  constructor(
    readonly address: string,
    readonly range: string,
  ) {
    super(`target address ${address} is in a refused range (${range})`);
    this.name = 'TargetRefusedError';
  }
}

export interface TargetPolicy {
  /** Null when the (resolved) address may be reached, else the name of its refused range. */
  refusedRange(address: string): string | null;
  /**
   * Checks a host before a connection: an IP literal (with or without brackets) or a name that is
   * loopback by definition (`localhost`, `*.localhost`, RFC 6761 §6.3) is judged now; any other
   * name is judged when the socket resolves it (`lookup`). Throws TargetRefusedError.
   */
  checkHost(host: string): void;
  /** The `lookup` option for net/tls/http connects: resolves, checks every address, pins them. */
  readonly lookup: LookupFunction;
}

const DEFAULT_RESOLVER: HostResolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

/** Parses the operator's allowlist; throws on an entry that is not a CIDR range or an address. */
export function parseAllowedTargets(entries: readonly string[]): Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> {
  return entries.map((entry) => {
    try {
      if (entry.includes('/')) return ipaddr.parseCIDR(entry);
      const address = ipaddr.parse(entry);
      return [address, address.kind() === 'ipv4' ? 32 : 128];
    } catch {
      throw new Error(`delivery.allowedTargets: "${entry}" is not a CIDR range or an IP address`);
    }
  });
}

export function createTargetPolicy(options: { readonly allowedTargets?: readonly string[]; readonly resolver?: HostResolver } = {}): TargetPolicy {
  const allowed = parseAllowedTargets(options.allowedTargets ?? []);
  const resolver = options.resolver ?? DEFAULT_RESOLVER;

  const isAllowlisted = (address: ipaddr.IPv4 | ipaddr.IPv6): boolean =>
    allowed.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));

  const refusedRange = (text: string): string | null => {
    const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
    if (!ipaddr.isValid(bare) || isIP(bare) === 0) return 'not-an-address';
    const parsed = ipaddr.parse(bare);
    // An IPv4-mapped IPv6 address reaches the IPv4 host it maps: judge (and allowlist) that one.
    const address = parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
    if (isAllowlisted(address)) return null;
    const range = address.range();
    return range === 'unicast' ? null : range;
  };

  const checkAddress = (address: string): void => {
    const range = refusedRange(address);
    if (range !== null) throw new TargetRefusedError(address, range);
  };

  const lookup: LookupFunction = (hostname, lookupOptions: LookupOptions, callback) => {
    resolver(hostname).then(
      (all) => {
        const family = lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : lookupOptions.family;
        const addresses = all.filter((a) => family === undefined || family === 0 || a.family === family);
        const first = addresses[0];
        if (first === undefined) {
          callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
          return;
        }
        for (const a of addresses) {
          const range = refusedRange(a.address);
          if (range !== null) {
            callback(new TargetRefusedError(a.address, range), '', 0);
            return;
          }
        }
        if (lookupOptions.all === true) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };

  return {
    refusedRange,
    checkHost(host) {
      const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
      if (isIP(bare) !== 0) return checkAddress(bare);
      // Legacy numeric forms a resolver still accepts (2130706433, 0x7f.1, 017700000001): judge
      // the address they stand for.
      if (ipaddr.IPv4.isValid(bare)) return checkAddress(ipaddr.IPv4.parse(bare).toString());
      const name = bare.toLowerCase().replace(/\.$/, '');
      if (name === 'localhost' || name.endsWith('.localhost')) {
        checkAddress('127.0.0.1');
        checkAddress('::1');
      }
    },
    lookup,
  };
}
