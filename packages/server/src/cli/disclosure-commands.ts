/**
 * `vigil disclosures record|list|accounting|suspend`: the accounting of disclosures (HIPAA
 * §164.528) on the host (actor: the OS user, as `cli`, in the organization named by --org).
 * The service checks, seals and audits; e.g. a `vigil backup browse` export handed to an outside
 * party is recorded here (docs/disclosures.md).
 * MUST: the accounting file is written with mode 0600 (it holds PHI); stdout otherwise.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ACCOUNTABLE_PURPOSES, accountingHtml, DISCLOSURE_SORT, EXCLUSIONS, isAccountablePurpose, STATEMENT_KINDS } from '../disclosures/index.js';
import { AppError, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../kernel/index.js';
import { cliContext, type Platform } from '../main.js';
import { withPlatform, type CliHelpers } from './compliance-commands.js';

type Flags = { config?: string; org: string };

async function orgOf(p: Platform, org: string): Promise<{ orgId: string; name: string }> {
  const found = await p.identity.resolveOrganization(org);
  return { orgId: found.id, name: found.name };
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw new AppError('VALIDATION_FAILED', { detail: `--limit must be an integer 1..${MAX_PAGE_SIZE}` });
  return n;
}

export function registerDisclosureCommands(program: Command, h: CliHelpers): void {
  const disclosures = program.command('disclosures').description('accounting of disclosures of PHI to outside parties (HIPAA §164.528)');
  h.withStorageOptions(disclosures.command('record'))
    .description('record a disclosure of a patient\'s PHI to an outside party (exclusions of §164.528(a)(1) are refused)')
    .requiredOption('--org <org>', 'organization (name or id)')
    .requiredOption('--patient <id>', 'patient id')
    .requiredOption('--recipient <name>', 'who received the PHI (person or organization)')
    .option('--address <address>', "the recipient's address, if known")
    .requiredOption('--description <text>', 'a brief description of the PHI disclosed')
    .requiredOption('--purpose <purpose>', `one of ${Object.keys(ACCOUNTABLE_PURPOSES).join(', ')} (excluded: ${Object.keys(EXCLUSIONS).join(', ')})`)
    .requiredOption('--statement <text>', 'a brief statement of the purpose (or the request it answered)')
    .option('--at <iso>', 'when the PHI was disclosed (default: now)')
    .action(
      h.action(async (flags: Flags & { patient: string; recipient: string; address?: string; description: string; purpose: string; statement: string; at?: string }) => {
        const d = await withPlatform(h.config(flags).config, async (p) =>
          p.disclosures.record(
            cliContext(),
            flags.patient,
            {
              disclosedAt: flags.at ?? p.clock.now().toISOString(),
              recipientName: flags.recipient,
              recipientAddress: flags.address ?? null,
              description: flags.description,
              purpose: flags.purpose,
              purposeStatement: flags.statement,
            },
            await orgOf(p, flags.org),
          ),
        );
        process.stdout.write(`recorded disclosure ${d.id} (${d.purpose}, ${d.disclosedAt})\n`);
      }),
    );
  h.withStorageOptions(disclosures.command('list'))
    .description('the recorded disclosures of a patient in the last six years, suspended ones included, one page (JSON: disclosures, nextCursor)')
    .requiredOption('--org <org>', 'organization (name or id)')
    .requiredOption('--patient <id>', 'patient id')
    .option('--search <text>', "part of the recipient's name, the description or the purpose statement")
    .option('--purpose <purpose>', `only this purpose: ${Object.keys(ACCOUNTABLE_PURPOSES).join(', ')}`)
    .option('--sort <key>', `${DISCLOSURE_SORT.keys.join(', ')}; prefix - for descending (default -${DISCLOSURE_SORT.defaultSort})`)
    .option('--limit <n>', `rows per page, 1..${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`, parseLimit)
    .option('--cursor <cursor>', 'the previous page\'s nextCursor')
    .action(
      h.action(async (flags: Flags & { patient: string; search?: string; purpose?: string; sort?: string; limit?: number; cursor?: string }) => {
        if (flags.purpose !== undefined && !isAccountablePurpose(flags.purpose)) {
          throw new AppError('VALIDATION_FAILED', { detail: `disclosures list: --purpose must be one of ${Object.keys(ACCOUNTABLE_PURPOSES).join(', ')}` });
        }
        const purpose = flags.purpose;
        const page = await withPlatform(h.config(flags).config, async (p) =>
          p.disclosures.listPage(cliContext(), flags.patient, { q: flags.search, purpose }, { sort: flags.sort, limit: flags.limit, cursor: flags.cursor }, await orgOf(p, flags.org)),
        );
        process.stdout.write(`${JSON.stringify({ disclosures: page.items, nextCursor: page.nextCursor }, null, 2)}\n`);
      }),
    );
  h.withStorageOptions(disclosures.command('accounting'))
    .description('the accounting the individual may request: six years (or from --from), summarized, suspended ones hidden')
    .requiredOption('--org <org>', 'organization (name or id)')
    .requiredOption('--patient <id>', 'patient id')
    .option('--from <iso>', 'start of a shorter period the individual asked for')
    .option('--no-summary', 'list repeated disclosures one by one')
    .option('--format <format>', 'json or html', 'json')
    .option('--out <file>', 'write to this file (mode 0600) instead of stdout')
    .action(
      h.action(async (flags: Flags & { patient: string; from?: string; summary: boolean; format: string; out?: string }) => {
        if (flags.format !== 'json' && flags.format !== 'html') throw new AppError('VALIDATION_FAILED', { detail: 'disclosures accounting: --format must be json or html' });
        const text = await withPlatform(h.config(flags).config, async (p) => {
          const org = await orgOf(p, flags.org);
          const accounting = await p.disclosures.accounting(cliContext(), flags.patient, { from: flags.from, summarize: flags.summary }, org);
          return flags.format === 'html' ? accountingHtml(accounting, org.name) : `${JSON.stringify(accounting, null, 2)}\n`;
        });
        if (flags.out === undefined) process.stdout.write(text);
        else {
          await writeFile(flags.out, text, { mode: 0o600 });
          process.stdout.write(`wrote ${flags.out}\n`);
        }
      }),
    );
  h.withStorageOptions(disclosures.command('suspend'))
    .description("record an agency's suspension of a patient's accounting (§164.528(a)(2)); oral: at most 30 days")
    .requiredOption('--org <org>', 'organization (name or id)')
    .requiredOption('--patient <id>', 'patient id')
    .requiredOption('--agency <name>', 'the health oversight agency or law-enforcement official (as named on the disclosures)')
    .option('--official <name>', 'the official who made the request')
    .requiredOption('--kind <kind>', `${STATEMENT_KINDS.join(' or ')} statement`)
    .requiredOption('--statement <text>', "the agency's statement (an accounting would be likely to impede its activities)")
    .requiredOption('--until <iso>', 'when the suspension ends')
    .action(
      h.action(async (flags: Flags & { patient: string; agency: string; official?: string; kind: string; statement: string; until: string }) => {
        const s = await withPlatform(h.config(flags).config, async (p) =>
          p.disclosures.suspend(cliContext(), flags.patient, { agency: flags.agency, official: flags.official ?? null, statementKind: flags.kind, statement: flags.statement, endsAt: flags.until }, await orgOf(p, flags.org)),
        );
        process.stdout.write(`suspension ${s.id} until ${s.endsAt} (${s.statementKind})\n`);
      }),
    );
}
