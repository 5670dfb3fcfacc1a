/**
 * The audit log over HTTPS (issue 11, item 2): search with filters and cursor pagination, the
 * search audited, tenancy (an organization's officer sees only their organization; platform-wide
 * events to platform-admins only), an export that `vigil audit verify --file` accepts (redacted
 * for an organization), and the chain's verification state.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAuditVerify } from '../cli/audit-commands.js';
import { validate } from '../config/index.js';
import { keyStorePaths } from '../keys/index.js';
import { testContext } from './fixtures.js';
import { errorCode, IdentityHarness, type Signed } from './identity-fixtures.js';

interface Event {
  seq: number;
  orgId: string | null;
  action: string;
  actorId: string;
  requestId: string;
  outcome: string;
}

describe('audit log over HTTPS', () => {
  let h: IdentityHarness;
  let admin: Signed;
  let officerA: Signed;
  let auditorA: Signed;
  let clinicianA: Signed;
  let officerB: Signed;
  let orgA: string;
  let orgB: string;

  before(async () => {
    h = await IdentityHarness.start();
    await h.setup('Hospital A');
    admin = await h.signIn('admin', 'Tulip-Granite-Orbit-4217');
    officerA = await h.createUser(admin, 'officer.a', ['security-officer']);
    auditorA = await h.createUser(admin, 'auditor.a', ['auditor']);
    clinicianA = await h.createUser(admin, 'clinician.a', ['clinician']);
    orgA = ((await h.as(admin, 'GET', '/api/v1/auth/session')).body['user'] as { orgId: string }).orgId;
    const created = await h.as(admin, 'POST', '/api/v1/organizations', { name: 'Hospital B' });
    orgB = (created.body['organization'] as { id: string }).id;
    const cli = { ...testContext, principal: { kind: 'cli' as const, id: 'test' } };
    const made = await h.t.platform.identity.createUser(cli, { orgId: orgB, username: 'officer.b', displayName: 'officer b', roles: ['security-officer'] });
    officerB = await h.createUserless('officer.b', made.oneTimePassword ?? '');
  });
  after(() => h.dispose());

  const search = async (who: Signed, query = '') => h.as(who, 'GET', `/api/v1/audit/events${query}`);
  const eventsOf = (answer: { body: Record<string, unknown> }) => answer.body['events'] as Event[];

  it('ok/an organization\'s officer sees only their organization\'s events, newest first', async () => {
    const answer = await search(officerA, '?limit=500');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const events = eventsOf(answer);
    assert.ok(events.length > 5);
    assert.ok(events.every((e) => e.orgId === orgA), 'no event of another organization, none platform-wide');
    assert.deepEqual(events.map((e) => e.seq), [...events.map((e) => e.seq)].sort((a, b) => b - a));
    assert.equal(answer.headers['cache-control'], 'no-store');
    const theirs = eventsOf(await search(officerB, '?limit=500'));
    assert.ok(theirs.length > 0 && theirs.every((e) => e.orgId === orgB));
    assert.ok(!JSON.stringify(theirs).includes(orgA) && !JSON.stringify(eventsOf(answer)).includes(orgB), 'zero cross-tenant reads');
    assert.equal(eventsOf(await search(officerB, `?actor=${admin.userId}&action=identity.user.create`)).filter((e) => e.orgId !== orgB).length, 0);
  });

  it('ok/a platform-admin sees every organization and the platform-wide events', async () => {
    const events = eventsOf(await search(admin, '?limit=500'));
    const orgs = new Set(events.map((e) => e.orgId));
    assert.ok(orgs.has(orgA) && orgs.has(orgB) && orgs.has(null), JSON.stringify([...orgs]));
  });

  it('ok/filters: action, actor, outcome, request id, time range; cursor pagination without overlap', async () => {
    const all = eventsOf(await search(officerA, '?limit=500'));
    const sample = all.find((e) => e.action === 'identity.user.create');
    assert.ok(sample);
    const byAction = eventsOf(await search(officerA, '?action=identity.user.create&limit=500'));
    assert.ok(byAction.length >= 3 && byAction.every((e) => e.action === 'identity.user.create'));
    const byActor = eventsOf(await search(officerA, `?actor=${encodeURIComponent(sample.actorId)}&limit=500`));
    assert.ok(byActor.length > 0 && byActor.every((e) => e.actorId === sample.actorId));
    const byRequest = eventsOf(await search(officerA, `?requestId=${encodeURIComponent(sample.requestId)}`));
    assert.ok(byRequest.length >= 1 && byRequest.every((e) => e.requestId === sample.requestId));
    assert.ok(eventsOf(await search(officerA, '?outcome=success&limit=500')).every((e) => e.outcome === 'success'));
    const now = h.clock.now().getTime();
    assert.equal(eventsOf(await search(officerA, `?from=${new Date(now + 3600_000).toISOString()}`)).length, 0, 'nothing in the future');
    const first = await search(officerA, '?limit=2');
    const cursor = first.body['nextCursor'] as string;
    assert.match(cursor, /^[0-9]+$/);
    const second = eventsOf(await search(officerA, `?limit=2&cursor=${cursor}`));
    assert.ok(second.length === 2 && second.every((e) => e.seq < Number(cursor)));
  });

  it('ok/the search is itself audited (audit.events.read, the officer, their organization)', async () => {
    await search(auditorA, '?action=patients.record.read');
    const mine = eventsOf(await search(officerA, `?actor=${auditorA.userId}&action=audit.events.read`));
    assert.ok(mine.length >= 1);
    assert.equal(mine[0]?.orgId, orgA);
  });

  it('fail/roles without audit:read get 403; bad filters get 400', async () => {
    assert.equal((await search(clinicianA)).status, 403);
    assert.equal((await h.as(clinicianA, 'GET', '/api/v1/audit/export')).status, 403);
    assert.equal((await h.as(clinicianA, 'GET', '/api/v1/audit/verification')).status, 403);
    assert.equal((await h.call('GET', '/api/v1/audit/events')).status, 401);
    for (const bad of ['?action=Delete%20Everything', '?cursor=abc', '?cursor=0', '?limit=501', '?outcome=maybe', '?from=yesterday', `?actor=${'x'.repeat(201)}`]) {
      const answer = await search(officerA, bad);
      assert.equal(answer.status, 400, `${bad}: ${JSON.stringify(answer.body)}`);
      assert.equal(errorCode(answer), 'VALIDATION_FAILED');
    }
  });

  async function exportAs(who: Signed): Promise<string> {
    return new Promise((resolve, reject) => {
      const ca = readFileSync(join(h.t.dataDir, 'ca', 'root.pem'), 'utf8');
      const req = request(
        { host: '127.0.0.1', port: h.server.httpPort, method: 'GET', path: '/api/v1/audit/export', ca, servername: 'localhost', headers: { authorization: `Bearer ${who.bearer ?? ''}` } },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => (res.statusCode === 200 && (res.headers['content-type'] ?? '').startsWith('application/x-ndjson') ? resolve(text) : reject(new Error(`${res.statusCode} ${text}`))));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  const verifyFile = async (name: string, text: string) => {
    const file = join(h.t.dataDir, name);
    await writeFile(file, text);
    return runAuditVerify({ config: validate({ dataDir: h.t.dataDir }).config, file, publicKeyFiles: [keyStorePaths(h.t.dataDir).publicKeysFile] });
  };

  it('ok/the platform-admin\'s export verifies with vigil audit verify --file', async () => {
    await h.t.platform.withAuditStore((store) => h.t.platform.auditLog.checkpointIfDue(store, true));
    const text = await exportAs(admin);
    const kinds = new Set(text.trim().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind));
    assert.deepEqual([...kinds].sort(), ['checkpoint', 'event', 'head']);
    const result = await verifyFile('admin-export.jsonl', text);
    assert.equal(result.ok, true, result.message);
  });

  it('ok/an organization\'s export redacts the others\' events, names no other tenant, and still verifies; fail/an edited line', async () => {
    const text = await exportAs(officerA);
    assert.ok(!text.includes(orgB), 'no id of the other organization');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; orgId?: string | null });
    assert.ok(lines.some((l) => l.kind === 'redacted'));
    assert.ok(lines.filter((l) => l.kind === 'event').every((l) => l.orgId === orgA));
    const result = await verifyFile('org-export.jsonl', text);
    assert.equal(result.ok, true, result.message);
    const edited = text.replace(/"outcome":"success"/, '"outcome":"denied"');
    const bad = await verifyFile('org-export-edited.jsonl', edited);
    assert.equal(bad.ok, false);
    assert.equal(bad.problem, 'hash-mismatch');
  });

  it('ok/the verification state: the chain verifies', async () => {
    const answer = await h.as(auditorA, 'GET', '/api/v1/audit/verification');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body['ok'], true, String(answer.body['message']));
    assert.ok((answer.body['eventsVerified'] as number) > 10);
    assert.equal(answer.body['firstBadSeq'], null);
  });

  it('ok/the server\'s witness job appends each committed checkpoint to <data-dir>/audit-witness.jsonl', async () => {
    const cp = await h.t.platform.withAuditStore((store) => h.t.platform.auditLog.checkpointIfDue(store, true));
    await h.as(auditorA, 'GET', '/api/v1/audit/events?limit=1'); // a new event, then sign it
    const signed = await h.t.platform.withAuditStore((store) => h.t.platform.auditLog.checkpointIfDue(store, true));
    assert.ok(signed, String(cp?.seq));
    const path = join(h.t.dataDir, 'audit-witness.jsonl');
    const deadline = Date.now() + 15_000;
    let seqs: number[] = [];
    while (Date.now() < deadline) {
      seqs = readFileSync(path, { encoding: 'utf8', flag: 'a+' }).trim().split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { seq: number }).seq);
      if (seqs.includes(signed.seq)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(seqs.includes(signed.seq), `witnessed: ${seqs.join(',')}`);
  });

  it('fail/the verification state turns broken when checkpoints are deleted from the live database, naming the position', async () => {
    const raw = h.t.platform.database.sqliteHandle;
    assert.ok(raw);
    raw.exec('DROP TRIGGER IF EXISTS audit_checkpoints_no_delete');
    raw.exec('DELETE FROM audit_checkpoints');
    h.clock.advance(31_000); // past the cached verdict
    const answer = await h.as(auditorA, 'GET', '/api/v1/audit/verification');
    assert.equal(answer.status, 200);
    assert.equal(answer.body['ok'], false, String(answer.body['message']));
    assert.equal(typeof answer.body['firstBadSeq'], 'number');
    assert.ok(['checkpoint-missing', 'witness-checkpoint-missing'].includes(answer.body['problem'] as string), String(answer.body['problem']));
  });
});
