import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorOf, kvV2 } from './kv-helpers.js';

const T0 = '2024-05-01T10:00:00Z';

test('write then read returns the data and Vault-shaped version metadata', async () => {
  const kv = await kvV2();
  const w = await kv.call('update', 'data/app/db', { data: { password: 's3cr3t', user: 'app' } });
  assert.deepEqual(w?.data, { created_time: T0, custom_metadata: null, deletion_time: '', destroyed: false, version: 1 });
  assert.deepEqual(Object.keys(w!.data!), ['created_time', 'custom_metadata', 'deletion_time', 'destroyed', 'version']);

  kv.clock.advance(1);
  await kv.call('update', 'data/app/db', { data: { password: 'v2' } });
  const r = await kv.call('read', 'data/app/db');
  assert.equal(r?.status, undefined);
  assert.deepEqual(r?.data, {
    data: { password: 'v2' },
    metadata: { created_time: '2024-05-01T10:00:01Z', custom_metadata: null, deletion_time: '', destroyed: false, version: 2 },
  });
  const v1 = await kv.call('read', 'data/app/db', { version: '1' });
  assert.deepEqual((v1?.data as any).data, { password: 's3cr3t', user: 'app' });
  assert.equal((v1?.data as any).metadata.version, 1);
});

test('stored data comes back with keys in Go order', async () => {
  const kv = await kvV2();
  await kv.call('update', 'data/x', { data: { zeta: 1, alpha: { b: 2, a: 1 } } });
  const r = await kv.call('read', 'data/x');
  assert.equal(JSON.stringify((r?.data as any).data), '{"alpha":{"a":1,"b":2},"zeta":1}');
});

test('reads of what does not exist return null (core answers 404)', async () => {
  const kv = await kvV2();
  await kv.call('update', 'data/a', { data: { k: 'v' } });
  await kv.call('update', 'metadata/only-meta', { max_versions: 3 });
  const cases: [string, Record<string, unknown>][] = [
    ['data/missing', {}],
    ['data/a', { version: '7' }],
    ['data/only-meta', {}],
    ['subkeys/missing', {}],
    ['metadata/missing', {}],
  ];
  for (const [path, data] of cases) assert.equal(await kv.call('read', path, data), null, path);
});

test('bad input is a 400 naming the problem', async () => {
  const kv = await kvV2();
  await kv.call('update', 'data/a', { data: { k: 'v' } });
  const cases: [string, string, Record<string, unknown>, RegExp][] = [
    ['update', 'data/a', {}, /^no data provided$/],
    ['update', 'data/a', { data: null }, /^no data provided$/],
    ['update', 'data/a', { data: [1, 2] }, /field "data"/],
    ['update', 'data/a', { data: 'not json' }, /field "data"/],
    ['update', 'data/a', { data: { k: 1 }, options: 5 }, /field "options"/],
    ['update', 'data/a', { data: { k: 1 }, options: { cas: 'one' } }, /^error parsing check-and-set parameter$/],
    ['read', 'data/a', { version: 'latest' }, /field "version"/],
    ['patch', 'data/a', {}, /^no data provided$/],
  ];
  for (const [op, path, data, want] of cases) {
    const e = await errorOf(kv.call(op as any, path, data));
    assert.equal(e.status, 400, `${op} ${path} ${JSON.stringify(data)}`);
    assert.match(e.message, want);
  }
});

test('check-and-set: cas must match the current version, 0 creates only', async () => {
  const kv = await kvV2();
  const table: [Record<string, unknown>, number | string][] = [
    [{ cas: 1 }, 'check-and-set parameter did not match the current version'],
    [{ cas: 0 }, 1],
    [{ cas: 0 }, 'check-and-set parameter did not match the current version'],
    [{ cas: '1' }, 2],
    [{ cas: 1 }, 'check-and-set parameter did not match the current version'],
    [{ cas: 2.0 }, 3],
    [{}, 4],
  ];
  for (const [options, want] of table) {
    if (typeof want === 'number') {
      const r = await kv.call('update', 'data/c', { data: { n: want }, options });
      assert.equal((r?.data as any).version, want);
    } else {
      const e = await errorOf(kv.call('update', 'data/c', { data: { n: 0 }, options }));
      assert.deepEqual(e, { status: 400, message: want });
    }
  }
});

test('cas_required on the engine or on the key demands the cas option', async () => {
  const kv = await kvV2();
  await kv.call('update', 'config', { cas_required: true });
  let e = await errorOf(kv.call('update', 'data/k', { data: { a: 1 } }));
  assert.deepEqual(e, { status: 400, message: 'check-and-set parameter required for this call' });
  assert.equal(((await kv.call('update', 'data/k', { data: { a: 1 }, options: { cas: 0 } }))?.data as any).version, 1);
  await kv.call('update', 'config', { cas_required: false });
  await kv.call('update', 'metadata/k', { cas_required: true });
  e = await errorOf(kv.call('patch', 'data/k', { data: { b: 2 } }));
  assert.deepEqual(e, { status: 400, message: 'check-and-set parameter required for this call' });
  const other = await kv.call('update', 'data/other', { data: { a: 1 } });
  assert.equal((other?.data as any).version, 1);
});

test('patch merges into the current version (RFC 7386) and stores a new version', async () => {
  const kv = await kvV2();
  await kv.call('update', 'data/p', { data: { keep: 'x', drop: 'y', nested: { a: 1, b: 2 }, list: [1, 2] } });
  kv.clock.advance(2);
  const w = await kv.call('patch', 'data/p', { data: { drop: null, nested: { b: null, c: 3 }, list: [3], added: true }, options: { cas: 1 } });
  assert.deepEqual(w?.data, { created_time: '2024-05-01T10:00:02Z', custom_metadata: null, deletion_time: '', destroyed: false, version: 2 });
  const r = await kv.call('read', 'data/p');
  assert.deepEqual((r?.data as any).data, { added: true, keep: 'x', list: [3], nested: { a: 1, c: 3 } });
  const e = await errorOf(kv.call('patch', 'data/p', { data: { a: 1 }, options: { cas: 1 } }));
  assert.equal(e.message, 'check-and-set parameter did not match the current version');
});

test('patch needs an existing, live current version', async () => {
  const kv = await kvV2();
  const missing = await kv.call('patch', 'data/nope', { data: { a: 1 } });
  assert.equal(missing?.raw?.status, 404);
  assert.equal(missing?.raw?.body, '');

  await kv.call('update', 'data/gone', { data: { a: 1 } });
  await kv.call('delete', 'data/gone');
  const deleted = await kv.call('patch', 'data/gone', { data: { a: 2 } });
  assert.equal(deleted?.status, 404);
  assert.deepEqual(deleted?.data, { created_time: '2024-05-01T10:00:00Z', custom_metadata: null, deletion_time: '2024-05-01T10:00:00Z', destroyed: false, version: 1 });

  await kv.call('update', 'metadata/empty', { max_versions: 2 });
  assert.equal((await kv.call('patch', 'data/empty', { data: { a: 1 } }))?.raw?.status, 404);
});

test('DELETE soft-deletes the latest version: 404 with metadata, older versions still readable', async () => {
  const kv = await kvV2();
  await kv.call('update', 'data/d', { data: { v: 1 } });
  await kv.call('update', 'data/d', { data: { v: 2 } });
  kv.clock.advance(5);
  assert.equal(await kv.call('delete', 'data/d'), null);
  const r = await kv.call('read', 'data/d');
  assert.equal(r?.status, 404);
  assert.deepEqual(r?.data, {
    data: null,
    metadata: { created_time: T0, custom_metadata: null, deletion_time: '2024-05-01T10:00:05Z', destroyed: false, version: 2 },
  });
  assert.deepEqual(((await kv.call('read', 'data/d', { version: 1 }))?.data as any).data, { v: 1 });
  // A second delete leaves the first deletion time alone.
  kv.clock.advance(5);
  await kv.call('delete', 'data/d');
  assert.equal(((await kv.call('read', 'data/d'))?.data as any).metadata.deletion_time, '2024-05-01T10:00:05Z');
  // Deleting what does not exist is not an error.
  assert.equal(await kv.call('delete', 'data/never'), null);
});

test('a write after a delete creates a new live version', async () => {
  const kv = await kvV2();
  await kv.call('update', 'data/w', { data: { v: 1 } });
  await kv.call('delete', 'data/w');
  const w = await kv.call('update', 'data/w', { data: { v: 2 } });
  assert.equal((w?.data as any).version, 2);
  assert.deepEqual(((await kv.call('read', 'data/w'))?.data as any).data, { v: 2 });
});

test('existence check: first write is create, later writes are update', async () => {
  const kv = await kvV2();
  const op = async (path: string) => kv.backend.resolveOperation({ operation: 'update', path, data: {} } as any);
  assert.equal(await op('data/e'), 'create');
  assert.equal(await op('metadata/e'), 'create');
  await kv.call('update', 'data/e', { data: { a: 1 } });
  assert.equal(await op('data/e'), 'update');
  assert.equal(await op('metadata/e'), 'update');
});

test('concurrent writes to one key get distinct versions; CAS races have one winner', async () => {
  const kv = await kvV2();
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => kv.call('update', 'data/race', { data: { i } })));
  assert.deepEqual(results.map((r) => (r?.data as any).version).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
  const cas = await Promise.allSettled(Array.from({ length: 5 }, () => kv.call('update', 'data/race', { data: { x: 1 }, options: { cas: 20 } })));
  assert.equal(cas.filter((r) => r.status === 'fulfilled').length, 1);
});

test('v1-style and root requests get Vault\'s invalid-path 404 with a warning', async () => {
  const kv = await kvV2();
  const hint = (cmd: string) => `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${cmd}' for this operation.`;
  const root = 'Non-listing operations on the root of a K/V v2 mount are not supported.';
  const cases: [string, string, Record<string, unknown>, string][] = [
    ['read', 'foo', {}, hint('get')],
    ['update', 'foo', { a: 1 }, hint('put')],
    ['patch', 'foo/bar', { a: 1 }, hint('patch')],
    ['delete', 'foo', {}, hint('delete')],
    ['list', 'foo/', {}, hint('list')],
    ['read', 'data/foo/', {}, hint('get')],
    ['read', 'data', {}, root],
    ['update', 'metadata', {}, root],
    ['delete', 'destroy', {}, root],
  ];
  for (const [op, path, data, warning] of cases) {
    const r = await kv.call(op as any, path, data);
    assert.equal(r?.status, 404, `${op} ${path}`);
    assert.deepEqual(r?.warnings, [warning], `${op} ${path}`);
    assert.equal(r?.data, undefined);
  }
});

test('help and OpenAPI come from the same path table', async () => {
  const kv = await kvV2();
  const spec = kv.backend.openapi('secret/') as Record<string, any>;
  for (const p of ['/secret/config', '/secret/data/{path}', '/secret/metadata/{path}', '/secret/delete/{path}', '/secret/undelete/{path}', '/secret/destroy/{path}', '/secret/subkeys/{path}']) {
    assert.ok(spec[p], p);
  }
  assert.ok(spec['/secret/data/{path}'].patch && spec['/secret/data/{path}'].get && spec['/secret/data/{path}'].post && spec['/secret/data/{path}'].delete);
  assert.match(kv.backend.help('data/foo').help, /versions of a secret/);
  assert.match(kv.backend.help('metadata/foo').help, /custom_metadata/);
});
