/**
 * `vigil device token|list|revoke|quarantine|release|decommission|site`: the operator's device verbs on the host.
 * Changes are audited (actor: the OS user, as `cli`). A running server applies a revocation or
 * quarantine made here within its status-watch interval (2 s): caches dropped, open connections
 * cut, CRL re-signed. The CRL file in the data directory is re-written here at once.
 * A device is named by its id or by its serial (a serial shared by live devices of two models is
 * refused with both ids, so that the operator picks one).
 * MUST: the enrolment token is printed once, on stdout, and never logged.
 */
import type { Config } from '../config/index.js';
import { InvalidArgumentError } from 'commander';
import type { DeviceView } from '../devices/index.js';
import { AppError } from '../kernel/index.js';
import { cliContext, openPlatform, type Platform } from '../main.js';

async function withPlatform<T>(config: Config, fn: (platform: Platform) => Promise<T>): Promise<T> {
  const platform = await openPlatform({ config, env: process.env });
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}

/** `--org` takes an organization's name (as `vigil user` does) or its id; anything else is refused. */
async function orgIdOf(platform: Platform, org: string): Promise<string> {
  return (await platform.identity.resolveOrganization(org)).id;
}

/** Most tokens one `--count` issues. */
export const MAX_TOKEN_COUNT = 1000;

/** commander's parser for `--count` (a usage error, exit 2, when it is not 1..1000). */
export function parseTokenCount(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1 || count > MAX_TOKEN_COUNT) throw new InvalidArgumentError(`a whole number from 1 to ${MAX_TOKEN_COUNT}`);
  return count;
}

/**
 * One token, explained; or with `--count N`, N tokens alone on stdout, one per line (the
 * simulator's `--token-file` format: `vigil device token ... --count 10 > tokens.txt`), and the
 * summary on stderr.
 */
export async function runDeviceToken(config: Config, flags: { org: string; model: string; expiresIn?: string | undefined; count?: number | undefined }): Promise<void> {
  const expiresInMinutes = flags.expiresIn === undefined ? undefined : Number(flags.expiresIn);
  const count = flags.count;
  const issued = await withPlatform(config, async (p) => {
    const orgId = await orgIdOf(p, flags.org);
    const out = [];
    for (let i = 0; i < (count ?? 1); i += 1) out.push(await p.devices.service.issueEnrollmentToken(cliContext(), { orgId, model: flags.model, expiresInMinutes }));
    return out;
  });
  const first = issued[0];
  if (first === undefined) return;
  if (count === undefined) {
    process.stdout.write(
      `Enrolment token for model ${first.model} in ${first.orgId} (one use; expires ${first.expiresAt}; id ${first.tokenId}):\n\n    ${first.token}\n\n`,
    );
    return;
  }
  process.stdout.write(issued.map((t) => `${t.token}\n`).join(''));
  process.stderr.write(`${issued.length} enrolment tokens for model ${first.model} in ${first.orgId} (one use each; expire ${first.expiresAt})\n`);
}

export async function runDeviceList(config: Config, flags: { org: string; json?: boolean | undefined }): Promise<void> {
  const devices = await withPlatform(config, async (p) => p.devices.service.list(cliContext(), { orgId: await orgIdOf(p, flags.org) }));
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify({ devices })}\n`);
    return;
  }
  const rows = devices.map((d) => [d.id, d.model, d.serial, d.status, d.firmwareVersion ?? '-', d.site ?? '-', d.lastSeenAt ?? '-', d.certificate?.notAfter ?? '-'].join('\t'));
  process.stdout.write(`id\tmodel\tserial\tstatus\tfirmware\tsite\tlastSeen\tcertNotAfter\n${rows.map((r) => `${r}\n`).join('')}`);
}

/** A device id, or the id of the one device of the organization with this serial (ended devices last). */
export async function deviceIdOf(platform: Platform, orgId: string, ref: string): Promise<string> {
  const devices = await platform.devices.service.list(cliContext(), { orgId });
  if (devices.some((d) => d.id === ref)) return ref;
  const bySerial = devices.filter((d) => d.serial === ref);
  const live = bySerial.filter((d) => d.status !== 'revoked' && d.status !== 'decommissioned');
  const chosen = live.length > 0 ? live : bySerial;
  if (chosen.length === 1 && chosen[0] !== undefined) return chosen[0].id;
  if (chosen.length > 1) {
    throw new AppError('VALIDATION_FAILED', { publicMessage: `Serial ${ref} names ${chosen.length} devices (${chosen.map((d) => `${d.id} ${d.model}`).join(', ')}): give the id.` });
  }
  throw new AppError('DEVICE_NOT_FOUND');
}

export type DeviceChange = 'revoke' | 'quarantine' | 'release' | 'decommission';

export async function runDeviceChange(config: Config, change: DeviceChange, device: string, flags: { org: string; reason: string }): Promise<void> {
  const view: DeviceView = await withPlatform(config, async (p) => {
    const ctx = cliContext();
    const orgId = await orgIdOf(p, flags.org);
    const target = { deviceId: await deviceIdOf(p, orgId, device), orgId };
    switch (change) {
      case 'revoke':
        return p.devices.service.revoke(ctx, target, flags.reason);
      case 'quarantine':
        return p.devices.service.quarantine(ctx, target, flags.reason);
      case 'release':
        return p.devices.service.release(ctx, target, flags.reason);
      case 'decommission':
        return p.devices.service.decommission(ctx, target, flags.reason);
    }
  });
  process.stdout.write(`device ${view.id} is now ${view.status}\n`);
}

/**
 * `vigil device site DEVICE SITE` sets the device's site; `vigil device site DEVICE --clear`
 * removes it. Exactly one of the two is given.
 */
export async function runDeviceSite(config: Config, device: string, site: string | undefined, flags: { org: string; clear?: boolean | undefined }): Promise<void> {
  if ((site === undefined) === (flags.clear !== true)) throw new AppError('VALIDATION_FAILED', { publicMessage: 'Give a site code, or --clear to remove the site (not both).' });
  const view: DeviceView = await withPlatform(config, async (p) => {
    const orgId = await orgIdOf(p, flags.org);
    return p.devices.service.setSite(cliContext(), { deviceId: await deviceIdOf(p, orgId, device), orgId }, site ?? null);
  });
  process.stdout.write(view.site === null ? `device ${view.id} has no site\n` : `device ${view.id} is at site ${view.site}\n`);
}
