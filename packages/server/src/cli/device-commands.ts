/**
 * `vigil device token|list|revoke|quarantine|release|decommission`: the operator's device verbs on the host.
 * Changes are audited (actor: the OS user, as `cli`). A running server applies a revocation or
 * quarantine made here within its status-watch interval (2 s): caches dropped, open connections
 * cut, CRL re-signed. The CRL file in the data directory is re-written here at once.
 * A device is named by its id or by its serial (a serial shared by live devices of two models is
 * refused with both ids, so that the operator picks one).
 * MUST: the enrolment token is printed once, on stdout, and never logged.
 */
import type { Config } from '../config/index.js';
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

export async function runDeviceToken(config: Config, flags: { org: string; model: string; expiresIn?: string | undefined }): Promise<void> {
  const expiresInMinutes = flags.expiresIn === undefined ? undefined : Number(flags.expiresIn);
  const issued = await withPlatform(config, async (p) =>
    p.devices.service.issueEnrollmentToken(cliContext(), { orgId: await orgIdOf(p, flags.org), model: flags.model, expiresInMinutes }),
  );
  process.stdout.write(
    `Enrolment token for model ${issued.model} in ${issued.orgId} (one use; expires ${issued.expiresAt}; id ${issued.tokenId}):\n\n    ${issued.token}\n\n`,
  );
}

export async function runDeviceList(config: Config, flags: { org: string; json?: boolean | undefined }): Promise<void> {
  const devices = await withPlatform(config, async (p) => p.devices.service.list(cliContext(), { orgId: await orgIdOf(p, flags.org) }));
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify({ devices })}\n`);
    return;
  }
  const rows = devices.map((d) => [d.id, d.model, d.serial, d.status, d.firmwareVersion ?? '-', d.lastSeenAt ?? '-', d.certificate?.notAfter ?? '-'].join('\t'));
  process.stdout.write(`id\tmodel\tserial\tstatus\tfirmware\tlastSeen\tcertNotAfter\n${rows.map((r) => `${r}\n`).join('')}`);
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
