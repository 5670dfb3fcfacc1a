/**
 * Playbooks: versioned response procedures, one per incident type, shipped as JSON in
 * packages/server/playbooks/ and editable per organization (an edit is a new version).
 *
 * MUST: a playbook is validated by its schema on load and on edit (unknown keys refused, bounded
 *       sizes, step ids unique, owner roles from the role list, offered actions from INCIDENT_ACTIONS).
 * MUST: an incident keeps the checklist it was opened with (its playbook id and version), so a
 *       later edit never rewrites an incident's history.
 */
import { readFileSync } from 'node:fs';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { AppError, ROLES } from '../kernel/index.js';
import { INCIDENT_TYPES, type ChecklistStep, type IncidentType } from './model.js';

/** Actions a step may offer (the console and CLI show them as buttons / commands). */
export const INCIDENT_ACTIONS = [
  'link-alerts',
  'timeline',
  'quarantine-devices',
  'revoke-devices',
  'disable-users',
  'end-sessions',
  'force-password-reset',
  'rotate-keys',
  'block-source',
  'pause-rollouts',
  'remediation-update',
  'restore-backup',
  'risk-assessment',
  'notify',
  'notify-care-continuity',
  'notify-fda',
  'report',
] as const;

const Slug = Type.String({ pattern: '^[a-z][a-z0-9-]{0,47}$' });
const StepSchema = Type.Object(
  {
    id: Slug,
    title: Type.String({ minLength: 1, maxLength: 200 }),
    ownerRole: Type.Union(ROLES.map((r) => Type.Literal(r))),
    deadlineHours: Type.Number({ minimum: 0, maximum: 24 * 366 }),
    actions: Type.Array(Type.Union(INCIDENT_ACTIONS.map((a) => Type.Literal(a))), { maxItems: 10 }),
  },
  { additionalProperties: false },
);
export const PlaybookSchema = Type.Object(
  {
    id: Slug,
    version: Type.Integer({ minimum: 1 }),
    type: Type.Union(INCIDENT_TYPES.map((t) => Type.Literal(t))),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    steps: Type.Array(StepSchema, { minItems: 1, maxItems: 50 }),
  },
  { additionalProperties: false },
);
export type Playbook = Static<typeof PlaybookSchema>;

/** Parses and checks a playbook document; INCIDENT_PLAYBOOK_INVALID with the first problem. */
export function parsePlaybook(raw: unknown): Playbook {
  if (!Value.Check(PlaybookSchema, raw)) {
    const first = Value.Errors(PlaybookSchema, raw)[0];
    throw new AppError('INCIDENT_PLAYBOOK_INVALID', { publicMessage: `The playbook is not valid: ${first?.instancePath ?? ''} ${first?.message ?? ''}`.trim() });
  }
  const ids = new Set(raw.steps.map((s) => s.id));
  if (ids.size !== raw.steps.length) throw new AppError('INCIDENT_PLAYBOOK_INVALID', { publicMessage: 'The playbook is not valid: step ids must be unique.' });
  return raw;
}

/** The playbooks shipped with Vigil (packages/server/playbooks/<type>.json). */
export function builtInPlaybooks(dir: URL = new URL('../../playbooks/', import.meta.url)): Map<string, Playbook> {
  const out = new Map<string, Playbook>();
  for (const type of INCIDENT_TYPES) {
    const raw: unknown = JSON.parse(readFileSync(new URL(`${type}.json`, dir), 'utf8'));
    const book = parsePlaybook(raw);
    out.set(book.id, book);
  }
  return out;
}

/** The default playbook id of an incident type. */
export function defaultPlaybookId(type: IncidentType): string {
  return type;
}

/** The checklist an incident opens with: each step's deadline counted from discovery. */
export function instantiate(book: Playbook, discoveredAt: string): ChecklistStep[] {
  const base = Date.parse(discoveredAt);
  return book.steps.map((s) => ({
    id: s.id,
    title: s.title,
    ownerRole: s.ownerRole,
    dueAt: new Date(base + s.deadlineHours * 3_600_000).toISOString(),
    actions: [...s.actions],
    doneAt: null,
    doneBy: null,
  }));
}
