#!/usr/bin/env node
// The `coffer` command: a drop-in for the `vault` CLI, plus `coffer server`.
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
