import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareVersions, isSemVer, parseSemVer } from '@vigil/protocol';

describe('semver', () => {
  const ok = ['0.0.0', '1.2.3', '10.20.30', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-0.3.7', '1.0.0+20130313144700', '1.0.0-beta+exp.sha.5114f85'];
  const bad = ['1', '1.2', '01.2.3', '1.2.3-', '1.2.3+', 'v1.2.3', '1.2.3 ', '1.2.3-01', '../1.2.3', '1.2.3/../x', '', '99999999999999999999.0.0'];
  for (const text of ok) it(`ok/${text} parses`, () => assert.ok(isSemVer(text)));
  for (const text of bad) it(`fail/${JSON.stringify(text)} is refused`, () => assert.equal(parseSemVer(text), undefined));

  it('ok/precedence follows §11', () => {
    const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.1.0', '2.0.0'];
    for (let i = 1; i < ordered.length; i++) {
      assert.ok(compareVersions(ordered[i - 1] ?? '', ordered[i] ?? '') < 0, `${ordered[i - 1]} < ${ordered[i]}`);
      assert.ok(compareVersions(ordered[i] ?? '', ordered[i - 1] ?? '') > 0);
    }
    assert.equal(compareVersions('1.0.0+a', '1.0.0+b'), 0);
  });
});
