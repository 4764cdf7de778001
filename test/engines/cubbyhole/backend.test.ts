import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cubbyholeFactory, cubbyholeFolder, destroyCubbyhole } from '../../../src/engines/cubbyhole/backend.js';
import { TokenStore } from '../../../src/core/tokens/token-store.js';
import type { TokenEntry } from '../../../src/core/tokens/token-entry.js';
import { toTokenInfo } from '../../../src/core/tokens/token-info.js';
import { LogicalView } from '../../../src/framework/logical.js';
import { MemoryStorage } from '../../../src/storage/memory.js';
import { createTestBackend } from '../../support/backend.js';

async function setup() {
  const tokens = new TokenStore(new LogicalView(new MemoryStorage(), 'sys/token/'));
  await tokens.init();
  const cubby = await createTestBackend(cubbyholeFactory, { type: 'cubbyhole', path: 'cubbyhole/' });
  // Wired as core wires it (src/server/builtins.ts): a revoked token's cubbyhole goes with it.
  tokens.onRevoke((entry) => destroyCubbyhole(cubby.storage, entry.id));
  const as = (t: TokenEntry) => ({
    call: (op: Parameters<typeof cubby.call>[0], path: string, data: Record<string, unknown> = {}) =>
      cubby.call(op, path, data, { token: toTokenInfo(t), clientToken: t.id }),
  });
  return { tokens, cubby, as };
}

test('each token sees only its own cubbyhole', async () => {
  const { tokens, as } = await setup();
  const alice = as(await tokens.create({ policies: ['default'] }));
  const bob = as(await tokens.create({ policies: ['default'] }));
  assert.equal(await alice.call('update', 'note', { msg: 'from alice' }), null);
  assert.deepEqual((await alice.call('read', 'note'))?.data, { msg: 'from alice' });
  assert.equal((await alice.call('read', 'note'))?.leaseDuration, undefined);
  assert.equal(await bob.call('read', 'note'), null);
  await bob.call('update', 'note', { msg: 'from bob' });
  await bob.call('update', 'dir/inner', { x: 1 });
  assert.deepEqual((await alice.call('read', 'note'))?.data, { msg: 'from alice' });
  assert.deepEqual((await bob.call('list', ''))?.data, { keys: ['dir/', 'note'] });
  assert.deepEqual((await alice.call('list', ''))?.data, { keys: ['note'] });
  assert.deepEqual((await bob.call('list', 'dir'))?.data, { keys: ['inner'] });
  await alice.call('delete', 'note');
  assert.equal(await alice.call('read', 'note'), null);
  assert.deepEqual((await bob.call('read', 'note'))?.data, { msg: 'from bob' });
  assert.equal(await alice.call('list', ''), null);
});

test('storage keys do not reveal the token', async () => {
  const { tokens, cubby, as } = await setup();
  const t = await tokens.create({ policies: ['default'] });
  await as(t).call('update', 'k', { v: 1 });
  const keys = await cubby.storage.listRecursive('');
  assert.ok(keys.every((k) => !k.includes(t.id) && !k.includes(t.accessor)));
  assert.ok(keys.includes(`${await cubbyholeFolder(cubby.storage, t.id)}k`));
});

test('revoking a token destroys its cubbyhole and nothing else', async () => {
  const { tokens, cubby, as } = await setup();
  const gone = await tokens.create({ policies: ['default'] });
  const kept = await tokens.create({ policies: ['default'] });
  await as(gone).call('update', 'a', { v: 1 });
  await as(gone).call('update', 'deep/b', { v: 2 });
  await as(kept).call('update', 'a', { v: 3 });
  await tokens.revokeTree(gone);
  const folder = await cubbyholeFolder(cubby.storage, gone.id);
  assert.deepEqual((await cubby.storage.listRecursive('')).filter((k) => k.startsWith(folder)), []);
  assert.deepEqual((await as(kept).call('read', 'a'))?.data, { v: 3 });
  // Explicit cleanup (what core may call) is idempotent and scoped.
  await destroyCubbyhole(cubby.storage, gone.id);
  await destroyCubbyhole(cubby.storage, kept.id);
  assert.equal(await as(kept).call('read', 'a'), null);
});

test('errors: batch tokens, missing token, empty writes', async () => {
  const { tokens, cubby, as } = await setup();
  const batch = await tokens.create({ policies: ['default'], type: 'batch' });
  const cases: [Promise<unknown>, string][] = [
    [as(batch).call('read', 'x'), "cubbyhole operations are only supported by 'service' type tokens"],
    [as(batch).call('update', 'x', { a: 1 }), "cubbyhole operations are only supported by 'service' type tokens"],
    [cubby.call('read', 'x'), 'client token empty'],
    [as(await tokens.create({ policies: ['default'] })).call('update', 'x', {}), 'missing data fields'],
  ];
  for (const [p, message] of cases) await assert.rejects(p, (e: any) => e.status === 400 && e.message === message);
});

test('the existence check separates create from update per token', async () => {
  const { tokens, cubby } = await setup();
  const t = await tokens.create({ policies: ['default'] });
  const u = await tokens.create({ policies: ['default'] });
  const op = (tok: TokenEntry) => cubby.backend.resolveOperation({ operation: 'update', path: 'k', data: {}, token: toTokenInfo(tok) } as any);
  assert.equal(await op(t), 'create');
  await cubby.call('update', 'k', { v: 1 }, { token: toTokenInfo(t) });
  assert.equal(await op(t), 'update');
  assert.equal(await op(u), 'create');
});
