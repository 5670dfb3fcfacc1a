#!/usr/bin/env node
// vigil-sim: the fleet simulator of @vigil/device-sdk (see packages/device-sdk/README.md).
import { main } from '../dist/vigil-sim-cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`vigil-sim: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
