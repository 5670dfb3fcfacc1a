/**
 * Vigil's TUF repository (TUF specification 1.0): the online half. It keeps the root versions
 * installed from the offline ceremony and signs, with the online keys of the key store:
 *   targets           (tuf-targets)     delegates `<model>/*\/*` to one role per device model
 *   model-<model>     (tuf-delegation)  the releases of that model: length, SHA-256, SHA-512, custom
 *   snapshot          (tuf-snapshot)    versions of targets and every model role
 *   timestamp         (tuf-timestamp)   version, length and SHA-256 of the snapshot
 * Consistent snapshots (§6.2): every version is kept and served as <version>.<role>.json.
 *
 * MUST: a root is installed only when verifyRootUpdate accepts it (threshold of the trusted and
 *       of the new root keys); the server never holds a root private key.
 * MUST: metadata is signed only by an online key the current root (or top-level targets, for the
 *       model roles) lists; after a key rotation nothing is signed until a root lists the new key,
 *       so a retired key never signs again.
 * MUST: versions only go up; timestamp expires after 1 day, snapshot and targets after 30 days
 *       by default; refresh() re-signs before expiry, and an expired timestamp is never served
 *       silently: it is refreshed on the spot or the request fails (UPDATES_TUF_EXPIRED).
 */
import { createHash } from 'node:crypto';
import { Metadata, Snapshot, Targets, Timestamp, type Root } from '@tufjs/models';
import type { AuditWriter } from '../../audit/index.js';
import { AppError, type Clock, type RequestContext, type UnitOfWork } from '../../kernel/index.js';
import type { Signer, TufOnlinePurpose } from '../../keys/index.js';
import type { FirmwareRelease } from '../model.js';
import type { FirmwareStore, TufMetadataRow, TufMetadataStore } from '../store.js';
import { isoSeconds, parseRoot, verifyRootUpdate } from './root-ceremony.js';
import { keyIdOf, metadataText, signMetadata, tufKeyOf, TUF_SPEC_VERSION } from './tuf-keys.js';

export interface TufScope {
  readonly tuf: TufMetadataStore;
  readonly firmware: FirmwareStore;
  readonly audit: AuditWriter;
}

export interface TufExpiries {
  readonly timestampHours: number;
  readonly snapshotDays: number;
  readonly targetsDays: number;
}

export const DEFAULT_TUF_EXPIRIES: TufExpiries = { timestampHours: 24, snapshotDays: 30, targetsDays: 30 };

export interface TufRepositoryOptions {
  readonly uow: UnitOfWork<TufScope>;
  /** Reads outside a transaction, for serving. */
  readonly reader: TufMetadataStore;
  readonly findRelease: (model: string, version: string) => Promise<FirmwareRelease | undefined>;
  readonly signer: (purpose: TufOnlinePurpose) => Signer;
  readonly clock: Clock;
  readonly expiries?: TufExpiries;
}

export const MODEL_ROLE_PREFIX = 'model-';
const METADATA_NAME = /^([1-9]\d{0,9})\.(root|snapshot|targets|model-[A-Za-z0-9][A-Za-z0-9._-]{0,63})\.json$/;
const TARGET_NAME = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63})\/([0-9A-Za-z.+-]{1,64})\/([0-9a-f]{64})\.([A-Za-z0-9][A-Za-z0-9._-]{0,127})$/;
const HOUR = 3600_000;
const DAY = 24 * HOUR;

export interface PublishReport {
  readonly root: number;
  readonly targets: number;
  readonly snapshot: number;
  readonly timestamp: number;
  readonly models: Readonly<Record<string, number>>;
}

/** Role versions kept in memory (each a few KiB); the map is emptied when full. */
const BODY_CACHE_ENTRIES = 2_000;
/** How long the latest timestamp and a release lookup are reused before the database is asked again. */
const READ_CACHE_MS = 1_000;

export class TufRepository {
  readonly #o: TufRepositoryOptions;
  readonly #expiries: TufExpiries;
  #chain: Promise<unknown> = Promise.resolve();
  /**
   * Read caches for the device-facing routes. A role version's body never changes once signed
   * (consistent snapshots), so it is kept (bounded); the latest timestamp and a release lookup are
   * kept briefly (another process, the CLI's root install, may sign meanwhile) and dropped at once
   * whenever this process signs anything.
   */
  readonly #bodies = new Map<string, string>();
  #timestamp: { row: TufMetadataRow; until: number } | undefined;
  readonly #releases = new Map<string, { release: FirmwareRelease; until: number }>();

  constructor(options: TufRepositoryOptions) {
    this.#o = options;
    this.#expiries = options.expiries ?? DEFAULT_TUF_EXPIRIES;
  }

  /** Verifies and stores a root from the offline ceremony, then re-signs everything under it. */
  installRoot(ctx: RequestContext, json: unknown): Promise<PublishReport> {
    return this.#serial(async () => {
      const next = parseRoot(json);
      await this.#o.uow.run(async (s) => {
        const trustedRow = await s.tuf.latest('root');
        const trusted = trustedRow === undefined ? undefined : parseRoot(JSON.parse(trustedRow.body));
        verifyRootUpdate(trusted, next, this.#o.clock.now());
        this.#checkOnlineKeys(next);
        await s.tuf.insert(this.#row('root', next.signed.version, metadataText(next), next.signed.expires));
        await s.audit.record(ctx, {
          action: 'updates.tuf.root.install',
          target: { type: 'tuf_root', id: String(next.signed.version) },
          outcome: 'success',
          details: { version: next.signed.version, expires: next.signed.expires, threshold: next.signed.roles['root']?.threshold ?? 0 },
        });
      });
      return this.#publish(ctx, 'root-installed');
    });
  }

  /** Signs a new version of every role (after a release, a key rotation or a root). */
  publish(ctx: RequestContext, reason: string): Promise<PublishReport | undefined> {
    return this.#serial(async () => ((await this.#o.reader.latest('root')) === undefined ? undefined : this.#publish(ctx, reason)));
  }

  /**
   * The refresh job: re-signs everything when a targets-side role expires within a quarter of its
   * lifetime (or the releases changed), else only the timestamp when half its lifetime is gone.
   */
  refresh(ctx: RequestContext): Promise<'none' | 'timestamp' | 'all' | 'no-root'> {
    return this.#serial(async () => {
      if ((await this.#o.reader.latest('root')) === undefined) return 'no-root';
      const now = this.#o.clock.now().getTime();
      const soon = (row: TufMetadataRow | undefined, lifetimeMs: number): boolean => row === undefined || Date.parse(row.expires) - now < lifetimeMs;
      const snapshot = await this.#o.reader.latest('snapshot');
      const targets = await this.#o.reader.latest('targets');
      if (soon(snapshot, (this.#expiries.snapshotDays * DAY) / 4) || soon(targets, (this.#expiries.targetsDays * DAY) / 4) || (await this.#releasesChanged(snapshot))) {
        await this.#publish(ctx, 'refresh');
        return 'all';
      }
      const timestamp = await this.#o.reader.latest('timestamp');
      if (soon(timestamp, (this.#expiries.timestampHours * HOUR) / 2)) {
        await this.#o.uow.run(async (s) => {
          const root = await this.#trustedRoot(s);
          this.#checkOnlineKeys(root);
          if (snapshot === undefined) throw new AppError('UPDATES_TUF_NOT_INITIALIZED');
          const version = await this.#signTimestamp(s, snapshot);
          await s.audit.record(ctx, { action: 'updates.tuf.timestamp.refresh', target: { type: 'tuf_role', id: 'timestamp' }, outcome: 'success', details: { version } });
        });
        return 'timestamp';
      }
      return 'none';
    });
  }

  /**
   * The text of a metadata file as a client asks for it (§5: timestamp.json, <v>.<role>.json), or
   * undefined (404). `model`, when given, is the only model whose role may be read.
   */
  async metadata(name: string, model?: string): Promise<string | undefined> {
    if (name === 'timestamp.json') return this.#freshTimestamp();
    const m = METADATA_NAME.exec(name);
    if (m === null) return undefined;
    const role = m[2] ?? '';
    if (model !== undefined && role.startsWith(MODEL_ROLE_PREFIX) && role !== `${MODEL_ROLE_PREFIX}${model}`) return undefined;
    const key = `${role}@${Number(m[1])}`;
    const cached = this.#bodies.get(key);
    if (cached !== undefined) return cached;
    const body = (await this.#o.reader.find(role, Number(m[1])))?.body;
    if (body !== undefined) {
      if (this.#bodies.size >= BODY_CACHE_ENTRIES) this.#bodies.clear();
      this.#bodies.set(key, body);
    }
    return body;
  }

  async #release(model: string, version: string): Promise<FirmwareRelease | undefined> {
    const key = `${model}@${version}`;
    const now = Date.now();
    const cached = this.#releases.get(key);
    if (cached !== undefined && cached.until > now) return cached.release;
    const release = await this.#o.findRelease(model, version);
    if (release !== undefined) {
      if (this.#releases.size >= BODY_CACHE_ENTRIES) this.#releases.clear();
      this.#releases.set(key, { release, until: now + READ_CACHE_MS });
    }
    return release;
  }

  /** The latest timestamp row, read at most once per READ_CACHE_MS (and afresh after any signing here). */
  async #latestTimestamp(): Promise<TufMetadataRow | undefined> {
    const now = Date.now();
    if (this.#timestamp !== undefined && this.#timestamp.until > now) return this.#timestamp.row;
    const row = await this.#o.reader.latest('timestamp');
    this.#timestamp = row === undefined ? undefined : { row, until: now + READ_CACHE_MS };
    return row;
  }

  /** The blob (SHA-256) behind a consistent target path `<model>/<version>/<sha256>.<file>`, or undefined. */
  async target(path: string, model?: string): Promise<{ sha256: string; length: number } | undefined> {
    const m = TARGET_NAME.exec(path);
    if (m === null) return undefined;
    const [, targetModel = '', version = '', sha256 = '', file = ''] = m;
    if (model !== undefined && targetModel !== model) return undefined;
    const release = await this.#release(targetModel, version);
    if (release === undefined || release.sha256 !== sha256 || release.targetPath !== `${targetModel}/${version}/${file}`) return undefined;
    return { sha256, length: release.length };
  }

  /** The latest trusted root (for `vigil updates root rotate` and devices' first trust). */
  async latestRoot(): Promise<string | undefined> {
    return (await this.#o.reader.latest('root'))?.body;
  }

  async #freshTimestamp(): Promise<string> {
    const row = await this.#latestTimestamp();
    if (row === undefined) throw new AppError('UPDATES_TUF_NOT_INITIALIZED');
    if (Date.parse(row.expires) > this.#o.clock.now().getTime()) return row.body;
    try {
      await this.refresh({ principal: { kind: 'system', id: 'system' }, requestId: 'tuf-expired-refresh', source: 'local' });
    } catch (cause) {
      throw new AppError('UPDATES_TUF_EXPIRED', { detail: 'the timestamp expired and could not be re-signed', cause });
    }
    const fresh = await this.#o.reader.latest('timestamp');
    if (fresh === undefined || Date.parse(fresh.expires) <= this.#o.clock.now().getTime()) throw new AppError('UPDATES_TUF_EXPIRED');
    return fresh.body;
  }

  async #releasesChanged(snapshot: TufMetadataRow | undefined): Promise<boolean> {
    if (snapshot === undefined) return true;
    const published = await this.#o.uow.run((s) => s.firmware.listReleases());
    const meta = (JSON.parse(snapshot.body) as { signed: { meta: Record<string, { version: number }> } }).signed.meta;
    for (const model of new Set(published.map((r) => r.model))) {
      const entry = meta[`${MODEL_ROLE_PREFIX}${model}.json`];
      if (entry === undefined) return true;
      const row = await this.#o.reader.find(`${MODEL_ROLE_PREFIX}${model}`, entry.version);
      const listed = row === undefined ? 0 : Object.keys((JSON.parse(row.body) as { signed: { targets: object } }).signed.targets).length;
      if (listed !== published.filter((r) => r.model === model).length) return true;
    }
    return false;
  }

  async #publish(ctx: RequestContext, reason: string): Promise<PublishReport> {
    return this.#o.uow.run(async (s) => {
      const root = await this.#trustedRoot(s);
      this.#checkOnlineKeys(root);
      const now = this.#o.clock.now().getTime();
      const releases = await s.firmware.listReleases();
      const models = [...new Set(releases.map((r) => r.model))].sort();
      const delegationSigner = this.#o.signer('tuf-delegation');
      const delegationKey = tufKeyOf(delegationSigner.publicKeyPem());
      const targetsExpires = isoSeconds(new Date(now + this.#expiries.targetsDays * DAY));
      const modelVersions: Record<string, number> = {};
      // Snapshot lists each role's version, length and SHA-256 (§4.4), so a role's file cannot be
      // swapped for another role's of the same version (all model roles share the delegation key).
      const meta: Record<string, { version: number; length: number; hashes: { sha256: string } }> = {};
      const metaOf = (version: number, text: string) => ({ version, length: Buffer.byteLength(text), hashes: { sha256: createHash('sha256').update(text).digest('hex') } });
      for (const model of models) {
        const role = `${MODEL_ROLE_PREFIX}${model}`;
        const version = ((await s.tuf.latest(role))?.version ?? 0) + 1;
        const targets: Record<string, unknown> = {};
        for (const r of releases.filter((x) => x.model === model)) {
          targets[r.targetPath] = {
            length: r.length,
            // sha256 first: clients name consistent targets after the first hash (<sha256>.<file>).
            hashes: { sha256: r.sha256, sha512: r.sha512 },
            custom: { model: r.model, version: r.version, minVersion: r.minVersion, hardwareRevisions: [...r.hardwareRevisions] },
          };
        }
        const md = new Metadata(Targets.fromJSON({ _type: 'targets', spec_version: TUF_SPEC_VERSION, version, expires: targetsExpires, targets: targets as never }));
        signMetadata(md, delegationSigner);
        const text = metadataText(md);
        await s.tuf.insert(this.#row(role, version, text, targetsExpires));
        modelVersions[model] = version;
        meta[`${role}.json`] = metaOf(version, text);
      }
      const targetsVersion = ((await s.tuf.latest('targets'))?.version ?? 0) + 1;
      const top = new Metadata(
        Targets.fromJSON({
          _type: 'targets',
          spec_version: TUF_SPEC_VERSION,
          version: targetsVersion,
          expires: targetsExpires,
          targets: {},
          delegations: {
            keys: { [delegationKey.keyID]: delegationKey.toJSON() } as never,
            roles: models.map((model) => ({ name: `${MODEL_ROLE_PREFIX}${model}`, keyids: [delegationKey.keyID], threshold: 1, terminating: true, paths: [`${model}/*/*`] })),
          },
        }),
      );
      signMetadata(top, this.#o.signer('tuf-targets'));
      const topText = metadataText(top);
      await s.tuf.insert(this.#row('targets', targetsVersion, topText, targetsExpires));
      meta['targets.json'] = metaOf(targetsVersion, topText);

      const snapshotVersion = ((await s.tuf.latest('snapshot'))?.version ?? 0) + 1;
      const snapshotExpires = isoSeconds(new Date(now + this.#expiries.snapshotDays * DAY));
      const snapshot = new Metadata(Snapshot.fromJSON({ _type: 'snapshot', spec_version: TUF_SPEC_VERSION, version: snapshotVersion, expires: snapshotExpires, meta }));
      signMetadata(snapshot, this.#o.signer('tuf-snapshot'));
      const snapshotRow = this.#row('snapshot', snapshotVersion, metadataText(snapshot), snapshotExpires);
      await s.tuf.insert(snapshotRow);
      const timestampVersion = await this.#signTimestamp(s, snapshotRow);
      const report: PublishReport = { root: root.signed.version, targets: targetsVersion, snapshot: snapshotVersion, timestamp: timestampVersion, models: modelVersions };
      await s.audit.record(ctx, {
        action: 'updates.tuf.publish',
        target: { type: 'tuf_repository', id: 'tuf' },
        outcome: 'success',
        reason,
        details: { root: report.root, targets: targetsVersion, snapshot: snapshotVersion, timestamp: timestampVersion, models: models.length },
      });
      return report;
    });
  }

  async #signTimestamp(s: TufScope, snapshot: TufMetadataRow): Promise<number> {
    const version = ((await s.tuf.latest('timestamp'))?.version ?? 0) + 1;
    const expires = isoSeconds(new Date(this.#o.clock.now().getTime() + this.#expiries.timestampHours * HOUR));
    const bytes = Buffer.from(snapshot.body, 'utf8');
    const md = new Metadata(
      Timestamp.fromJSON({
        _type: 'timestamp',
        spec_version: TUF_SPEC_VERSION,
        version,
        expires,
        meta: { 'snapshot.json': { version: snapshot.version, length: bytes.length, hashes: { sha256: createHash('sha256').update(bytes).digest('hex') } } },
      }),
    );
    signMetadata(md, this.#o.signer('tuf-timestamp'));
    await s.tuf.insert(this.#row('timestamp', version, metadataText(md), expires));
    return version;
  }

  async #trustedRoot(s: TufScope): Promise<Metadata<Root>> {
    const row = await s.tuf.latest('root');
    if (row === undefined) throw new AppError('UPDATES_TUF_NOT_INITIALIZED', { detail: 'no TUF root installed; run `vigil updates root init` offline, then `vigil updates root install`' });
    return parseRoot(JSON.parse(row.body));
  }

  /** Every online key the server would sign with must be the one the root names. */
  #checkOnlineKeys(root: Metadata<Root>): void {
    for (const [role, purpose] of [
      ['timestamp', 'tuf-timestamp'],
      ['snapshot', 'tuf-snapshot'],
      ['targets', 'tuf-targets'],
    ] as const) {
      const id = keyIdOf(this.#o.signer(purpose).publicKeyPem());
      if (!(root.signed.roles[role]?.keyIDs ?? []).includes(id)) {
        throw new AppError('UPDATES_TUF_ROOT_INVALID', {
          publicMessage: `The root does not list the active ${purpose} key; sign a new root with \`vigil updates root rotate\`.`,
          detail: `root v${root.signed.version} ${role} keys do not include the active ${purpose} key ${id.slice(0, 16)}…`,
        });
      }
    }
  }

  #row(role: string, version: number, body: string, expires: string): TufMetadataRow {
    return { role, version, body, expires, createdAt: this.#o.clock.now().toISOString() };
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = () => fn().finally(() => (this.#timestamp = undefined));
    const next = this.#chain.then(run, run);
    this.#chain = next.catch(() => undefined);
    return next;
  }
}
