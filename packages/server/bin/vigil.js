#!/usr/bin/env node
// The `vigil` binary. It runs the compiled CLI; build first with `npm run build`.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('vigil: not built yet; run `npm run build` in the repository first\n');
  process.exit(1);
}
await import(cli.href);
