/**
 * Advisory feeds and matching: an invalid record refuses the whole import and is named; a
 * known-vulnerable component of a test SBOM is matched by package URL and version range (and
 * not outside it); a VEX "not affected" statement closes the finding; a stale feed is a finding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditWriter } from '../../audit/index.js';
import { ManualClock, SYSTEM_PRINCIPAL, type RequestContext } from '../../kernel/index.js';
import { cleanEvidence, NOW } from '../checks/fake-evidence.js';
import { runChecks } from '../checks/index.js';
import { parseFeed } from './feed-import.js';
import { matchComponents, purlBase, sbomComponents, versionAffected, type Advisory, type KevEntry } from './model.js';
import { compareSemVer, parseSemVer } from './semver-2.js';
import type { FeedImport, VexStatement, VulnerabilityStore } from './store.js';
import { VulnerabilityService } from './vulnerability-service.js';

const osv = (id: string, events: object[], extra: object = {}) => ({
  id,
  modified: '2026-05-01T00:00:00Z',
  aliases: [`CVE-2026-${id.length}0001`],
  summary: `${id} summary`,
  affected: [{ package: { ecosystem: 'npm', name: '@fastify/cookie' }, ranges: [{ type: 'SEMVER', events }] }],
  ...extra,
});

const SBOM = {
  bomFormat: 'CycloneDX',
  specVersion: '1.6',
  components: [
    { name: '@fastify/cookie', version: '11.1.5', purl: 'pkg:npm/%40fastify/cookie@11.1.5' },
    { name: 'fastify', version: '5.6.0', purl: 'pkg:npm/fastify@5.6.0', components: [{ name: 'inner', version: '1.0.0', purl: 'pkg:npm/inner@1.0.0' }] },
  ],
};

describe('advisory feeds', () => {
  it('ok/an OSV feed (array, {vulns}, single record) parses', () => {
    const record = osv('GHSA-aaaa-bbbb-cccc', [{ introduced: '0' }, { fixed: '11.2.0' }]);
    for (const doc of [[record], { vulns: [record] }, record]) {
      const feed = parseFeed(JSON.stringify(doc));
      assert.equal(feed.kind, 'osv');
      assert.equal(feed.kind === 'osv' && feed.advisories[0]?.affected[0]?.purl, 'pkg:npm/@fastify/cookie');
    }
  });

  const invalid: Array<[string, unknown, RegExp]> = [
    ['a record without id', [osv('GHSA-good-0000-0000', [{ introduced: '0' }]), { modified: '2026-01-01T00:00:00Z' }], /record 1: id must be/],
    ['a bad version in a range', [osv('GHSA-good-0000-0000', [{ introduced: '0' }]), osv('GHSA-bad-0000-0000', [{ introduced: '0' }, { fixed: 'eleven' }])], /record 1 \(GHSA-bad-0000-0000\): affected\[0\]\.ranges\[0\]\.events\[1\]: fixed "eleven" is not a semantic version/],
    ['an event with two keys', [osv('GHSA-two-0000-0000', [{ introduced: '0', fixed: '1.0.0' }])], /record 0 \(GHSA-two-0000-0000\).*exactly one of/],
    ['a duplicate id', [osv('GHSA-dup-0000-0000', [{ introduced: '0' }]), osv('GHSA-dup-0000-0000', [{ introduced: '0' }])], /record 1 \(GHSA-dup-0000-0000\): duplicate id/],
    ['an unknown ecosystem without purl', [{ ...osv('GHSA-eco-0000-0000', [{ introduced: '0' }]), affected: [{ package: { ecosystem: 'Nowhere', name: 'x' }, ranges: [] }] }], /no package URL/],
    ['a bad modified date', [{ ...osv('GHSA-date-0000-000', [{ introduced: '0' }]), modified: 'yesterday' }], /modified is not a date-time/],
    ['a KEV entry with a bad CVE id', { catalogVersion: '2026.06.01', dateReleased: '2026-06-01T00:00:00Z', vulnerabilities: [{ cveID: 'CVE-2026-1234', vendorProject: 'x', product: 'y', dateAdded: '2026-05-01', dueDate: '2026-05-22' }, { cveID: 'NOT-A-CVE', vendorProject: 'x', product: 'y', dateAdded: '2026-05-01', dueDate: '2026-05-22' }] }, /record 1 \(NOT-A-CVE\): cveID is not a CVE id/],
    ['not JSON', '{', /not JSON/],
  ];
  for (const [name, doc, message] of invalid) {
    it(`fail/a feed with ${name} is refused whole, naming the record`, () => {
      assert.throws(() => parseFeed(typeof doc === 'string' ? doc : JSON.stringify(doc)), (error: { code?: string; detail?: string }) => {
        assert.equal(error.code, 'COMPLIANCE_FEED_INVALID');
        assert.match(error.detail ?? '', message);
        return true;
      });
    });
  }

  it('ok/a CISA KEV catalogue parses', () => {
    const feed = parseFeed(JSON.stringify({ title: 'KEV', catalogVersion: '2026.06.01', dateReleased: '2026-06-01T10:00:00.000Z', count: 1, vulnerabilities: [{ cveID: 'CVE-2026-10001', vendorProject: 'npm', product: 'cookie', vulnerabilityName: 'x', dateAdded: '2026-05-01', shortDescription: 'x', requiredAction: 'x', dueDate: '2026-05-22', notes: '' }] }));
    assert.equal(feed.kind, 'kev');
  });
});

describe('matching', () => {
  it('ok/SemVer 2.0.0 precedence (§11 example order)', () => {
    const order = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '2.0.0', '2.1.0', '2.1.1'];
    for (let i = 1; i < order.length; i++) assert.equal(compareSemVer(parseSemVer(order[i - 1]!)!, parseSemVer(order[i]!)!), -1, `${order[i - 1]} < ${order[i]}`);
  });

  const ranges: Array<[string, object[], string, boolean]> = [
    ['inside introduced..fixed', [{ introduced: '11.0.0' }, { fixed: '11.2.0' }], '11.1.5', true],
    ['at fixed', [{ introduced: '11.0.0' }, { fixed: '11.1.5' }], '11.1.5', false],
    ['below introduced', [{ introduced: '11.2.0' }], '11.1.5', false],
    ['up to last_affected', [{ introduced: '0' }, { last_affected: '11.1.5' }], '11.1.5', true],
    ['after last_affected', [{ introduced: '0' }, { last_affected: '11.1.4' }], '11.1.5', false],
    ['reintroduced', [{ introduced: '1.0.0' }, { fixed: '2.0.0' }, { introduced: '11.0.0' }], '11.1.5', true],
  ];
  for (const [name, events, version, expected] of ranges) {
    it(`${expected ? 'fail' : 'ok'}/${version} ${name} is ${expected ? '' : 'not '}affected`, () => {
      assert.equal(versionAffected({ purl: 'pkg:npm/x', ranges: [{ type: 'SEMVER', events }], versions: [] }, version), expected);
    });
  }

  it('fail/a known-vulnerable component of a test SBOM is matched by package URL and version range; KEV marks it exploited', () => {
    const feed = parseFeed(JSON.stringify([osv('GHSA-hit-0000-0000', [{ introduced: '11.0.0' }, { fixed: '11.2.0' }]), osv('GHSA-miss-0000-000', [{ introduced: '12.0.0' }]), { ...osv('GHSA-name-0000-000', [{ introduced: '0' }]), affected: [{ package: { purl: 'pkg:npm/cookie' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }] }]));
    assert.ok(feed.kind === 'osv');
    const matches = matchComponents(sbomComponents(SBOM), feed.advisories, new Set([feed.advisories[0]!.aliases[0]!]));
    assert.deepEqual(matches.map((m) => `${m.advisoryId} ${m.component.purl} ${m.knownExploited}`), ['GHSA-hit-0000-0000 pkg:npm/%40fastify/cookie@11.1.5 true']);
    assert.equal(purlBase('pkg:npm/%40fastify/cookie@11.1.5'), 'pkg:npm/@fastify/cookie');
    assert.equal(sbomComponents(SBOM).length, 3, 'nested components count');
  });
});

describe('vulnerability service', () => {
  function setup(sbom: unknown = SBOM) {
    const feeds: FeedImport[] = [];
    let advisories: Advisory[] = [];
    let kev: KevEntry[] = [];
    const vex: VexStatement[] = [];
    const closed: string[] = [];
    const store: VulnerabilityStore = {
      insertFeed: (f) => Promise.resolve(void feeds.push(f)),
      listFeeds: () => Promise.resolve([...feeds]),
      upsertAdvisories: (_id, list) => Promise.resolve(void (advisories = [...advisories.filter((a) => !list.some((b) => b.id === a.id)), ...list])),
      replaceKev: (_id, list) => Promise.resolve(void (kev = [...list])),
      advisories: () => Promise.resolve(advisories),
      kevIds: () => Promise.resolve(new Set(kev.map((k) => k.cveId))),
      upsertVex: (v) => Promise.resolve(void vex.push(v)),
      vex: () => Promise.resolve([...vex]),
    };
    const audit: AuditWriter = { record: () => Promise.resolve({} as never) };
    const clock = new ManualClock(NOW);
    const service = new VulnerabilityService({
      uow: { run: (fn) => fn({ vulnerabilities: store, audit }) },
      reader: store,
      clock,
      platformSbom: () => Promise.resolve(sbom),
      closeFinding: (_ctx, checkId, resourceId) => Promise.resolve(void closed.push(`${checkId} ${resourceId}`)),
      maxFeedAgeDays: 30,
    });
    return { service, clock, closed };
  }
  const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 't', source: 'local' };
  const run = async (service: VulnerabilityService, id: string, now: Date) => (await runChecks(service.checks().filter((c) => c.id === id), cleanEvidence(), now, 'daily'))[0];

  it('fail/no feed, then a stale feed, is a finding; a fresh import passes', async () => {
    const { service, clock } = setup();
    assert.equal((await run(service, 'VULN-FEED-STALE', clock.now()))?.status, 'fail');
    await service.import(ctx, JSON.stringify([osv('GHSA-miss-0000-000', [{ introduced: '12.0.0' }])]), 'osv.json');
    assert.equal((await run(service, 'VULN-FEED-STALE', clock.now()))?.status, 'pass');
    clock.advance(31 * 86_400_000);
    const stale = await run(service, 'VULN-FEED-STALE', clock.now());
    assert.equal(stale?.status, 'fail');
    assert.match(stale.violations[0]?.detail ?? '', /31 days old/);
  });

  it('ok/a VEX "not affected" statement closes the component finding', async () => {
    const { service, clock, closed } = setup();
    await service.import(ctx, JSON.stringify([osv('GHSA-hit-0000-0000', [{ introduced: '11.0.0' }, { fixed: '11.2.0' }])]), 'osv.json');
    const before = await run(service, 'VULN-COMPONENT', clock.now());
    assert.equal(before?.status, 'fail');
    assert.equal(before.violations[0]?.resourceId, 'GHSA-hit-0000-0000@pkg:npm/%40fastify/cookie@11.1.5');
    await assert.rejects(service.stateNotAffected(ctx, { advisoryId: 'GHSA-hit-0000-0000', purl: 'pkg:npm/%40fastify/cookie@11.1.5', justification: 'because', detail: 'we do not parse cookies from devices' }), { code: 'COMPLIANCE_VEX_INVALID' });
    await assert.rejects(service.stateNotAffected(ctx, { advisoryId: 'GHSA-nope', purl: 'pkg:npm/%40fastify/cookie@11.1.5', justification: 'code_not_reachable', detail: 'we do not parse cookies from devices' }), { code: 'COMPLIANCE_VEX_INVALID' });
    await service.stateNotAffected(ctx, { advisoryId: 'GHSA-hit-0000-0000', purl: 'pkg:npm/%40fastify/cookie@11.1.5', justification: 'code_not_reachable', detail: 'the vulnerable serializer path is never called' });
    assert.deepEqual(closed, ['VULN-COMPONENT GHSA-hit-0000-0000@pkg:npm/%40fastify/cookie@11.1.5']);
    assert.equal((await run(service, 'VULN-COMPONENT', clock.now()))?.status, 'pass');
    const doc = (await service.vexDocument(ctx)) as { vulnerabilities: Array<{ analysis: { state: string } }> };
    assert.equal(doc.vulnerabilities[0]?.analysis.state, 'not_affected');
  });

  it('ok/without an SBOM the component check is not applicable; firmware SBOMs wait for the updates module', async () => {
    const { service, clock } = setup(null);
    assert.equal((await run(service, 'VULN-COMPONENT', clock.now()))?.status, 'not_applicable');
    assert.equal((await run(service, 'VULN-FIRMWARE-SBOM', clock.now()))?.status, 'not_applicable');
  });
});
