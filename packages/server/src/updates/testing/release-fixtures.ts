/** Typed factories for firmware tests: SBOMs, images and release inputs. */
import { Readable } from 'node:stream';
import type { ReleaseInput } from '../model.js';

export interface ComponentSpec {
  readonly name: string;
  readonly supportLevel?: string | undefined;
  readonly endOfSupport?: string | undefined;
  readonly justification?: string | undefined;
}

/** A CycloneDX 1.6 SBOM whose components carry our support properties. */
export function sbomJson(components: readonly ComponentSpec[] = [{ name: 'rtos-kernel', supportLevel: 'actively-maintained', endOfSupport: '2030-12-31' }]): string {
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
    version: 1,
    metadata: { component: { type: 'firmware', name: 'pulse-ox-firmware', version: '1.0.0' } },
    components: components.map((c) => ({
      type: 'library',
      name: c.name,
      version: '1.2.3',
      purl: `pkg:generic/${c.name}@1.2.3`,
      licenses: [{ license: { id: 'MIT' } }],
      properties: [
        ...(c.supportLevel !== undefined ? [{ name: 'vigil:support-level', value: c.supportLevel }] : []),
        ...(c.endOfSupport !== undefined ? [{ name: 'vigil:end-of-support', value: c.endOfSupport }] : []),
        ...(c.justification !== undefined ? [{ name: 'vigil:support-justification', value: c.justification }] : []),
      ],
    })),
  });
}

/** Deterministic image bytes of a given size. */
export function imageBytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed * 17) & 0xff;
  return out;
}

export function streamOf(bytes: Buffer, chunk = 64 * 1024): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  return Readable.from(parts);
}

export function releaseInput(overrides: Partial<ReleaseInput> & { sha256: string }): ReleaseInput {
  return {
    model: 'pulse-ox',
    version: '1.0.0',
    minVersion: '0.0.0',
    hardwareRevisions: ['rev-a'],
    notes: 'Initial release.',
    supportEndsAt: '2030-12-31',
    endOfLifeAt: '2032-12-31',
    sbom: sbomJson(),
    ...overrides,
  };
}
