#!/usr/bin/env node
// `npm run bench -- <name> [args]`: runs a benchmark from packages/server/dist/bench/<name>-bench.js
// (build first with `npm run build`). With no name, lists them. Each prints a JSON report whose
// speed figures are ratios against a baseline measured in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('../packages/server/dist/bench/', import.meta.url).pathname;
const available = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('-bench.js')).map((f) => f.replace(/-bench\.js$/, '')) : [];
const [name, ...rest] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|') || 'run npm run build first'}> [options]`);
  process.exit(name ? 2 : 0);
}
const result = spawnSync(process.execPath, ['--max-old-space-size=8192', join(dir, `${name}-bench.js`), ...rest], { stdio: 'inherit' });
process.exit(result.status ?? 1);
