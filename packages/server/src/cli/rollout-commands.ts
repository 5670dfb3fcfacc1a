/**
 * `vigil rollout create|approve|pause|resume|abort|status|window`: firmware campaigns from the host.
 * The actor is the OS user (`cli:<user>`): a campaign requested by one OS user must be approved by
 * another (two-person rule on the host; API users also need MFA). Every change is audited.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { cliContext, openPlatform, type Platform } from '../main.js';
import type { Campaign, RolloutStatus } from '../updates/index.js';
import type { CommonFlags } from './config-flags.js';
import type { CliHelpers } from './firmware-commands.js';

async function withPlatform<T>(config: Config, fn: (platform: Platform) => Promise<T>): Promise<T> {
  const platform = await openPlatform({ config, env: process.env });
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}

const orgIdOf = async (p: Platform, org: string): Promise<string> => (await p.identity.resolveOrganization(org)).id;

export interface RolloutCreateFlags {
  readonly org: string;
  readonly model: string;
  readonly version: string;
  readonly group?: string[] | undefined;
  readonly site?: string | undefined;
  readonly waves?: string | undefined;
  readonly soak?: string | undefined;
  readonly maxFailureRate?: string | undefined;
  readonly priority?: string | undefined;
  readonly maintenanceWindow?: string | undefined;
  readonly maxRetries?: string | undefined;
  readonly clinicalGap?: string | undefined;
  readonly startAt?: string | undefined;
  readonly overrideWindow?: boolean | undefined;
}

/** "1-5" -> [1, 5] (UTC hours); the service checks the range. */
function windowOf(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d{1,2})-(\d{1,2})$/.exec(text.trim());
  if (match === null) throw new Error('--maintenance-window is START-END in UTC hours, e.g. 1-5');
  return [Number(match[1]), Number(match[2])];
}

export async function runRolloutCreate(config: Config, flags: RolloutCreateFlags): Promise<void> {
  const campaign = await withPlatform(config, async (p) =>
    p.updates.rollouts.create(cliContext(), {
      orgId: await orgIdOf(p, flags.org),
      model: flags.model,
      version: flags.version,
      groups: flags.group,
      site: flags.site,
      waves: flags.waves?.split(',').map(Number),
      soakSeconds: flags.soak === undefined ? undefined : Number(flags.soak),
      gates: { ...(flags.maxFailureRate === undefined ? {} : { maxFailureRate: Number(flags.maxFailureRate) }), ...(flags.clinicalGap === undefined ? {} : { clinicalGapSeconds: Number(flags.clinicalGap) }) },
      priority: flags.priority === undefined ? undefined : Number(flags.priority),
      maxRetries: flags.maxRetries === undefined ? undefined : Number(flags.maxRetries),
      maintenanceWindow: windowOf(flags.maintenanceWindow),
      overrideMaintenanceWindow: flags.overrideWindow,
      startAt: flags.startAt,
    }),
  );
  process.stdout.write(`campaign ${campaign.id} requested by ${campaign.requestedBy}${campaign.site ? ` (site ${campaign.site})` : ''}; another person must approve it: vigil rollout approve ${campaign.id} --org ${flags.org}\n`);
}

export type RolloutChange = 'approve' | 'pause' | 'resume' | 'abort';

export async function runRolloutChange(config: Config, change: RolloutChange, id: string, flags: { org: string }): Promise<void> {
  const campaign: Campaign = await withPlatform(config, async (p) => p.updates.rollouts[change](cliContext(), id, await orgIdOf(p, flags.org)));
  process.stdout.write(`campaign ${campaign.id} is now ${campaign.status} (by cli:${userInfo().username})\n`);
}

export async function runRolloutStatus(config: Config, id: string, flags: { org: string; json?: boolean | undefined }): Promise<void> {
  const status: RolloutStatus = await withPlatform(config, async (p) => p.updates.rollouts.status(cliContext(), id, await orgIdOf(p, flags.org)));
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify(status)}\n`);
    return;
  }
  const c = status.campaign;
  process.stdout.write(`campaign ${c.id}: ${c.model} -> ${c.targetVersion}${c.site ? ` at site ${c.site}` : ''}, ${c.status}, wave ${c.currentWave + 1}/${c.waves.length}${c.startAt ? `, scheduled to start ${c.startAt}` : ''}${c.haltReason ? ` (halted: ${c.haltReason})` : ''}\n`);
  process.stdout.write(`${windowLine(status)}\n`);
  process.stdout.write(`wave\tshare\tdevices\twaiting\theld\tsent\tinstalled\tfailed\n`);
  status.waves.forEach((w, i) => process.stdout.write(`${i + 1}\t${w.share}%\t${w.devices}\t${w.waiting}\t${w.held}\t${w.sent}\t${w.installed}\t${w.failed}\n`));
}

/** "maintenance window (organization): sat 22-4 Europe/Berlin, closed; 2 devices held until it opens at ...". */
function windowLine(status: RolloutStatus): string {
  const w = status.window;
  const held = status.waves.reduce((n, x) => n + x.held, 0);
  if (w.source === 'override') return 'maintenance window: overridden (devices bound to a patient install at once)';
  if (w.source === 'none') return 'maintenance window: none (devices bound to a patient install at once)';
  const state = w.openNow ? 'open now' : `closed${w.nextOpensAt === null ? '' : `, opens ${w.nextOpensAt}`}`;
  return `maintenance window (${w.source === 'campaign' ? "the campaign's" : "the organization's"}): ${w.description ?? ''}, ${state}${held > 0 ? `; ${held} device(s) bound to a patient downloaded and wait for it` : ''}`;
}

export interface RolloutWindowFlags {
  readonly org: string;
  readonly days?: string | undefined;
  readonly hours?: string | undefined;
  readonly clear?: boolean | undefined;
}

/**
 * `vigil rollout window --org ORG [--days mon,tue --hours 22-4 | --clear]`: shows or sets the
 * organization's maintenance window (local hours in its time zone, the incident settings' one).
 */
export async function runRolloutWindow(config: Config, flags: RolloutWindowFlags): Promise<void> {
  const setting = flags.days !== undefined || flags.hours !== undefined || flags.clear === true;
  if (setting && flags.clear !== true && (flags.days === undefined || flags.hours === undefined)) throw new Error('Set the window with both --days (e.g. mon,tue,sat) and --hours (START-END local hours, e.g. 22-4), or --clear it.');
  if (flags.clear === true && (flags.days !== undefined || flags.hours !== undefined)) throw new Error('--clear takes no --days or --hours.');
  const result = await withPlatform(config, async (p) => {
    const orgId = await orgIdOf(p, flags.org);
    if (!setting) return p.updates.rollouts.maintenanceWindow(cliContext(), orgId);
    if (flags.clear === true) return p.updates.rollouts.setMaintenanceWindow(cliContext(), null, orgId);
    const match = /^(\d{1,2})-(\d{1,2})$/.exec(flags.hours?.trim() ?? '');
    if (match === null) throw new Error('--hours is START-END in local hours (0..23), e.g. 22-4');
    return p.updates.rollouts.setMaintenanceWindow(cliContext(), { days: (flags.days ?? '').split(','), startHour: Number(match[1]), endHour: Number(match[2]) }, orgId);
  });
  const w = result.window;
  process.stdout.write(w === null ? `no maintenance window (time zone ${result.timeZone}): devices bound to a patient install when their campaign sends (unless the campaign sets a window)\n` : `maintenance window: ${w.days.join(',')} ${w.startHour}-${w.endHour} h ${result.timeZone} (set by ${w.updatedBy} at ${w.updatedAt})\n`);
}

export function registerRolloutCommands(program: Command, h: CliHelpers): void {
  const rollout = program.command('rollout').description('firmware rollout campaigns: staged waves, health gates, two-person approval');
  h.withStorageOptions(rollout.command('create'))
    .description('request a campaign (it starts when another person approves it)')
    .requiredOption('--org <org>', 'organization (name or id)')
    .requiredOption('--model <model>', 'device model')
    .requiredOption('--version <version>', 'the release to roll out')
    .option('--group <group...>', 'only devices in these groups')
    .option('--site <site>', 'only devices at this site (vigil device site); devices set to it later join')
    .option('--waves <list>', 'cumulative percentages (default 1,10,50,100)')
    .option('--soak <seconds>', 'hold each wave this long (default 3600)')
    .option('--max-failure-rate <share>', 'halt above this failure share (default 0.05)')
    .option('--priority <n>', 'overlap another active campaign on the same devices (higher wins)')
    .option('--start-at <iso>', 'scheduled start, e.g. 2026-12-12T22:00:00Z (approved before it, the campaign sends nothing until then)')
    .option('--clinical-gap <seconds>', 'halt when an updated device bound to a patient sends no reading for this long (default 900; 0: off)')
    .option('--max-retries <n>', 'send a failed install again this many times before the device counts as failed (default 2)')
    .option('--maintenance-window <start-end>', 'UTC hours in which devices bound to a patient install, e.g. 1-5 (they download at once)')
    .option('--override-window', 'devices bound to a patient install at once too (audited)')
    .action(h.action(async (flags: CommonFlags & RolloutCreateFlags) => runRolloutCreate(h.config(flags).config, flags)));
  for (const [verb, what] of [
    ['approve', "approve another person's campaign: it starts"],
    ['pause', 'pause a running campaign'],
    ['resume', 'resume a paused or halted campaign'],
    ['abort', 'stop a campaign for good'],
  ] as const) {
    h.withStorageOptions(rollout.command(verb))
      .description(what)
      .argument('<id>', 'campaign id')
      .requiredOption('--org <org>', 'organization (name or id)')
      .action(h.action(async (id: string, flags: CommonFlags & { org: string }) => runRolloutChange(h.config(flags).config, verb, id, flags)));
  }
  h.withStorageOptions(rollout.command('window'))
    .description("show or set the organization's maintenance window for installs on devices bound to a patient (every campaign without its own window applies it)")
    .requiredOption('--org <org>', 'organization (name or id)')
    .option('--days <list>', 'days the window opens, e.g. mon,tue,sat')
    .option('--hours <start-end>', 'local hours in the organization time zone (its incident settings), e.g. 22-4 (wraps past midnight)')
    .option('--clear', 'remove the window')
    .action(h.action(async (flags: CommonFlags & RolloutWindowFlags) => runRolloutWindow(h.config(flags).config, flags)));
  h.withStorageOptions(rollout.command('status'))
    .description('a campaign with its waves')
    .argument('<id>', 'campaign id')
    .requiredOption('--org <org>', 'organization (name or id)')
    .option('--json', 'print JSON')
    .action(h.action(async (id: string, flags: CommonFlags & { org: string; json?: boolean }) => runRolloutStatus(h.config(flags).config, id, flags)));
}
