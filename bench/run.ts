/**
 * `npm run bench [-- name…]`: runs each benchmark file in its own process (so one bench's
 * heap and timers cannot skew the next) and prints their reports one after another.
 * Every bench measures its own baseline in the same run and prints ratios to it.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .filter((f) => !wanted.length || wanted.some((w) => f.startsWith(w)))
  .sort();

let failed = 0;
for (const f of files) {
  console.log(`\n=== bench/${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, f)], { stdio: 'inherit', env: { ...process.env, COFFER_BENCH: '1' } });
  if (r.status !== 0) {
    failed++;
    console.log(`bench/${f} exited with ${r.status}`);
  }
}
process.exit(failed ? 1 : 0);
