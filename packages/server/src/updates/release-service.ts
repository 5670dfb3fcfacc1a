/**
 * ReleaseService: firmware image uploads, release publication (metadata + SBOM), reads, and the
 * per-model policy.
 *
 * MUST: every change is authorized (firmware:publish / firmware:read / firmware:policy) before any
 *       byte is stored, and audited in the same transaction as the row it writes.
 * MUST: a release is stored only when every check passes (metadata, SBOM, image present and of the
 *       model); on any refusal nothing is written.
 * MUST: digests and length come from our own hashing of the uploaded bytes, never from the client.
 */
import { decide, type Permission } from '../access/index.js';
import type { AuditWriter } from '../audit/index.js';
import { AppError, newId, type Clock, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import type { ArtifactStore, StoredImage } from './artifact-store.js';
import { checkAgainstPublished, checkModel, checkReleaseInput, defaultPolicy, type FirmwareImage, type FirmwareRelease, type ModelPolicy, type ReleaseInput } from './model.js';
import { checkSbom } from './sbom.js';
import type { FirmwareStore } from './store.js';
import type { Readable } from 'node:stream';

export interface UpdatesScope {
  readonly firmware: FirmwareStore;
  readonly audit: AuditWriter;
}

export interface ReleaseServiceOptions {
  readonly uow: UnitOfWork<UpdatesScope>;
  readonly artifacts: ArtifactStore;
  readonly clock: Clock;
  /** Called after a release is committed (the TUF repository signs new targets metadata). */
  readonly onPublished?: (ctx: RequestContext, release: FirmwareRelease) => Promise<void>;
}

export const MAX_POLICY_IMAGE_BYTES = 4 * 1024 * 1024 * 1024;

export class ReleaseService {
  readonly #o: ReleaseServiceOptions;

  constructor(options: ReleaseServiceOptions) {
    this.#o = options;
  }

  /** Streams an image into the content-addressed store, bounded by the model's limit. */
  async uploadImage(ctx: RequestContext, model: string, body: Readable | AsyncIterable<Uint8Array>): Promise<FirmwareImage> {
    this.#authorize(ctx, 'firmware:publish');
    checkModel(model);
    const policy = await this.policy(ctx, model);
    const stored: StoredImage = await this.#o.artifacts.put(body, policy.maxImageBytes);
    return this.#o.uow.run(async (s) => {
      const existing = await s.firmware.findImage(stored.sha256);
      if (existing !== undefined && existing.model !== model) {
        throw new AppError('UPDATES_IMAGE_MODEL_MISMATCH', { publicMessage: 'This image was uploaded for another model.' });
      }
      const image: FirmwareImage = existing ?? { ...stored, model, uploadedAt: this.#o.clock.now().toISOString(), uploadedBy: actorOf(ctx) };
      if (existing === undefined) await s.firmware.insertImage(image);
      await s.audit.record(ctx, {
        action: 'firmware.image.upload',
        target: { type: 'firmware_image', id: stored.sha256 },
        outcome: 'success',
        details: { model, length: stored.length, reused: existing !== undefined },
      });
      return image;
    });
  }

  async publish(ctx: RequestContext, input: ReleaseInput): Promise<FirmwareRelease> {
    this.#authorize(ctx, 'firmware:publish');
    const { targetPath, minVersion } = checkReleaseInput(input);
    const sbom = await checkSbom(input.sbom);
    const release = await this.#o.uow.run(async (s) => {
      const image = await s.firmware.findImage(input.sha256);
      if (image === undefined) throw new AppError('UPDATES_IMAGE_NOT_FOUND', { publicMessage: 'No uploaded image has this SHA-256; upload it first.' });
      if (image.model !== input.model) throw new AppError('UPDATES_IMAGE_MODEL_MISMATCH', { publicMessage: 'This image was uploaded for another model.' });
      checkAgainstPublished(input.version, await s.firmware.listReleases(input.model));
      const r: FirmwareRelease = {
        id: newId(),
        model: input.model,
        version: input.version,
        minVersion,
        hardwareRevisions: [...input.hardwareRevisions],
        notes: input.notes ?? '',
        targetPath,
        sha256: image.sha256,
        sha512: image.sha512,
        length: image.length,
        supportEndsAt: input.supportEndsAt,
        endOfLifeAt: input.endOfLifeAt,
        sbom: sbom.summary,
        createdAt: this.#o.clock.now().toISOString(),
        createdBy: actorOf(ctx),
      };
      await s.firmware.insertRelease(r, sbom.text);
      await s.audit.record(ctx, {
        action: 'firmware.release.publish',
        target: { type: 'firmware_release', id: r.id },
        outcome: 'success',
        details: { model: r.model, version: r.version, minVersion: r.minVersion, sha256: r.sha256, length: r.length, components: sbom.summary.components.length },
      });
      return r;
    });
    await this.#o.onPublished?.(ctx, release);
    return release;
  }

  async list(ctx: RequestContext, model?: string): Promise<FirmwareRelease[]> {
    this.#authorize(ctx, 'firmware:read');
    if (model !== undefined) checkModel(model);
    return await this.#o.uow.run((s) => s.firmware.listReleases(model));
  }

  async get(ctx: RequestContext, model: string, version: string): Promise<FirmwareRelease> {
    this.#authorize(ctx, 'firmware:read');
    const r = await this.#o.uow.run((s) => s.firmware.findRelease(model, version));
    if (r === undefined) throw new AppError('UPDATES_RELEASE_NOT_FOUND');
    return r;
  }

  /** The SBOM as uploaded (CycloneDX JSON). */
  async sbom(ctx: RequestContext, model: string, version: string): Promise<string> {
    const r = await this.get(ctx, model, version);
    const text = await this.#o.uow.run((s) => s.firmware.sbomText(r.id));
    if (text === undefined) throw new AppError('UPDATES_RELEASE_NOT_FOUND');
    return text;
  }

  async policy(ctx: RequestContext, model: string): Promise<ModelPolicy> {
    this.#authorize(ctx, 'firmware:read');
    checkModel(model);
    return (await this.#o.uow.run((s) => s.firmware.findPolicy(model))) ?? defaultPolicy(model);
  }

  async setPolicy(ctx: RequestContext, policy: ModelPolicy): Promise<ModelPolicy> {
    this.#authorize(ctx, 'firmware:policy');
    checkModel(policy.model);
    if (!Number.isSafeInteger(policy.maxImageBytes) || policy.maxImageBytes < 1 || policy.maxImageBytes > MAX_POLICY_IMAGE_BYTES) {
      throw new AppError('VALIDATION_FAILED', { publicMessage: `maxImageBytes must be 1..${MAX_POLICY_IMAGE_BYTES}.` });
    }
    return this.#o.uow.run(async (s) => {
      await s.firmware.upsertPolicy(policy);
      await s.audit.record(ctx, {
        action: 'firmware.policy.set',
        target: { type: 'firmware_model', id: policy.model },
        outcome: 'success',
        details: { maxImageBytes: policy.maxImageBytes, requireAttestation: policy.requireAttestation, quarantineOnUnknownHash: policy.quarantineOnUnknownHash },
      });
      return policy;
    });
  }

  /** Image bytes for the TUF target route (no principal: the route authenticated the device). */
  artifacts(): ArtifactStore {
    return this.#o.artifacts;
  }

  #authorize(ctx: RequestContext, permission: Permission): void {
    const decision = decide(ctx.principal, permission);
    if (!decision.allow) throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: decision.reason });
  }
}

function actorOf(ctx: RequestContext): string {
  return `${ctx.principal.kind}:${ctx.principal.id}`;
}
