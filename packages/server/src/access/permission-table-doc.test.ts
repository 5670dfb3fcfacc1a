/** docs/access-control.md shows the permission table exactly as access/permissions.ts defines it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PERMISSION_TABLE_BEGIN, PERMISSION_TABLE_END, renderPermissionTable } from './permission-table.js';

const DOC = new URL('../../../../docs/access-control.md', import.meta.url);

test('ok/docs/access-control.md matches the permission table (regenerate: node scripts/permissions-doc.mjs)', () => {
  const doc = readFileSync(DOC, 'utf8');
  const start = doc.indexOf(PERMISSION_TABLE_BEGIN);
  const end = doc.indexOf(PERMISSION_TABLE_END);
  assert.ok(start >= 0 && end > start, 'the markers are present');
  assert.equal(doc.slice(start + PERMISSION_TABLE_BEGIN.length, end).trim(), renderPermissionTable());
});
