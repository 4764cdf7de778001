import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kvFactory } from '../../../src/engines/kv/backend.js';
import { storedTTL } from '../../../src/engines/kv/v1.js';
import { Backend } from '../../../src/framework/backend.js';
import { createTestBackend } from '../../support/backend.js';
import { errorOf, kvV1, manualClock } from './kv-helpers.js';

test('v1 stores the body as-is at any path; read, overwrite, delete', async () => {
  const kv = await kvV1();
  assert.equal(await kv.call('update', 'team/app/db', { password: 'p', port: 5432, nested: { b: 1, a: 2 } }), null);
  const r = await kv.call('read', 'team/app/db');
  assert.deepEqual(r?.data, { nested: { a: 2, b: 1 }, password: 'p', port: 5432 });
  assert.equal(JSON.stringify(r?.data), '{"nested":{"a":2,"b":1},"password":"p","port":5432}');
  await kv.call('update', 'team/app/db', { password: 'q' });
  assert.deepEqual((await kv.call('read', 'team/app/db'))?.data, { password: 'q' });
  assert.equal(await kv.call('delete', 'team/app/db'), null);
  assert.equal(await kv.call('read', 'team/app/db'), null);
  assert.equal(await kv.call('delete', 'never/was'), null);
});

test('v1 writes: no unknown-field warnings, errors for empty bodies and paths', async () => {
  const kv = await kvV1();
  const w = await kv.call('update', 'a', { anything: 1, at: 'all' });
  assert.equal(w, null);
  assert.deepEqual(await errorOf(kv.call('update', 'a', {})), { status: 400, message: 'missing data fields' });
  assert.deepEqual(await errorOf(kv.call('update', '', { a: 1 })), { status: 400, message: 'missing path' });
  assert.equal(await kv.call('read', ''), null);
});

test('v1 list: folders and keys, trailing slash optional, 404 when empty', async () => {
  const kv = await kvV1();
  for (const p of ['a', 'b/c', 'b/d/e']) await kv.call('update', p, { v: 1 });
  const cases: [string, string[] | null][] = [['', ['a', 'b/']], ['b', ['c', 'd/']], ['b/', ['c', 'd/']], ['b/d/', ['e']], ['zzz/', null]];
  for (const [path, keys] of cases) {
    const r = await kv.call('list', path);
    assert.deepEqual(keys ? r?.data : r, keys ? { keys } : null, path);
  }
});

test('v1 read reports the stored ttl (or lease) as lease_duration, else the mount default', async () => {
  const kv = await kvV1(3600);
  const cases: [Record<string, unknown>, number][] = [
    [{ v: 1 }, 3600],
    [{ v: 1, ttl: '30m' }, 1800],
    [{ v: 1, ttl: 90 }, 90],
    [{ v: 1, ttl: '45' }, 45],
    [{ v: 1, lease: '2h' }, 7200],
    [{ v: 1, ttl: '1m', lease: '2h' }, 60],
    [{ v: 1, ttl: 'soon' }, 3600],
    [{ v: 1, ttl: true }, 3600],
  ];
  for (const [data, want] of cases) {
    await kv.call('update', 'ttl', data);
    const r = await kv.call('read', 'ttl');
    assert.equal(r?.leaseDuration, want, JSON.stringify(data));
    assert.equal(r?.secret, undefined, 'KV never registers a lease');
  }
  assert.equal(storedTTL({ ttl: '' }, 5), 0);
});

test('v1 existence check distinguishes create from update', async () => {
  const kv = await kvV1();
  const op = () => kv.backend.resolveOperation({ operation: 'update', path: 'x', data: {} } as any);
  assert.equal(await op(), 'create');
  await kv.call('update', 'x', { a: 1 });
  assert.equal(await op(), 'update');
});

test('the factory picks the version from options; default is v1; others are refused', async () => {
  const none = await createTestBackend(kvFactory, { type: 'kv' });
  await none.call('update', 'plain', { a: 1 });
  assert.deepEqual((await none.call('read', 'plain'))?.data, { a: 1 });
  const e = await errorOf(createTestBackend(kvFactory, { type: 'kv', options: { version: '3' } }));
  assert.equal(e.status, 400);
  assert.match(e.message, /version/);
});

test('upgrading a v1 mount to v2 turns each key into version 1, once', async () => {
  const v1 = await createTestBackend(kvFactory, { type: 'kv', options: { version: '1' } });
  await v1.call('update', 'app/db', { password: 'p' });
  await v1.call('update', 'top', { k: 'v' });
  const ctx = { ...v1.backend.ctx, mount: { ...v1.backend.ctx.mount, options: { version: '2' } } };
  const clock = manualClock();
  ctx.system = { ...ctx.system, service: <T>(name: string) => (name === 'clock' ? clock as T : undefined) };
  const v2 = new Backend(await kvFactory(ctx), ctx);
  await v2.def.init?.();
  const call = (operation: string, path: string, data: Record<string, unknown> = {}) => v2.handle({ operation, path, data, query: {} } as any);
  const r = await call('read', 'data/app/db');
  assert.deepEqual(r?.data, { data: { password: 'p' }, metadata: { created_time: '2024-05-01T10:00:00Z', custom_metadata: null, deletion_time: '', destroyed: false, version: 1 } });
  assert.deepEqual((await call('list', 'metadata/'))?.data, { keys: ['app/', 'top'] });
  // The unversioned keys are gone, so a second start does not upgrade again.
  const roots = await ctx.storage.list('');
  assert.deepEqual(roots, [`${ctx.mount.uuid}/`]);
  await call('update', 'data/top', { data: { k: 'v2' } });
  const again = new Backend(await kvFactory(ctx), ctx);
  await again.def.init?.();
  const meta = await again.handle({ operation: 'read', path: 'metadata/top', data: {}, query: {} } as any);
  assert.equal((meta?.data as any).current_version, 2);
});
