import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtInPlaybooks, instantiate, parsePlaybook } from './playbooks.js';
import { canTransition, INCIDENT_STATUSES, INCIDENT_TYPES, typeForDetector } from './model.js';
import { isAppError } from '../kernel/index.js';

test('ok/state machine: forward moves and re-opening allowed; closed is final; no self-loops', () => {
  const allowed: Array<[string, string]> = [
    ['triage', 'contained'],
    ['triage', 'closed'],
    ['contained', 'eradicated'],
    ['eradicated', 'recovered'],
    ['recovered', 'closed'],
    ['recovered', 'triage'],
  ];
  const refused: Array<[string, string]> = [
    ['closed', 'triage'],
    ['closed', 'recovered'],
    ['eradicated', 'contained'],
    ['recovered', 'eradicated'],
  ];
  for (const [a, b] of allowed) assert.ok(canTransition(a as never, b as never), `${a} -> ${b}`);
  for (const [a, b] of refused) assert.ok(!canTransition(a as never, b as never), `${a} -> ${b}`);
  for (const s of INCIDENT_STATUSES) assert.ok(!canTransition(s, s), `${s} -> ${s}`);
});

test('ok/a shipped playbook for every incident type; checklists count deadlines from discovery', () => {
  const books = builtInPlaybooks();
  for (const type of INCIDENT_TYPES) assert.equal(books.get(type)?.type, type);
  const steps = instantiate(books.get('phi-breach')!, '2026-01-01T00:00:00.000Z');
  assert.equal(steps[0]?.dueAt, '2026-01-01T04:00:00.000Z');
  assert.ok(steps.every((s) => s.doneAt === null && s.doneBy === null));
  assert.equal(typeForDetector('device-firmware'), 'malware-in-firmware');
  assert.equal(typeForDetector('bulk-phi'), 'phi-breach');
  assert.equal(typeForDetector('device-silence'), 'availability');
  assert.equal(typeForDetector('brute-force'), 'credential-compromise');
});

test('fail/playbooks: unknown keys, unknown actions or roles, duplicate step ids, no steps', () => {
  const step = { id: 'a', title: 'A', ownerRole: 'org-admin', deadlineHours: 1, actions: ['notify'] };
  const base = { id: 'x', version: 1, type: 'availability', title: 'X', steps: [step] };
  assert.equal(parsePlaybook(base).id, 'x');
  const bad: unknown[] = [
    { ...base, extra: 1 },
    { ...base, steps: [] },
    { ...base, steps: [step, step] },
    { ...base, steps: [{ ...step, actions: ['format-disk'] }] },
    { ...base, steps: [{ ...step, ownerRole: 'janitor' }] },
    { ...base, type: 'aliens' },
    { ...base, steps: [{ ...step, deadlineHours: -1 }] },
  ];
  for (const raw of bad) assert.throws(() => parsePlaybook(raw), (e: unknown) => isAppError(e) && e.code === 'INCIDENT_PLAYBOOK_INVALID', JSON.stringify(raw));
});
