import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorOf, kvV2 } from './kv-helpers.js';

test('metadata read shows every version and the key settings in Vault\'s shape', async () => {
  const kv = await kvV2();
  await kv.call('update', 'data/m', { data: { a: 1 } });
  kv.clock.advance(1);
  await kv.call('update', 'data/m', { data: { a: 2 } });
  kv.clock.advance(1);
  await kv.call('delete', 'data/m');
  const r = await kv.call('read', 'metadata/m');
  assert.deepEqual(r?.data, {
    cas_required: false,
    created_time: '2024-05-01T10:00:00Z',
    current_version: 2,
    custom_metadata: null,
    delete_version_after: '0s',
    max_versions: 0,
    oldest_version: 0,
    updated_time: '2024-05-01T10:00:01Z',
    versions: {
      1: { created_time: '2024-05-01T10:00:00Z', deletion_time: '', destroyed: false },
      2: { created_time: '2024-05-01T10:00:01Z', deletion_time: '2024-05-01T10:00:02Z', destroyed: false },
    },
  });
});

test('metadata write sets settings; creates metadata-only secrets; an empty write does nothing', async () => {
  const kv = await kvV2();
  assert.equal(await kv.call('update', 'metadata/new', {}), null);
  assert.equal(await kv.call('read', 'metadata/new'), null);
  assert.equal(await kv.call('update', 'metadata/new', { max_versions: 5, cas_required: true, delete_version_after: '1h30m', custom_metadata: { owner: 'team-a', n: 3 } }), null);
  const r = await kv.call('read', 'metadata/new');
  assert.deepEqual(r?.data, {
    cas_required: true, created_time: '2024-05-01T10:00:00Z', current_version: 0, custom_metadata: { n: '3', owner: 'team-a' },
    delete_version_after: '1h30m0s', max_versions: 5, oldest_version: 0, updated_time: '2024-05-01T10:00:00Z', versions: {},
  });
  // A later metadata write replaces custom_metadata wholesale and leaves updated_time alone (as Vault).
  kv.clock.advance(10);
  await kv.call('update', 'metadata/new', { custom_metadata: { only: 'this' } });
  const r2 = (await kv.call('read', 'metadata/new'))?.data as any;
  assert.deepEqual(r2.custom_metadata, { only: 'this' });
  assert.equal(r2.max_versions, 5);
  assert.equal(r2.updated_time, '2024-05-01T10:00:00Z');
});

test('custom_metadata appears in data reads and write responses', async () => {
  const kv = await kvV2();
  await kv.call('update', 'metadata/cm', { custom_metadata: { env: 'prod' } });
  const w = await kv.call('update', 'data/cm', { data: { a: 1 } });
  assert.deepEqual((w?.data as any).custom_metadata, { env: 'prod' });
  assert.deepEqual(((await kv.call('read', 'data/cm'))?.data as any).metadata.custom_metadata, { env: 'prod' });
});

test('metadata patch merges custom_metadata and changes only what is given', async () => {
  const kv = await kvV2();
  await kv.call('update', 'metadata/p', { max_versions: 4, custom_metadata: { a: '1', b: '2' } });
  assert.equal(await kv.call('patch', 'metadata/p', { custom_metadata: { b: null, c: '3' }, cas_required: true }), null);
  let r = (await kv.call('read', 'metadata/p'))?.data as any;
  assert.deepEqual(r.custom_metadata, { a: '1', c: '3' });
  assert.equal(r.max_versions, 4);
  assert.equal(r.cas_required, true);
  await kv.call('patch', 'metadata/p', { delete_version_after: '10m', custom_metadata: null });
  r = (await kv.call('read', 'metadata/p'))?.data as any;
  assert.equal(r.custom_metadata, null);
  assert.equal(r.delete_version_after, '10m0s');
  const missing = await kv.call('patch', 'metadata/none', { max_versions: 1 });
  assert.equal(missing?.raw?.status, 404);
});

test('cas_required=false on a key while the engine requires it warns', async () => {
  const kv = await kvV2();
  await kv.call('update', 'config', { cas_required: true });
  const warning = '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';
  assert.deepEqual((await kv.call('update', 'metadata/w', { cas_required: false }))?.warnings, [warning]);
  assert.deepEqual((await kv.call('patch', 'metadata/w', { cas_required: false }))?.warnings, [warning]);
});

test('metadata input errors are 400s naming the field', async () => {
  const kv = await kvV2();
  const long = 'x'.repeat(513);
  const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['update', { max_versions: -1 }, /field "max_versions": cannot provide negative value/],
    ['update', { max_versions: 'ten' }, /field "max_versions"/],
    ['update', { delete_version_after: '-1h' }, /field "delete_version_after": cannot provide negative value/],
    ['update', { delete_version_after: 'soon' }, /field "delete_version_after"/],
    ['update', { cas_required: 'maybe' }, /field "cas_required"/],
    ['update', { custom_metadata: 'x' }, /field "custom_metadata"/],
    ['update', { custom_metadata: { k: { nested: 1 } } }, /custom_metadata validation failed: value for key "k" must be a string/],
    ['update', { custom_metadata: { k: long } }, /^1 error occurred:\n\t\* custom_metadata validation failed: length of value for key "k" is 513 but must be 0 < len\(value\) <= 512\n\n$/],
    ['update', { custom_metadata: { ['k'.repeat(129)]: 'v', e: '' } }, /^2 errors occurred:[^]*len\(key\) <= 128[^]*value for key "e" is 0/],
    ['update', { custom_metadata: { bell: 'a\u0007' } }, /value for key "bell" contains unprintable characters/],
    ['update', { custom_metadata: many }, /payload must contain at most 64 keys, provided 65/],
    ['patch', { custom_metadata: { k: long } }, /len\(value\) <= 512/],
  ];
  await kv.call('update', 'metadata/bad', { max_versions: 1 });
  for (const [op, data, want] of cases) {
    const e = await errorOf(kv.call(op as any, 'metadata/bad', data));
    assert.equal(e.status, 400, JSON.stringify(data).slice(0, 80));
    assert.match(e.message, want);
  }
  const e = await errorOf(kv.call('update', 'metadata/folder/', { max_versions: 1 }));
  assert.equal(e.status, 400);
  // Nothing above changed the stored settings.
  assert.equal(((await kv.call('read', 'metadata/bad'))?.data as any).max_versions, 1);
});

test('metadata LIST walks the tree: keys and folders, 404 when empty', async () => {
  const kv = await kvV2();
  for (const p of ['a', 'b/c', 'b/d/e', 'z']) await kv.call('update', `data/${p}`, { data: { v: 1 } });
  await kv.call('update', 'metadata/meta-only', { max_versions: 1 });
  const cases: [string, string[] | null][] = [
    ['metadata/', ['a', 'b/', 'meta-only', 'z']],
    ['metadata', ['a', 'b/', 'meta-only', 'z']],
    ['metadata/b', ['c', 'd/']],
    ['metadata/b/', ['c', 'd/']],
    ['metadata/b/d/', ['e']],
    ['metadata/nothing/', null],
  ];
  for (const [path, keys] of cases) {
    const r = await kv.call('list', path);
    assert.deepEqual(keys === null ? r : r?.data, keys === null ? null : { keys }, path);
  }
});

test('metadata DELETE removes the secret and every version from storage', async () => {
  const kv = await kvV2();
  for (let i = 0; i < 3; i++) await kv.call('update', 'data/gone/x', { data: { i } });
  await kv.call('update', 'data/kept', { data: { k: 1 } });
  assert.equal(await kv.call('delete', 'metadata/gone/x'), null);
  assert.equal(await kv.call('read', 'data/gone/x'), null);
  assert.equal(await kv.call('read', 'data/gone/x', { version: 1 }), null);
  assert.equal(await kv.call('read', 'metadata/gone/x'), null);
  const left = (await kv.storage.listRecursive('')).filter((k) => k.includes('gone'));
  assert.deepEqual(left, []);
  assert.deepEqual(((await kv.call('list', 'metadata/'))?.data as any).keys, ['kept']);
  // A new write starts again at version 1.
  assert.equal(((await kv.call('update', 'data/gone/x', { data: { i: 9 } }))?.data as any).version, 1);
  assert.equal(await kv.call('delete', 'metadata/never'), null);
});

test('config: read defaults, write, and Vault\'s duration strings', async () => {
  const kv = await kvV2();
  assert.deepEqual((await kv.call('read', 'config'))?.data, { cas_required: false, delete_version_after: '0s', max_versions: 0 });
  await kv.call('update', 'config', { max_versions: 3, delete_version_after: 3600 });
  assert.deepEqual((await kv.call('read', 'config'))?.data, { cas_required: false, delete_version_after: '1h0m0s', max_versions: 3 });
  await kv.call('update', 'config', { delete_version_after: '-5m' });
  assert.equal(((await kv.call('read', 'config'))?.data as any).delete_version_after, '-1s');
  await kv.call('update', 'config', { delete_version_after: 0 });
  assert.equal(((await kv.call('read', 'config'))?.data as any).delete_version_after, '0s');
  assert.equal(await kv.call('update', 'config', {}), null);
  assert.equal(((await kv.call('read', 'config'))?.data as any).max_versions, 3);
  const e = await errorOf(kv.call('update', 'config', { max_versions: -2 }));
  assert.equal(e.status, 400);
  assert.match(e.message, /max_versions/);
});

test('config survives a restart of the Backend over the same storage', async () => {
  const kv = await kvV2();
  await kv.call('update', 'config', { max_versions: 7, cas_required: true });
  const { kvFactory } = await import('../../../src/engines/kv/backend.js');
  const { Backend } = await import('../../../src/framework/backend.js');
  const ctx = kv.backend.ctx;
  const again = new Backend(await kvFactory(ctx), ctx);
  await again.def.init?.();
  const r = await again.handle({ operation: 'read', path: 'config', data: {}, query: {} } as any);
  assert.deepEqual(r?.data, { cas_required: true, delete_version_after: '0s', max_versions: 7 });
});
