/**
 * `vigil user create|list|disable|reset-password|grant`: account administration by the operator on
 * the host (the `cli` principal), and the first-admin flow from the setup credential.
 *
 * MUST: one-time passwords are printed once, to stdout, and never logged; they must change at
 *       first login. Every change is audited (actor: the OS user running the CLI).
 */
import type { Config } from '../config/index.js';
import type { UserView } from '../identity/index.js';
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

async function orgIdOf(platform: Platform, name: string | undefined): Promise<string> {
  if (name === undefined) throw new AppError('VALIDATION_FAILED', { detail: 'user: --org <organization name> is required' });
  const org = await platform.identity.findOrganizationByName(name);
  if (!org) throw new AppError('IDENTITY_ORGANIZATION_NOT_FOUND', { detail: `user: no organization named ${JSON.stringify(name)}` });
  return org.id;
}

function printOneTimePassword(username: string, password: string): void {
  process.stdout.write(`One-time password for ${username} (shown once; must change at first login):\n\n    ${password}\n\n`);
}

export interface UserCreateFlags {
  readonly username: string;
  readonly displayName?: string;
  readonly role?: string[];
  readonly org?: string;
  readonly setupCredential?: string;
}

export async function runUserCreate(config: Config, flags: UserCreateFlags): Promise<void> {
  await withPlatform(config, async (platform) => {
    const ctx = cliContext();
    const displayName = flags.displayName ?? flags.username;
    if (flags.setupCredential !== undefined) {
      if (flags.org === undefined) throw new AppError('VALIDATION_FAILED', { detail: 'user create: --org <name of the first organization> is required with --setup-credential' });
      const result = await platform.identity.completeSetup(ctx, { setupCredential: flags.setupCredential, organization: flags.org, username: flags.username, displayName });
      process.stdout.write(`Created organization ${result.organization.name} and platform-admin ${result.user.username}.\n`);
      if (result.oneTimePassword !== null) printOneTimePassword(result.user.username, result.oneTimePassword);
      return;
    }
    const orgId = await orgIdOf(platform, flags.org);
    const roles = flags.role ?? [];
    if (roles.length === 0) throw new AppError('VALIDATION_FAILED', { detail: 'user create: give at least one --role' });
    const { user, oneTimePassword } = await platform.identity.createUser(ctx, { orgId, username: flags.username, displayName, roles });
    process.stdout.write(`Created ${user.username} (${user.roles.join(', ')}) in ${flags.org ?? ''}.\n`);
    if (oneTimePassword !== null) printOneTimePassword(user.username, oneTimePassword);
  });
}

function row(u: UserView): string {
  return [u.username, u.roles.join(','), u.status, u.mfaEnrolled ? 'mfa' : '-', u.lastLoginAt ?? '-', u.id].join('\t');
}

export async function runUserList(config: Config, org: string | undefined): Promise<void> {
  await withPlatform(config, async (platform) => {
    const users = await platform.identity.listUsers(cliContext(), await orgIdOf(platform, org));
    process.stdout.write(`username\troles\tstatus\tmfa\tlast login\tid\n${users.map(row).join('\n')}\n`);
  });
}

export async function runUserDisable(config: Config, username: string, org?: string): Promise<void> {
  await withPlatform(config, async (platform) => {
    const ctx = cliContext();
    const user = await platform.identity.findUserByUsername(ctx, username, org === undefined ? undefined : (await platform.identity.resolveOrganization(org)).id);
    await platform.identity.setUserStatus(ctx, user.id, 'disabled', user.orgId);
    process.stdout.write(`Disabled ${user.username}; their sessions ended.\n`);
  });
}

export async function runUserResetPassword(config: Config, username: string, org?: string): Promise<void> {
  await withPlatform(config, async (platform) => {
    const ctx = cliContext();
    const user = await platform.identity.findUserByUsername(ctx, username, org === undefined ? undefined : (await platform.identity.resolveOrganization(org)).id);
    const { oneTimePassword } = await platform.identity.resetPassword(ctx, user.id, user.orgId);
    printOneTimePassword(user.username, oneTimePassword);
  });
}

export async function runUserGrant(config: Config, username: string, roles: string[], org?: string): Promise<void> {
  await withPlatform(config, async (platform) => {
    const ctx = cliContext();
    const user = await platform.identity.findUserByUsername(ctx, username, org === undefined ? undefined : (await platform.identity.resolveOrganization(org)).id);
    const updated = await platform.identity.setRoles(ctx, user.id, roles, user.orgId);
    process.stdout.write(`${updated.username} now holds: ${updated.roles.join(', ') || '(no role)'}\n`);
  });
}
