import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCoffer, type TestCoffer } from '../support/server.js';

let c: TestCoffer;
before(async () => { c = await startCoffer(); });
after(async () => { await c.stop(); });

test('sys/mounts lists the built-in and dev mounts, in data and at the top level', async () => {
  const r = await c.api('GET', 'sys/mounts');
  assert.equal(r.status, 200);
  for (const p of ['secret/', 'sys/', 'cubbyhole/']) {
    assert.ok(r.body.data[p], p);
    assert.ok(r.body[p], `${p} at top level`);
  }
  assert.equal(r.body.data['secret/'].type, 'kv');
  assert.deepEqual(r.body.data['secret/'].options, { version: '2' });
});

test('enable, tune, read tune, remount and disable a multi-segment mount', async () => {
  let r = await c.api('POST', 'sys/mounts/cluster-a/kv/etcd', { type: 'kv', description: 'etcd secrets', config: { default_lease_ttl: '1h', max_lease_ttl: '24h' }, options: { version: '2' } });
  assert.equal(r.status, 204);
  r = await c.api('POST', 'cluster-a/kv/etcd/data/peer', { data: { k: 'v' } });
  assert.equal(r.status, 200);
  r = await c.api('GET', 'sys/mounts/cluster-a/kv/etcd/tune');
  assert.equal(r.body.data.default_lease_ttl, 3600);
  assert.equal(r.body.data.max_lease_ttl, 86400);
  r = await c.api('POST', 'sys/mounts/cluster-a/kv/etcd/tune', { max_lease_ttl: '8760h', default_lease_ttl: 7200 });
  assert.equal(r.status, 204);
  r = await c.api('GET', 'sys/mounts/cluster-a/kv/etcd/tune');
  assert.equal(r.body.data.max_lease_ttl, 8760 * 3600);
  assert.equal(r.body.data.default_lease_ttl, 7200);
  r = await c.api('POST', 'sys/mounts/cluster-a/kv/etcd/tune', { default_lease_ttl: 'forever' });
  assert.equal(r.status, 400);

  r = await c.api('POST', 'sys/mounts/cluster-a/kv', { type: 'kv' });
  assert.equal(r.status, 400, 'a mount above an existing one conflicts');
  r = await c.api('POST', 'sys/mounts/cluster-a/kv/etcd/deeper', { type: 'kv' });
  assert.equal(r.status, 400, 'a mount below an existing one conflicts');
  r = await c.api('POST', 'sys/mounts/other', { type: 'no-such-engine' });
  assert.equal(r.status, 400);
  r = await c.api('POST', 'sys/mounts/other', {});
  assert.equal(r.status, 400);

  r = await c.api('POST', 'sys/remount', { from: 'cluster-a/kv/etcd', to: 'cluster-b/kv/etcd' });
  assert.equal(r.status, 200);
  r = await c.api('GET', 'cluster-b/kv/etcd/data/peer');
  assert.equal(r.body.data.data.k, 'v', 'data moved with the mount');

  r = await c.api('DELETE', 'sys/mounts/cluster-b/kv/etcd');
  assert.equal(r.status, 204);
  r = await c.api('POST', 'sys/mounts/cluster-b/kv/etcd', { type: 'kv', options: { version: '2' } });
  r = await c.api('GET', 'cluster-b/kv/etcd/data/peer');
  assert.equal(r.status, 404, 'data was removed on disable');
  r = await c.api('DELETE', 'sys/mounts/sys');
  assert.equal(r.status, 400);
});

test('internal/ui/mounts tells KV v1 from v2', async () => {
  await c.api('POST', 'sys/mounts/kv1', { type: 'kv' });
  let r = await c.api('GET', 'sys/internal/ui/mounts/kv1/some/path');
  assert.equal(r.body.data.path, 'kv1/');
  assert.equal(r.body.data.options.version, '1');
  r = await c.api('GET', 'sys/internal/ui/mounts/secret/foo');
  assert.equal(r.body.data.options.version, '2');
  r = await c.api('GET', 'sys/internal/ui/mounts/secret/foo', undefined, '');
  assert.equal(r.status, 403);
  r = await c.api('GET', 'sys/internal/ui/mounts');
  assert.ok(r.body.data.secret['secret/']);
  assert.ok(r.body.data.auth['token/']);
});

test('sys/auth lists the token method; enable/tune/disable an auth mount', async () => {
  let r = await c.api('GET', 'sys/auth');
  assert.equal(r.body.data['token/'].type, 'token');
  r = await c.api('POST', 'sys/auth/token2', { type: 'token' });
  assert.equal(r.status, 400, 'token is built in, like Vault');
  r = await c.api('POST', 'sys/auth/token/tune', { default_lease_ttl: '1h' });
  assert.equal(r.status, 204);
  r = await c.api('GET', 'sys/auth/token/tune');
  assert.equal(r.body.data.default_lease_ttl, 3600);
});
