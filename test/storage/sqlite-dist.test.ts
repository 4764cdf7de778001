/**
 * The writer thread from compiled JavaScript: `coffer server` runs from dist/, where the
 * worker is sqlite-worker.js and no tsx is loaded. Compiles the storage sources with tsc into
 * a scratch directory and drives SqliteStorage there with plain node.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const project = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'coffer-sqlite-dist-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('compiled to JavaScript, the storage starts its worker and writes durably', { timeout: 120_000 }, () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // The same compiler options as tsconfig.json, for the storage files alone (the worker is
  // named explicitly: nothing imports it, the writer starts it by file name).
  execFileSync(process.execPath, [
    tsc, '--outDir', join(scratch, 'dist'), '--rootDir', join(project, 'src'),
    '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--strict',
    '--esModuleInterop', '--skipLibCheck', '--types', 'node',
    join(project, 'src/storage/sqlite.ts'), join(project, 'src/storage/sqlite-worker.ts'),
  ], { cwd: project, stdio: 'inherit' });
  writeFileSync(join(scratch, 'package.json'), '{"type":"module"}');
  symlinkSync(join(project, 'node_modules'), join(scratch, 'node_modules'));
  const script = `
    import { SqliteStorage } from './dist/storage/sqlite.js';
    const path = process.argv[1];
    const s = new SqliteStorage(path);
    const enc = (x) => new TextEncoder().encode(x);
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.put('d/' + i, enc('v' + i))));
    await s.transaction([{ op: 'put', key: 't/a', value: enc('a') }, { op: 'delete', key: 'd/0' }]);
    const settings = await s.writerSettings();
    const stats = s.writeStats();
    await s.close();
    const again = new SqliteStorage(path);
    const listed = (await again.list('d/')).length;
    const a = new TextDecoder().decode(await again.get('t/a'));
    await again.close();
    console.log(JSON.stringify({ settings, stats, listed, a }));
  `;
  // Plain node: no --import tsx, so only the compiled worker can run.
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, join(scratch, 'data', 'coffer.db')], { cwd: scratch, encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop()!);
  assert.deepEqual(r.settings, { journalMode: 'wal', synchronous: 2 });
  assert.equal(r.stats.batches, 51);
  assert.ok(r.stats.commits < 51, `50 concurrent puts should share commits, took ${r.stats.commits}`);
  assert.equal(r.listed, 49);
  assert.equal(r.a, 'a');
});
