import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kvFactory } from '../../../src/engines/kv/backend.js';
import { Backend } from '../../../src/framework/backend.js';
import { LogicalView } from '../../../src/framework/logical.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { MemoryStorage } from '../../../src/storage/memory.js';
import type { StorageOp } from '../../../src/storage/storage.js';

/** Memory storage that counts commits and can be told to fail one (a disk error stand-in). */
class CountingStorage extends MemoryStorage {
  commits = 0;
  failNext = false;
  override async transaction(ops: StorageOp[]): Promise<void> {
    this.commits++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    return super.transaction(ops);
  }
}

async function setup() {
  const physical = new CountingStorage();
  const storage = new LogicalView(physical, 'logical/kv/');
  const mount = { path: 'secret/', type: 'kv', uuid: 'u1', accessor: 'kv_1', description: '', config: { defaultLeaseTTL: 0, maxLeaseTTL: 0 }, options: { version: '2' } };
  const ctx = { storage, mount, logger: silentLogger(), system: { defaultLeaseTTL: () => 0, maxLeaseTTL: () => 0, service: () => undefined } };
  const backend = new Backend(await kvFactory(ctx), ctx);
  await backend.def.init?.();
  const call = async (operation: string, path: string, data: Record<string, unknown> = {}) => {
    const req = { operation, path, data, query: {} } as any;
    req.operation = await backend.resolveOperation(req);
    return backend.handle(req);
  };
  return { physical, call };
}

test('concurrent writes to different secrets share one commit, each fully applied', async () => {
  const { physical, call } = await setup();
  physical.commits = 0;
  const results = await Promise.all(Array.from({ length: 25 }, (_, i) => call('update', `data/k${i}`, { data: { i } })));
  assert.ok(results.every((r) => (r?.data as any).version === 1));
  assert.equal(physical.commits, 1);
  for (let i = 0; i < 25; i++) assert.deepEqual(((await call('read', `data/k${i}`))?.data as any).data, { i });
});

test('large bursts are split so no single transaction exceeds 128 operations', async () => {
  const { physical, call } = await setup();
  physical.commits = 0;
  await Promise.all(Array.from({ length: 200 }, (_, i) => call('update', `data/k${i}`, { data: { i } })));
  // 200 writes × 2 ops (version + metadata) = 400 ops → at least 4 commits.
  assert.ok(physical.commits >= 4 && physical.commits <= 5, `commits ${physical.commits}`);
});

test('a failed commit fails every write in it and leaves nothing behind', async () => {
  const { physical, call } = await setup();
  await call('update', 'data/before', { data: { v: 1 } });
  physical.failNext = true;
  const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => call('update', `data/f${i}`, { data: { i } })));
  assert.ok(results.every((r) => r.status === 'rejected'));
  for (let i = 0; i < 5; i++) assert.equal(await call('read', `data/f${i}`), null);
  // The cached metadata did not run ahead of storage: the next write is version 2, not 3.
  physical.failNext = true;
  await assert.rejects(call('update', 'data/before', { data: { v: 2 } }));
  assert.equal(((await call('update', 'data/before', { data: { v: 2 } }))?.data as any).version, 2);
  assert.deepEqual(((await call('read', 'data/before'))?.data as any).data, { v: 2 });
});
