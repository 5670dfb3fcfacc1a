/**
 * Firmware rollouts under change control (issue 14 item 5): a campaign's request opens a linked
 * firmware-rollout change request, its approval approves and applies that change (which starts the
 * campaign), and nothing else starts it. Through the platform as wired by main.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makePlatform, testContext, type TestPlatform } from '../integration/fixtures.js';
import { auditEvents, contextOf, makeUser, rejectsWith } from '../integration/patients-fixtures.js';
import type { RequestContext } from '../kernel/index.js';
import { imageBytes, releaseInput, streamOf } from './testing/release-fixtures.js';

const ORG = 'org-change-control';
const cli = (id: string): RequestContext => ({ principal: { kind: 'cli', id }, requestId: `req-${id}-${Math.random().toString(36).slice(2, 8)}`, source: 'local' });

describe('rollouts under change control', { timeout: 60_000 }, () => {
  let t: TestPlatform;

  before(async () => {
    t = await makePlatform();
    const image = await t.platform.updates.releases.uploadImage(testContext, 'pulse-cc', streamOf(imageBytes(512)));
    await t.platform.updates.releases.publish(testContext, releaseInput({ model: 'pulse-cc', sha256: image.sha256, version: '1.1.0' }));
  });
  after(async () => t.dispose());

  const linked = async (campaignId: string) => (await t.platform.compliance.changes.list(cli('auditor'), { limit: 1000 })).filter((c) => c.kind === 'firmware-rollout' && c.target === campaignId);

  it('ok/a campaign request opens a pending change request; its approval applies the change and starts the campaign', async () => {
    const campaign = await t.platform.updates.rollouts.create(cli('alice'), { orgId: ORG, model: 'pulse-cc', version: '1.1.0', maintenanceWindow: [1, 5] });
    const [change] = await linked(campaign.id);
    assert.ok(change, 'a linked firmware-rollout change request');
    assert.equal(change.status, 'pending');
    assert.equal(change.orgId, ORG);
    assert.equal(change.requestedBy, 'cli:alice');
    assert.equal(change.payload['maintenanceWindow'], '1-5');

    const started = await t.platform.updates.rollouts.approve(cli('bob'), campaign.id, ORG);
    assert.equal(started.status, 'running');
    assert.equal(started.approvedBy, 'cli:bob');
    const [applied] = await linked(campaign.id);
    assert.equal(applied?.status, 'applied');
    assert.equal(applied?.decidedBy, 'cli:bob');
    const approveEvent = (await auditEvents(t)).find((e) => e.action === 'updates.rollout.approve' && e.targetId === campaign.id && e.outcome === 'success');
    assert.equal(approveEvent?.details?.['changeId'], applied?.id, 'the rollout approval names its change request');
    assert.equal(approveEvent?.requestId, `change-${applied?.id}`, 'the campaign started as the change application');
  });

  it('fail/a campaign cannot be started outside an approved change; the requester cannot approve their own', async () => {
    const campaign = await t.platform.updates.rollouts.create(cli('carol'), { orgId: ORG, model: 'pulse-cc', version: '1.1.0', priority: 5 });
    await assert.rejects(t.platform.updates.rollouts.start(cli('dave'), campaign.id, ORG), rejectsWith('COMPLIANCE_CHANGE_REQUIRED'));
    await assert.rejects(t.platform.updates.rollouts.approve(cli('carol'), campaign.id, ORG), rejectsWith('UPDATES_ROLLOUT_APPROVAL_REFUSED'));
    const person = contextOf(makeUser(ORG, ['org-admin'], 'admin'));
    await assert.rejects(t.platform.updates.rollouts.start(person, campaign.id, ORG), rejectsWith('COMPLIANCE_CHANGE_REQUIRED'));
    assert.equal((await t.platform.updates.rollouts.status(testContext, campaign.id, ORG)).campaign.status, 'pending-approval');
    assert.equal((await linked(campaign.id))[0]?.status, 'pending');
  });

  it('ok/a campaign aborted before approval closes its change request', async () => {
    const campaign = await t.platform.updates.rollouts.create(cli('erin'), { orgId: ORG, model: 'pulse-cc', version: '1.1.0', priority: 9 });
    await t.platform.updates.rollouts.abort(cli('erin'), campaign.id, ORG);
    const [change] = await linked(campaign.id);
    assert.equal(change?.status, 'rejected');
    await assert.rejects(t.platform.updates.rollouts.approve(cli('frank'), campaign.id, ORG), rejectsWith('UPDATES_ROLLOUT_STATE'));
  });
});
