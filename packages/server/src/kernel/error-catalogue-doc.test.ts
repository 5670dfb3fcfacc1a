/** docs/errors.md lists every code of the catalogue with its status, and nothing else. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CATALOGUE } from './error-catalogue.js';

const DOC = new URL('../../../../docs/errors.md', import.meta.url);

test('ok/docs/errors.md matches the error catalogue (regenerate: node scripts/errors-doc.mjs)', () => {
  const rows = new Map<string, number>();
  for (const line of readFileSync(DOC, 'utf8').split('\n')) {
    const m = /^\| `([A-Z][A-Z0-9_]+)` \| (\d{3}) \|/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) rows.set(m[1], Number(m[2]));
  }
  const catalogue = new Map(Object.entries(ERROR_CATALOGUE).map(([code, spec]) => [code, spec.status]));
  assert.deepEqual([...rows.keys()].sort(), [...catalogue.keys()].sort());
  for (const [code, status] of catalogue) assert.equal(rows.get(code), status, `${code} status`);
});

test('ok/every code is SCREAMING_SNAKE and carries a 4xx/5xx status', () => {
  for (const [code, spec] of Object.entries(ERROR_CATALOGUE)) {
    assert.match(code, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^[A-Z]+$/);
    assert.ok(spec.status >= 400 && spec.status < 600, code);
    assert.ok(spec.message.length > 0 && !/\n/.test(spec.message), code);
  }
});
