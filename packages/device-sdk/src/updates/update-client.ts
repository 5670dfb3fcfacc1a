/**
 * The device's update client: TUF (specification 1.0) through tuf-js, over mutual TLS.
 *
 *   check()   refresh metadata per the client workflow (§5.3-§5.6: root, timestamp, snapshot,
 *             targets, then the model's delegated role), and pick the newest release of this
 *             model that this device may take
 *   update()  check, download (tuf-js checks length and every hash, §5.7.3), ask the maker's
 *             consent callback, install through the maker's callback, report the outcome
 *   download() check and download only (Vigil's `firmware.download`: a device bound to a patient
 *             fetches at once and installs inside its maintenance window); update() then reuses
 *             the file only after tuf-js verified it again against fresh metadata
 *
 * MUST: the first trusted root is the one provisioned at manufacture (`trustedRoot`); every later
 *       root must chain from it (tuf-js §5.3). Metadata state lives in `stateDir` and is shared by
 *       every mirror, so a mirror cannot roll the device back.
 * MUST: only a target of this model is taken (path under `<model>/`, signed custom.model equal),
 *       of a version above the running one, whose minVersion the running version meets and whose
 *       hardware revisions include this device's (wrong software, rollback of firmware).
 * MUST: nothing reaches the install callback unless tuf-js verified it; a failed mirror is
 *       skipped and the next one tried; every outcome is reported, failures included.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Metadata, MetadataKind, type TargetFile, type Targets } from '@tufjs/models';
import { compareVersions, isSemVer } from '@vigil/protocol';
import { type Config, Updater } from 'tuf-js';
import { type FetcherTls, MtlsFetcher } from './mtls-fetcher.js';

export interface UpdateOffer {
  readonly path: string;
  readonly version: string;
  readonly minVersion: string;
  readonly hardwareRevisions: readonly string[];
  readonly length: number;
  readonly sha256: string;
}

export interface InstallRequest {
  readonly offer: UpdateOffer;
  /** The verified image on disk; the callback may move it. */
  readonly file: string;
}

export type UpdateOutcome =
  | { readonly status: 'up-to-date'; readonly version: string }
  | { readonly status: 'installed'; readonly from: string; readonly to: string; readonly sha256: string }
  | { readonly status: 'deferred'; readonly version: string; readonly reason: 'no-consent' }
  | { readonly status: 'failed'; readonly stage: 'refresh' | 'download' | 'install'; readonly reason: string; readonly version?: string };

export type DownloadOutcome =
  | { readonly status: 'up-to-date'; readonly version: string }
  | { readonly status: 'downloaded'; readonly version: string; readonly sha256: string }
  | { readonly status: 'failed'; readonly stage: 'refresh' | 'download'; readonly reason: string };

export interface UpdateClientOptions {
  readonly model: string;
  readonly currentVersion: string;
  readonly hardwareRevision: string;
  /** Repository base URLs, e.g. https://vigil.example:8443/tuf; tried in order. */
  readonly mirrors: readonly string[];
  /** The root metadata (JSON text) provisioned at manufacture. */
  readonly trustedRoot: string;
  readonly stateDir: string;
  readonly tls: FetcherTls;
  readonly install: (request: InstallRequest) => Promise<void>;
  /** Asked before installing (a device must never reboot mid-therapy without it); default yes. */
  readonly consent?: (offer: UpdateOffer) => Promise<boolean>;
  readonly report?: (outcome: UpdateOutcome) => Promise<void>;
  /** Called after a successful install with the new version and image hash (send an attestation). */
  readonly attest?: (version: string, imageSha256: string) => Promise<void>;
  readonly tufConfig?: Partial<Config>;
  readonly fetcherTimeouts?: { readonly idleTimeoutMs?: number; readonly deadlineMs?: number };
}

const MODEL_ROLE_PREFIX = 'model-';

export class UpdateClient {
  readonly #o: UpdateClientOptions;
  #current: string;

  constructor(options: UpdateClientOptions) {
    if (!isSemVer(options.currentVersion)) throw new TypeError('currentVersion must be a semantic version');
    if (options.mirrors.length === 0) throw new TypeError('at least one mirror is required');
    this.#o = options;
    this.#current = options.currentVersion;
  }

  get currentVersion(): string {
    return this.#current;
  }

  /** The newest release this device may take, or undefined; throws when no mirror verifies. */
  async check(): Promise<UpdateOffer | undefined> {
    const { offer } = await this.#onMirrors(async (updater) => ({ offer: await this.#findOffer(updater) }));
    return offer;
  }

  /** check + download + consent + install + report. `targetPath` pins a release (a campaign). */
  async update(targetPath?: string): Promise<UpdateOutcome> {
    const outcome = await this.#update(targetPath);
    await this.#o.report?.(outcome);
    return outcome;
  }

  /** check + download, no install: the verified image waits in the state directory for update(). */
  async download(targetPath?: string): Promise<DownloadOutcome> {
    let stage: 'refresh' | 'download' = 'refresh';
    try {
      const found = await this.#onMirrors(async (updater) => {
        const offer = targetPath === undefined ? await this.#findOffer(updater) : await this.#pinnedOffer(updater, targetPath);
        if (offer === undefined) return undefined;
        stage = 'download';
        await this.#fetchTarget(updater, offer);
        return offer;
      });
      return found === undefined ? { status: 'up-to-date', version: this.#current } : { status: 'downloaded', version: found.version, sha256: found.sha256 };
    } catch (error) {
      return { status: 'failed', stage, reason: reasonOf(error) };
    }
  }

  /** The target's verified file: a cached one that tuf-js verifies against fresh metadata, or a new download. */
  async #fetchTarget(updater: Updater, offer: UpdateOffer): Promise<string> {
    const info = await this.#verifiedInfo(updater, offer.path);
    const downloads = join(this.#o.stateDir, 'downloads');
    await mkdir(downloads, { recursive: true, mode: 0o700 });
    const file = join(downloads, `${offer.sha256}.img`);
    if ((await updater.findCachedTarget(info, file).catch(() => undefined)) !== undefined) return file;
    await rm(file, { force: true });
    await updater.downloadTarget(info, file);
    return file;
  }

  async #update(targetPath: string | undefined): Promise<UpdateOutcome> {
    let found: { offer: UpdateOffer; file: string } | undefined;
    let stage: 'refresh' | 'download' = 'refresh';
    try {
      found = await this.#onMirrors(async (updater) => {
        stage = 'refresh';
        const offer = targetPath === undefined ? await this.#findOffer(updater) : await this.#pinnedOffer(updater, targetPath);
        if (offer === undefined) return undefined;
        stage = 'download';
        return { offer, file: await this.#fetchTarget(updater, offer) };
      });
    } catch (error) {
      return { status: 'failed', stage, reason: reasonOf(error) };
    }
    if (found === undefined) return { status: 'up-to-date', version: this.#current };
    const { offer, file } = found;
    if (this.#o.consent !== undefined && !(await this.#o.consent(offer))) return { status: 'deferred', version: offer.version, reason: 'no-consent' };
    try {
      await this.#o.install({ offer, file });
    } catch (error) {
      return { status: 'failed', stage: 'install', reason: reasonOf(error), version: offer.version };
    } finally {
      await rm(file, { force: true });
    }
    const from = this.#current;
    this.#current = offer.version;
    // A failed attestation does not undo the install; Vigil flags the missing report instead.
    await this.#o.attest?.(offer.version, offer.sha256).catch(() => undefined);
    return { status: 'installed', from, to: offer.version, sha256: offer.sha256 };
  }

  /** Runs `fn` with an Updater on each mirror in turn until one succeeds. */
  async #onMirrors<T>(fn: (updater: Updater) => Promise<T>): Promise<T> {
    const metadataDir = join(this.#o.stateDir, 'tuf');
    await mkdir(metadataDir, { recursive: true, mode: 0o700 });
    const rootFile = join(metadataDir, 'root.json');
    if (!existsSync(rootFile)) await writeFile(rootFile, this.#o.trustedRoot, { mode: 0o600 });
    const errors: string[] = [];
    for (const mirror of this.#o.mirrors) {
      const base = mirror.replace(/\/+$/, '');
      const updater = new Updater({
        metadataDir,
        metadataBaseUrl: `${base}/metadata`,
        targetBaseUrl: `${base}/targets`,
        fetcher: new MtlsFetcher({ tls: this.#o.tls, ...this.#o.fetcherTimeouts }),
        config: { fetchRetries: 0, ...this.#o.tufConfig },
      });
      try {
        await updater.refresh();
        return await fn(updater);
      } catch (error) {
        errors.push(`${base}: ${reasonOf(error)}`);
      }
    }
    throw new Error(errors.join('; '));
  }

  async #findOffer(updater: Updater): Promise<UpdateOffer | undefined> {
    // Walking to any path under the model loads and verifies the model's delegated role (§5.6.7),
    // which tuf-js then keeps in the metadata directory; its target list is read from there.
    await updater.getTargetInfo(`${this.#o.model}/0.0.0/probe`);
    const text = await readFile(join(this.#o.stateDir, 'tuf', `${encodeURIComponent(`${MODEL_ROLE_PREFIX}${this.#o.model}`)}.json`), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const role: Metadata<Targets> = Metadata.fromJSON(MetadataKind.Targets, JSON.parse(text) as Parameters<typeof Metadata.fromJSON>[1]);
    let best: UpdateOffer | undefined;
    for (const target of Object.values(role.signed.targets)) {
      const offer = this.#acceptable(target);
      if (offer !== undefined && (best === undefined || compareVersions(offer.version, best.version) > 0)) best = offer;
    }
    return best;
  }

  async #pinnedOffer(updater: Updater, path: string): Promise<UpdateOffer | undefined> {
    const info = await updater.getTargetInfo(path);
    if (info === undefined) throw new Error(`target ${path} is not in the signed metadata`);
    const offer = this.#acceptable(info);
    if (offer === undefined) throw new Error(`target ${path} is not for this device (model, version, minimum or hardware)`);
    return offer;
  }

  async #verifiedInfo(updater: Updater, path: string): Promise<TargetFile> {
    const info = await updater.getTargetInfo(path);
    if (info === undefined || this.#acceptable(info) === undefined) throw new Error(`target ${path} is not verified for this device`);
    return info;
  }

  /** The TUF custom fields checked against this device; undefined when it may not take it. */
  #acceptable(target: TargetFile): UpdateOffer | undefined {
    const custom = target.custom;
    const { model, currentVersion, hardwareRevision } = { ...this.#o, currentVersion: this.#current };
    const version = custom['version'];
    const minVersion = custom['minVersion'];
    const revisions = custom['hardwareRevisions'];
    if (!target.path.startsWith(`${model}/`) || custom['model'] !== model) return undefined;
    if (typeof version !== 'string' || typeof minVersion !== 'string' || !isSemVer(version) || !isSemVer(minVersion)) return undefined;
    if (!Array.isArray(revisions) || !revisions.every((r): r is string => typeof r === 'string')) return undefined;
    if (target.path !== `${model}/${version}/${target.path.split('/')[2] ?? ''}`) return undefined;
    if (compareVersions(version, currentVersion) <= 0 || compareVersions(currentVersion, minVersion) < 0) return undefined;
    if (!revisions.includes(hardwareRevision) && !revisions.includes('any')) return undefined;
    const sha256 = target.hashes['sha256'];
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) return undefined;
    return { path: target.path, version, minVersion, hardwareRevisions: revisions, length: target.length, sha256 };
  }
}

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 500);
}
