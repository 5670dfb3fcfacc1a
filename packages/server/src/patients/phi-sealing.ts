/**
 * How patient PHI is sealed at rest: each field on its own with the platform Sealer (envelope
 * AES-256-GCM, keys/), and the MRN also as a blind index (keyed HMAC, keys/) for lookup and
 * uniqueness within the organization.
 *
 * MUST: the seal context names the field, the organization and the row:
 *         "patients.<field>:<orgId>:<patientId>"   (free texts of a grant: "patients.break_glass.<part>:<orgId>:<grantId>")
 *       so a ciphertext copied to another field, row or tenant does not open (KEYS_CIPHERTEXT_INVALID).
 * MUST: the blind index hashes (orgId, normalized MRN): the same MRN in two organizations gives
 *       two unrelated tokens, so the index says nothing across tenants.
 * MUST: no plaintext leaves this file except to the service that asked for it.
 */
import type { KeyedHasher, Sealer } from '../keys/index.js';
import { normalizeMrn, PHI_FIELDS, type Demographics, type PhiField, type Sex } from './model.js';

export const MRN_INDEX_DOMAIN = 'patients.mrn';
export const BREAK_GLASS_REASON_DOMAIN = 'patients.break_glass_reason';

export type GrantTextPart = 'reason' | 'review_note';

export class PhiSealing {
  constructor(
    private readonly sealer: Sealer,
    private readonly mrnHasher: KeyedHasher,
    private readonly reasonHasher: KeyedHasher,
  ) {}

  static context(field: PhiField, orgId: string, patientId: string): string {
    return `patients.${field}:${orgId}:${patientId}`;
  }

  static grantContext(part: GrantTextPart, orgId: string, grantId: string): string {
    return `patients.break_glass.${part}:${orgId}:${grantId}`;
  }

  mrnIndex(orgId: string, mrn: string): string {
    return this.mrnHasher.hash(orgId, normalizeMrn(mrn));
  }

  reasonHash(orgId: string, grantId: string, reason: string): string {
    return this.reasonHasher.hash(orgId, grantId, reason);
  }

  sealDemographics(orgId: string, patientId: string, d: Demographics): Record<PhiField, string> {
    const out = {} as Record<PhiField, string>;
    for (const field of PHI_FIELDS) out[field] = this.#seal(d[field], PhiSealing.context(field, orgId, patientId));
    return out;
  }

  /** Opens the named fields only (minimum necessary: a list opens three, a record five). */
  openFields<F extends PhiField>(orgId: string, patientId: string, sealed: Readonly<Record<PhiField, string>>, fields: readonly F[]): Pick<Demographics, F> {
    const out: Partial<Record<PhiField, string>> = {};
    for (const field of fields) out[field] = this.#open(sealed[field], PhiSealing.context(field, orgId, patientId));
    return out as Pick<Demographics, F>;
  }

  openDemographics(orgId: string, patientId: string, sealed: Readonly<Record<PhiField, string>>): Demographics {
    const d = this.openFields(orgId, patientId, sealed, PHI_FIELDS);
    return { ...d, sex: d.sex as Sex };
  }

  sealGrantText(part: GrantTextPart, orgId: string, grantId: string, text: string): string {
    return this.#seal(text, PhiSealing.grantContext(part, orgId, grantId));
  }

  openGrantText(part: GrantTextPart, orgId: string, grantId: string, sealed: string): string {
    return this.#open(sealed, PhiSealing.grantContext(part, orgId, grantId));
  }

  /** Re-wraps one sealed value under the active KEK (payload untouched). */
  rewrap(sealed: string, context: string): string {
    return this.sealer.rewrap(sealed, context);
  }

  activeKeyId(): string {
    return this.sealer.activeKeyId();
  }

  keyIdOf(sealed: string): string {
    return this.sealer.keyIdOf(sealed);
  }

  #seal(text: string, context: string): string {
    return this.sealer.seal(Buffer.from(text, 'utf8'), context);
  }

  #open(sealed: string, context: string): string {
    const bytes = this.sealer.open(sealed, context);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }
}
