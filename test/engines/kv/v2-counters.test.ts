/**
 * A data write stores only version records; the metadata record's counters are worked out
 * from them when it is loaded. A fresh Backend over the same storage (as after a restart or
 * unseal) must answer exactly what the one that did the writes answers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kvFactory } from '../../../src/engines/kv/backend.js';
import { Backend } from '../../../src/framework/backend.js';
import { LogicalView } from '../../../src/framework/logical.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { MemoryStorage } from '../../../src/storage/memory.js';

let clock = Date.UTC(2026, 0, 1);

async function mount(physical: MemoryStorage) {
  const storage = new LogicalView(physical, 'logical/kv/');
  const mountInfo = { path: 'secret/', type: 'kv', uuid: 'u1', accessor: 'kv_1', description: '', config: { defaultLeaseTTL: 0, maxLeaseTTL: 0 }, options: { version: '2' } };
  const services: Record<string, unknown> = { clock: { now: () => clock } };
  const ctx = { storage, mount: mountInfo, logger: silentLogger(), system: { defaultLeaseTTL: () => 0, maxLeaseTTL: () => 0, service: <T>(n: string) => services[n] as T } };
  const backend = new Backend(await kvFactory(ctx), ctx);
  await backend.def.init?.();
  return async (operation: string, path: string, data: Record<string, unknown> = {}) => {
    const req = { operation, path, data, query: {} } as any;
    req.operation = await backend.resolveOperation(req);
    return (await backend.handle(req))?.data as any;
  };
}

test('metadata after writes, prunes, deletes and destroys reads the same from a fresh mount', async () => {
  const physical = new MemoryStorage();
  const call = await mount(physical);
  await call('update', 'metadata/app/db', { max_versions: 4, custom_metadata: { team: 'a' } });
  for (let i = 1; i <= 9; i++) {
    clock += 1000;
    await call('update', 'data/app/db', { data: { i } });
  }
  await call('update', 'data/app', { data: { parent: true } }); // a secret whose versions sit beside app/db's folder
  await call('delete', 'data/app/db');
  await call('update', 'destroy/app/db', { versions: [7] });
  clock += 1000;
  await call('patch', 'data/app/db', { data: { j: 1 } }).catch(() => undefined); // latest is deleted: refused, nothing written

  const before = await call('read', 'metadata/app/db');
  assert.equal(before.current_version, 9);
  assert.equal(before.oldest_version, 6);
  assert.deepEqual(Object.keys(before.versions), ['6', '7', '8', '9']);

  const fresh = await mount(physical);
  assert.deepEqual(await fresh('read', 'metadata/app/db'), before);
  assert.deepEqual(await fresh('read', 'metadata/app'), await call('read', 'metadata/app'));
  // The fresh mount goes on numbering where the other stopped, and keeps pruning.
  clock += 1000;
  assert.equal((await fresh('update', 'data/app/db', { data: { i: 10 } })).version, 10);
  const after = await fresh('read', 'metadata/app/db');
  assert.equal(after.oldest_version, 7);
  assert.equal(after.updated_time, new Date(clock).toISOString().replace('.000Z', 'Z'));
  assert.equal(after.created_time, before.created_time);
  assert.deepEqual(after.custom_metadata, { team: 'a' });
});

test('metadata delete from a fresh mount removes every version the first mount wrote', async () => {
  const physical = new MemoryStorage();
  const call = await mount(physical);
  for (let i = 1; i <= 12; i++) await call('update', 'data/k', { data: { i } });
  const fresh = await mount(physical);
  await fresh('delete', 'metadata/k');
  assert.deepEqual(await physical.list('logical/kv/u1/v/'), []);
  assert.deepEqual(await physical.list('logical/kv/u1/m/'), []);
});
