#!/usr/bin/env node
// Rewrites the permission table in docs/access-control.md from access/permissions.ts (run after
// `npm run build`). access/permission-table-doc.test.ts fails when the two drift apart.
import { readFileSync, writeFileSync } from 'node:fs';
import { PERMISSION_TABLE_BEGIN, PERMISSION_TABLE_END, renderPermissionTable } from '../packages/server/dist/access/index.js';

const file = new URL('../docs/access-control.md', import.meta.url);
const doc = readFileSync(file, 'utf8');
const start = doc.indexOf(PERMISSION_TABLE_BEGIN);
const end = doc.indexOf(PERMISSION_TABLE_END);
if (start < 0 || end < start) {
  console.error('docs/access-control.md: permission table markers not found');
  process.exit(1);
}
const table = renderPermissionTable();
writeFileSync(file, `${doc.slice(0, start + PERMISSION_TABLE_BEGIN.length)}\n${table}\n${doc.slice(end)}`);
console.log(`docs/access-control.md: ${table.split('\n').length - 2} permissions`);
