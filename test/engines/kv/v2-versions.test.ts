import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorOf, kvV2 } from './kv-helpers.js';

async function threeVersions() {
  const kv = await kvV2();
  for (let i = 1; i <= 3; i++) await kv.call('update', 'data/s', { data: { v: i } });
  return kv;
}

const state = async (kv: Awaited<ReturnType<typeof kvV2>>, n: number) => {
  const r = await kv.call('read', 'data/s', { version: n });
  return r === null ? 'missing' : r.status === 404 ? ((r.data as any).metadata.destroyed ? 'destroyed' : 'deleted') : `live:${(r.data as any).data.v}`;
};

test('delete/undelete/destroy change exactly the listed versions', async () => {
  const kv = await threeVersions();
  const steps: [string, unknown, string[]][] = [
    ['delete', [1, 3], ['deleted', 'live:2', 'deleted']],
    ['undelete', '1', ['live:1', 'live:2', 'deleted']],
    ['destroy', [2], ['live:1', 'destroyed', 'deleted']],
    // Undelete cannot bring back destroyed data; delete skips destroyed versions.
    ['undelete', [2, 3], ['live:1', 'destroyed', 'live:3']],
    ['delete', '2,3', ['live:1', 'destroyed', 'deleted']],
    // Unknown versions are ignored.
    ['delete', [9, 0, -1], ['live:1', 'destroyed', 'deleted']],
    ['destroy', '1,3', ['destroyed', 'destroyed', 'destroyed']],
  ];
  for (const [verb, versions, want] of steps) {
    assert.equal(await kv.call('update', `${verb}/s`, { versions }), null);
    assert.deepEqual([await state(kv, 1), await state(kv, 2), await state(kv, 3)], want, `${verb} ${JSON.stringify(versions)}`);
  }
  const meta = (await kv.call('read', 'metadata/s'))?.data as any;
  assert.deepEqual(Object.values(meta.versions).map((v: any) => v.destroyed), [true, true, true]);
});

test('destroy removes the data from storage; metadata keeps the record', async () => {
  const kv = await threeVersions();
  await kv.call('update', 'destroy/s', { versions: [2] });
  const values = await Promise.all((await kv.storage.listRecursive('')).map((k) => kv.storage.get(k)));
  const text = values.map((v) => new TextDecoder().decode(v)).join('\n');
  assert.match(text, /"v":1/);
  assert.doesNotMatch(text, /"v":2/);
  const r = await kv.call('read', 'data/s', { version: 2 });
  assert.equal(r?.status, 404);
  assert.deepEqual((r?.data as any).metadata, { created_time: '2024-05-01T10:00:00Z', custom_metadata: null, deletion_time: '', destroyed: true, version: 2 });
});

test('version lists are required, as Vault words it', async () => {
  const kv = await threeVersions();
  const cases: [string, string][] = [
    ['delete/s', 'No version number provided'],
    ['undelete/s', 'No version number provided'],
    ['destroy/s', 'no version number provided'],
  ];
  for (const [path, message] of cases) assert.deepEqual(await errorOf(kv.call('update', path, {})), { status: 400, message });
  assert.equal((await errorOf(kv.call('update', 'delete/s', { versions: ['x'] }))).status, 400);
  // Unknown secrets are a silent no-op.
  assert.equal(await kv.call('update', 'destroy/none', { versions: [1] }), null);
});

test('max_versions: the oldest versions are pruned, oldest_version follows Vault\'s window', async () => {
  const kv = await kvV2();
  await kv.call('update', 'metadata/w', { max_versions: 3 });
  const seen: [number, number, number[]][] = [];
  for (let i = 1; i <= 5; i++) {
    await kv.call('update', 'data/w', { data: { i } });
    const m = (await kv.call('read', 'metadata/w'))?.data as any;
    seen.push([m.current_version, m.oldest_version, Object.keys(m.versions).map(Number)]);
  }
  assert.deepEqual(seen, [
    [1, 0, [1]],
    [2, 0, [1, 2]],
    [3, 1, [1, 2, 3]],
    [4, 2, [2, 3, 4]],
    [5, 3, [3, 4, 5]],
  ]);
  assert.equal(await kv.call('read', 'data/w', { version: 2 }), null);
  assert.deepEqual(((await kv.call('read', 'data/w', { version: 3 }))?.data as any).data, { i: 3 });
  // Pruned versions are gone from storage, not just hidden.
  const versionKeys = (await kv.storage.listRecursive('')).filter((k) => /\/v\/w\/\d+$/.test(k));
  assert.equal(versionKeys.length, 3);
});

test('max_versions: default 10; the larger of engine and key setting wins (Vault); shrinking prunes on the next write', async () => {
  const kv = await kvV2();
  for (let i = 1; i <= 12; i++) await kv.call('update', 'data/d', { data: { i } });
  let m = (await kv.call('read', 'metadata/d'))?.data as any;
  assert.equal(Object.keys(m.versions).length, 10);
  assert.equal(m.oldest_version, 3);

  await kv.call('update', 'config', { max_versions: 4 });
  await kv.call('update', 'metadata/d', { max_versions: 2 });
  await kv.call('update', 'data/d', { data: { i: 13 } });
  m = (await kv.call('read', 'metadata/d'))?.data as any;
  assert.deepEqual(Object.keys(m.versions).map(Number), [10, 11, 12, 13]);
  assert.equal(m.oldest_version, 10);
});

test('delete_version_after: versions expire and read as deleted; the shorter setting wins; -1 disables', async () => {
  const kv = await kvV2();
  await kv.call('update', 'config', { delete_version_after: '1h' });
  await kv.call('update', 'metadata/e', { delete_version_after: '10m' });
  const w = await kv.call('update', 'data/e', { data: { a: 1 } });
  assert.equal((w?.data as any).deletion_time, '2024-05-01T10:10:00Z');
  await kv.call('update', 'data/other', { data: { a: 1 } });
  kv.clock.advance(9 * 60);
  assert.equal((await kv.call('read', 'data/e'))?.status, undefined);
  kv.clock.advance(60);
  const expired = await kv.call('read', 'data/e');
  assert.equal(expired?.status, 404);
  assert.equal((expired?.data as any).metadata.deletion_time, '2024-05-01T10:10:00Z');
  assert.equal((await kv.call('read', 'subkeys/e'))?.status, 404);
  assert.equal((await kv.call('read', 'data/other'))?.status, undefined);
  kv.clock.advance(50 * 60);
  assert.equal((await kv.call('read', 'data/other'))?.status, 404);

  // Undelete restarts the clock from now.
  await kv.call('update', 'undelete/e', { versions: [1] });
  const back = await kv.call('read', 'data/e');
  assert.equal((back?.data as any).metadata.deletion_time, '2024-05-01T11:10:00Z');

  await kv.call('update', 'config', { delete_version_after: -1 });
  const never = await kv.call('update', 'data/e', { data: { a: 2 } });
  assert.equal((never?.data as any).deletion_time, '');
});

test('subkeys returns the structure with values nulled, honouring depth and version', async () => {
  const kv = await kvV2();
  const secret = { foo: 'abc', bar: { baz: 'def', qux: { quux: 1 } }, empty: {}, list: [1, { a: 2 }] };
  await kv.call('update', 'data/sk', { data: secret });
  await kv.call('update', 'data/sk', { data: { only: 'v2' } });
  const cases: [Record<string, unknown>, unknown][] = [
    [{ version: 1 }, { bar: { baz: null, qux: { quux: null } }, empty: null, foo: null, list: null }],
    [{ version: 1, depth: 1 }, { bar: null, empty: null, foo: null, list: null }],
    [{ version: 1, depth: 2 }, { bar: { baz: null, qux: null }, empty: null, foo: null, list: null }],
    [{}, { only: null }],
  ];
  for (const [query, want] of cases) {
    const r = await kv.call('read', 'subkeys/sk', query);
    assert.deepEqual((r?.data as any).subkeys, want, JSON.stringify(query));
    assert.deepEqual(Object.keys(r!.data!), ['metadata', 'subkeys']);
  }
  assert.equal(((await kv.call('read', 'subkeys/sk', { version: 1 }))?.data as any).metadata.version, 1);
  await kv.call('update', 'destroy/sk', { versions: [2] });
  const destroyed = await kv.call('read', 'subkeys/sk');
  assert.equal(destroyed?.status, 404);
  assert.equal((destroyed?.data as any).subkeys, null);
  assert.equal(await kv.call('read', 'subkeys/sk', { version: 5 }), null);
});
