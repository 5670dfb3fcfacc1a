/**
 * `vigil firmware publish|list`: firmware releases from the host with the data directory.
 * publish streams IMAGE into the content-addressed store (the model's size limit applies), then
 * publishes the release with its CycloneDX SBOM; both steps are audited (actor: the OS user).
 * MUST: a refused release prints one line naming the reason and leaves no release behind.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { cliContext, openPlatform, type Platform } from '../main.js';
import type { CommonFlags } from './config-flags.js';

export interface CliHelpers {
  readonly config: (flags: CommonFlags) => { readonly config: Config };
  readonly action: <A extends unknown[]>(fn: (...args: A) => Promise<void>) => (...args: A) => Promise<void>;
  readonly withStorageOptions: (cmd: Command) => Command;
}

export interface PublishFlags {
  readonly model: string;
  readonly version: string;
  readonly sbom: string;
  readonly minVersion?: string | undefined;
  readonly hardwareRevision?: string[] | undefined;
  readonly notes?: string | undefined;
  readonly fileName?: string | undefined;
  readonly supportEnds: string;
  readonly endOfLife: string;
}

async function withPlatform<T>(config: Config, fn: (platform: Platform) => Promise<T>): Promise<T> {
  const platform = await openPlatform({ config, env: process.env });
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}

export async function runFirmwarePublish(config: Config, image: string, flags: PublishFlags): Promise<void> {
  const sbom = await readFile(flags.sbom, 'utf8');
  const release = await withPlatform(config, async (p) => {
    const ctx = cliContext();
    const uploaded = await p.updates.releases.uploadImage(ctx, flags.model, createReadStream(image));
    return p.updates.releases.publish(ctx, {
      model: flags.model,
      version: flags.version,
      minVersion: flags.minVersion,
      hardwareRevisions: flags.hardwareRevision ?? ['any'],
      notes: flags.notes,
      fileName: flags.fileName,
      sha256: uploaded.sha256,
      supportEndsAt: flags.supportEnds,
      endOfLifeAt: flags.endOfLife,
      sbom,
    });
  });
  process.stdout.write(`published ${release.model} ${release.version} as ${release.targetPath} (sha256 ${release.sha256}, ${release.length} bytes, ${release.sbom.components.length} SBOM components)\n`);
}

export async function runFirmwareList(config: Config, flags: { model?: string | undefined; json?: boolean | undefined }): Promise<void> {
  const releases = await withPlatform(config, (p) => p.updates.releases.list(cliContext(), flags.model));
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify({ releases })}\n`);
    return;
  }
  const rows = releases.map((r) => [r.model, r.version, r.minVersion, r.sha256.slice(0, 16), r.length, r.supportEndsAt, r.endOfLifeAt].join('\t'));
  process.stdout.write(`model\tversion\tminVersion\tsha256\tlength\tsupportEnds\tendOfLife\n${rows.map((r) => `${r}\n`).join('')}`);
}

export async function runFirmwareScan(config: Config, flags: { org: string; json?: boolean | undefined }): Promise<void> {
  const entries = await withPlatform(config, async (p) => p.updates.attestation.scan(cliContext(), (await p.identity.resolveOrganization(flags.org)).id));
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify({ devices: entries })}\n`);
    return;
  }
  const rows = entries.map((e) => [e.deviceId, e.model, e.status, e.state, e.firmwareVersion ?? '-', e.measuredAt ?? '-'].join('\t'));
  process.stdout.write(`device\tmodel\tstatus\tintegrity\tfirmware\tmeasuredAt\n${rows.map((r) => `${r}\n`).join('')}`);
}

/** Registers `vigil firmware …` on the program. */
export function registerFirmwareCommands(program: Command, h: CliHelpers): void {
  const firmware = program.command('firmware').description('firmware releases: images, metadata and SBOMs');
  h.withStorageOptions(firmware.command('publish'))
    .description('upload IMAGE and publish it as a release of a model, with its CycloneDX SBOM')
    .argument('<image>', 'the firmware image file')
    .requiredOption('--model <model>', 'device model')
    .requiredOption('--version <version>', 'release version (semver, e.g. 1.4.0)')
    .requiredOption('--sbom <file>', 'CycloneDX JSON SBOM; each component needs vigil:support-level and vigil:end-of-support (or a justification)')
    .requiredOption('--support-ends <date>', 'end of support of this release (YYYY-MM-DD)')
    .requiredOption('--end-of-life <date>', 'end of life of this release (YYYY-MM-DD)')
    .option('--min-version <version>', 'lowest version a device may update from (default 0.0.0)')
    .option('--hardware-revision <rev...>', 'hardware revisions the image runs on (default: any)')
    .option('--notes <text>', 'release notes')
    .option('--file-name <name>', 'target file name (default firmware.bin)')
    .action(h.action(async (image: string, flags: CommonFlags & PublishFlags) => runFirmwarePublish(h.config(flags).config, image, flags)));
  h.withStorageOptions(firmware.command('list'))
    .description('list firmware releases')
    .option('--model <model>', 'only this model')
    .option('--json', 'print JSON')
    .action(h.action(async (flags: CommonFlags & { model?: string; json?: boolean }) => runFirmwareList(h.config(flags).config, flags)));
  h.withStorageOptions(firmware.command('scan'))
    .description('fleet integrity scan: every device of an organization with its attestation state')
    .requiredOption('--org <org>', 'organization (name or id)')
    .option('--json', 'print JSON')
    .action(h.action(async (flags: CommonFlags & { org: string; json?: boolean }) => runFirmwareScan(h.config(flags).config, flags)));
}
