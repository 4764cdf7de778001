import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMANDS, DEPRECATED } from '../../src/cli/commands/index.js';
import { runCLI } from './run-cli.js';

for (const cmd of COMMANDS) {
  test(`coffer ${cmd.name} -help`, async () => {
    const r = await runCLI([...cmd.name.split(' '), '-help']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith(`Usage: coffer ${cmd.name}`), r.stdout.slice(0, 80));
    if (!cmd.local) assert.match(r.stdout, /^HTTP Options:\n\n {2}-address=<string>/m);
    for (const f of cmd.flags ?? []) if (!f.hidden) assert.match(r.stdout, new RegExp(`^ {2}-${f.name}\\b`, 'm'), f.name);
  });
}

test('every deprecated spelling names a command', () => {
  for (const [old, target] of Object.entries(DEPRECATED)) {
    const names = typeof target === 'function' ? [target(['x']), target([])] : [target];
    for (const n of names) assert.ok(COMMANDS.some((c) => c.name === n), `${old} → ${n}`);
  }
});

test('group help lists subcommands', async () => {
  const r = await runCLI(['kv', 'metadata', '-h']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^ {4}get +Retrieves key metadata/m);
  const top = await runCLI(['--help']);
  assert.match(top.stdout, /^ {4}kv +Interact with the KV secrets engine$/m);
  assert.match(top.stdout, /^ {4}server +Start a Coffer server$/m);
});
