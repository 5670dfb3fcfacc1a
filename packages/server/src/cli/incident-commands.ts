/**
 * `vigil incident open|list|show|timeline|contain|notify|report|settings|close`: incident response on the
 * host (actor: the OS user, as `cli`). Changes are audited by the services.
 * MUST: a report is signed with the audit signing key (Ed25519, keys/ Signer): a detached
 *       `<file>.sig.json` holds the key id, the SHA-256 of the exact bytes and the signature.
 * MUST: PDF printing runs Chromium headless on a file in a private temp directory, removed after.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { buildReport, CONTAINMENT_KINDS, INCIDENT_TYPES, reportHtml, type ContainmentKind, type IncidentType } from '../incidents/index.js';
import { sha256Hex } from '../keys/index.js';
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

const out = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

type Flags = { config?: string };
type Register = (cmd: Command) => Command;
type Action = <A extends unknown[]>(fn: (...args: A) => Promise<void>) => (...args: A) => Promise<void>;

/** Registers `vigil incident ...` on the program (cli.ts passes its option and action helpers). */
export function registerIncidentCommands(program: Command, withStorageOptions: Register, action: Action, config: (flags: Flags) => { config: Config }): void {
  const incident = program.command('incident').description('incident response: open, contain, notify, report');
  withStorageOptions(incident.command('open'))
    .description('open an incident by hand or from alerts (its playbook becomes its checklist)')
    .requiredOption('--org <org>', 'organization (name or id)')
    .requiredOption('--title <title>', 'title')
    .option('--type <type>', `one of ${INCIDENT_TYPES.join(', ')} (default: from the first alert)`)
    .option('--alert <id...>', 'security alert ids to link')
    .option('--user <id...>', 'seed user ids')
    .option('--device <id...>', 'seed device ids')
    .option('--source <addr...>', 'seed source addresses')
    .action(
      action(async (flags: Flags & { org: string; title: string; type?: string; alert?: string[]; user?: string[]; device?: string[]; source?: string[] }) => {
        if (flags.type !== undefined && !(INCIDENT_TYPES as readonly string[]).includes(flags.type)) throw new AppError('VALIDATION_FAILED', { detail: `incident open: --type must be one of ${INCIDENT_TYPES.join(', ')}` });
        const opened = await withPlatform(config(flags).config, async (p) =>
          p.incidents.service.open(cliContext(), {
            orgId: (await p.identity.resolveOrganization(flags.org)).id,
            title: flags.title,
            ...(flags.type !== undefined ? { type: flags.type as IncidentType } : {}),
            ...(flags.alert ? { alertIds: flags.alert } : {}),
            seeds: { userIds: flags.user ?? [], deviceIds: flags.device ?? [], sources: flags.source ?? [] },
          }),
        );
        process.stdout.write(`opened incident ${opened.id} (${opened.type}, ${opened.severity}, playbook ${opened.playbook.id}@${opened.playbook.version})\n`);
      }),
    );
  withStorageOptions(incident.command('list'))
    .description("list an organization's incidents")
    .requiredOption('--org <org>', 'organization (name or id)')
    .action(
      action(async (flags: Flags & { org: string }) => {
        const list = await withPlatform(config(flags).config, async (p) => p.incidents.service.list(cliContext(), { orgId: (await p.identity.resolveOrganization(flags.org)).id }));
        process.stdout.write(`id\ttype\tseverity\tstatus\topened\ttitle\n${list.map((i) => `${i.id}\t${i.type}\t${i.severity}\t${i.status}\t${i.openedAt}\t${i.title}\n`).join('')}`);
      }),
    );
  withStorageOptions(incident.command('show'))
    .description('an incident with its checklist, actions and obligations (JSON)')
    .argument('<id>')
    .action(
      action(async (id: string, flags: Flags) => {
        out(
          await withPlatform(config(flags).config, async (p) => {
            const ctx = cliContext();
            const { notesSealed, ...incident } = await p.incidents.service.get(ctx, id);
            void notesSealed;
            return { incident, actions: (await p.incidents.containment?.list(ctx, id)) ?? [], obligations: (await p.incidents.notifications?.obligations(ctx, id)) ?? [] };
          }),
        );
      }),
    );
  withStorageOptions(incident.command('timeline'))
    .description('the timeline, point of failure and blast radius (JSON)')
    .argument('<id>')
    .action(
      action(async (id: string, flags: Flags) => {
        out(await withPlatform(config(flags).config, (p) => p.incidents.service.timeline(cliContext(), id)));
      }),
    );
  withStorageOptions(incident.command('contain'))
    .description('run a containment action through its owning module (more than 10 devices or a whole group waits for a second approver in the console/API)')
    .argument('<id>')
    .requiredOption('--kind <kind>', CONTAINMENT_KINDS.join(' | '))
    .option('--target <t...>', 'device ids, user ids, key purposes (kek, audit-signing) or an address/range')
    .option('--blast-radius', 'take the targets from the blast radius')
    .option('--hours <n>', 'block-source: hours until the block expires (default 24)')
    .option('--group <name>', 'quarantine-devices / revoke-devices: every device of this group (always waits for a second approver)')
    .option('--reason <text>', 'why (stored sealed with the action)')
    .action(
      action(async (id: string, flags: Flags & { kind: string; target?: string[]; blastRadius?: boolean; hours?: string; group?: string; reason?: string }) => {
        if (!(CONTAINMENT_KINDS as readonly string[]).includes(flags.kind)) throw new AppError('VALIDATION_FAILED', { detail: `incident contain: --kind must be one of ${CONTAINMENT_KINDS.join(', ')}` });
        const result = await withPlatform(config(flags).config, async (p) => {
          if (!p.incidents.containment) throw new AppError('INCIDENT_ACTION_UNAVAILABLE');
          return p.incidents.containment.contain(cliContext(), id, {
            kind: flags.kind as ContainmentKind,
            ...(flags.target ? { targets: flags.target } : {}),
            ...(flags.blastRadius === true ? { blastRadius: true } : {}),
            ...(flags.hours !== undefined ? { hours: Number(flags.hours) } : {}),
            ...(flags.group !== undefined ? { group: flags.group } : {}),
            ...(flags.reason !== undefined ? { reason: flags.reason } : {}),
          });
        });
        out(result);
      }),
    );
  withStorageOptions(incident.command('notify'))
    .description('render and export (or email) a notice for an obligation; prints the message and its SHA-256')
    .argument('<id>')
    .requiredOption('--obligation <id>', 'obligation id (see `vigil incident show`)')
    .requiredOption('--contact <id>', 'contact id from the organization directory')
    .option('--channel <channel>', 'export | email', 'export')
    .option('--template <file>', 'a template file with {{placeholders}}')
    .action(
      action(async (id: string, flags: Flags & { obligation: string; contact: string; channel: string; template?: string }) => {
        if (flags.channel !== 'export' && flags.channel !== 'email') throw new AppError('VALIDATION_FAILED', { detail: 'incident notify: --channel must be export or email' });
        const template = flags.template !== undefined ? await readFile(flags.template, 'utf8') : undefined;
        const sent = await withPlatform(config(flags).config, async (p) => {
          if (!p.incidents.notifications) throw new AppError('INCIDENT_ACTION_UNAVAILABLE');
          return p.incidents.notifications.notify(cliContext(), id, flags.obligation, { contactId: flags.contact, channel: flags.channel as 'export' | 'email', ...(template !== undefined ? { template } : {}) });
        });
        process.stdout.write(`${sent.message}\n\n-- sent ${sent.notice.sentAt} via ${sent.notice.channel}; sha256 ${sent.notice.sha256}\n`);
      }),
    );
  withStorageOptions(incident.command('report'))
    .description('the post-incident report, signed with the audit signing key (<out>.sig.json)')
    .argument('<id>')
    .option('--format <format>', 'json | html | pdf', 'json')
    .option('--out <file>', 'output file (required for pdf; default: stdout, unsigned)')
    .option('--lessons <text>', 'lessons learned', '')
    .action(
      action(async (id: string, flags: Flags & { format: string; out?: string; lessons: string }) => {
        if (!['json', 'html', 'pdf'].includes(flags.format)) throw new AppError('VALIDATION_FAILED', { detail: 'incident report: --format must be json, html or pdf' });
        if (flags.format === 'pdf' && flags.out === undefined) throw new AppError('VALIDATION_FAILED', { detail: 'incident report: --out is required for pdf' });
        await withPlatform(config(flags).config, async (p) => {
          const ctx = cliContext();
          const report = buildReport({
            generatedAt: p.clock.now().toISOString(),
            incident: await p.incidents.service.get(ctx, id),
            timeline: await p.incidents.service.timeline(ctx, id),
            actions: (await p.incidents.containment?.list(ctx, id)) ?? [],
            obligations: (await p.incidents.notifications?.obligations(ctx, id)) ?? [],
            notices: (await p.incidents.notifications?.notices(ctx, id)) ?? [],
            lessons: flags.lessons,
          });
          const bytes = flags.format === 'json' ? Buffer.from(`${JSON.stringify(report, null, 2)}\n`) : flags.format === 'html' ? Buffer.from(reportHtml(report)) : await printPdf(reportHtml(report));
          if (flags.out === undefined) {
            process.stdout.write(bytes);
            return;
          }
          await writeFile(flags.out, bytes, { mode: 0o600 });
          const signer = p.keys.signer('audit-signing');
          const signature = { file: flags.out, format: flags.format, sha256: sha256Hex(bytes), keyId: signer.keyId, algorithm: signer.algorithm, signature: Buffer.from(signer.sign(bytes)).toString('base64'), publicKeyPem: signer.publicKeyPem() };
          await writeFile(`${flags.out}.sig.json`, `${JSON.stringify(signature, null, 2)}\n`, { mode: 0o600 });
          process.stdout.write(`wrote ${flags.out} and ${flags.out}.sig.json (Ed25519, key ${signer.keyId})\n`);
        });
      }),
    );
  withStorageOptions(incident.command('settings'))
    .description("an organization's incident settings (JSON); --time-zone sets the IANA zone the notification clocks count working days and the year end in")
    .requiredOption('--org <org>', 'organization (name or id)')
    .option('--time-zone <zone>', 'an IANA time zone such as Europe/Berlin or America/New_York (or UTC)')
    .action(
      action(async (flags: Flags & { org: string; timeZone?: string }) => {
        out(
          await withPlatform(config(flags).config, async (p) => {
            const ctx = cliContext();
            const orgId = (await p.identity.resolveOrganization(flags.org)).id;
            const current = await p.incidents.service.settings(ctx, orgId);
            return flags.timeZone === undefined ? current : p.incidents.service.putSettings(ctx, { ...current, timeZone: flags.timeZone }, orgId);
          }),
        );
      }),
    );
  withStorageOptions(incident.command('close'))
    .description('close an incident')
    .argument('<id>')
    .action(
      action(async (id: string, flags: Flags) => {
        const closed = await withPlatform(config(flags).config, (p) => p.incidents.service.transition(cliContext(), id, 'closed'));
        process.stdout.write(`closed incident ${closed.id} at ${closed.closedAt ?? ''}\n`);
      }),
    );
}

/** Prints HTML to PDF with Debian's Chromium (headless). */
async function printPdf(html: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-report-'));
  try {
    const page = join(dir, 'report.html');
    const pdf = join(dir, 'report.pdf');
    await writeFile(page, html, { mode: 0o600 });
    await promisify(execFile)('/usr/bin/chromium', ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${join(dir, 'profile')}`, '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `file://${page}`], { timeout: 60_000 });
    return await readFile(pdf);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
