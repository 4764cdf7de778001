/**
 * KV and cubbyhole over real HTTP against a real Coffer on sqlite: what a Vault client sees
 * (status codes, envelope, 404 bodies, warnings, lease_duration), once per behaviour.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCoffer, type TestCoffer } from '../../support/server.js';

let c: TestCoffer;
before(async () => { c = await startCoffer({ storage: 'sqlite' }); });
after(async () => { await c?.stop(); });

const MERGE = { 'content-type': 'application/merge-patch+json' };

test('KV v2 at secret/: write, read, patch, versions, soft delete, undelete, destroy', async () => {
  const w = await c.api('POST', 'secret/data/app/db', { data: { user: 'app', password: 'one' } });
  assert.equal(w.status, 200);
  assert.equal(w.body.data.version, 1);
  assert.equal(w.body.mount_type, 'kv');

  await c.api('PUT', 'secret/data/app/db', { data: { user: 'app', password: 'two' }, options: { cas: 1 } });
  const cas = await c.api('POST', 'secret/data/app/db', { data: { x: 1 }, options: { cas: 1 } });
  assert.equal(cas.status, 400);
  assert.deepEqual(cas.body.errors, ['check-and-set parameter did not match the current version']);

  const p = await c.api('PATCH', 'secret/data/app/db', { data: { password: 'three', extra: true } }, undefined, MERGE);
  assert.equal(p.status, 200);
  assert.equal(p.body.data.version, 3);
  const r = await c.api('GET', 'secret/data/app/db');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.data.data, { extra: true, password: 'three', user: 'app' });
  assert.equal((await c.api('GET', 'secret/data/app/db?version=1')).body.data.data.password, 'one');

  assert.equal((await c.api('DELETE', 'secret/data/app/db')).status, 204);
  const gone = await c.api('GET', 'secret/data/app/db');
  assert.equal(gone.status, 404);
  assert.equal(gone.body.data.data, null);
  assert.equal(gone.body.data.metadata.version, 3);
  assert.notEqual(gone.body.data.metadata.deletion_time, '');

  assert.equal((await c.api('POST', 'secret/undelete/app/db', { versions: [3] })).status, 204);
  assert.equal((await c.api('GET', 'secret/data/app/db')).status, 200);
  assert.equal((await c.api('POST', 'secret/destroy/app/db', { versions: '1,3' })).status, 204);
  const meta = await c.api('GET', 'secret/metadata/app/db');
  assert.deepEqual(Object.entries(meta.body.data.versions).map(([n, v]: [string, any]) => [n, v.destroyed]), [['1', true], ['2', false], ['3', true]]);
  assert.equal(meta.body.data.current_version, 3);
});

test('KV v2: not found, invalid paths, lists, metadata and subkeys', async () => {
  const missing = await c.api('GET', 'secret/data/does/not/exist');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, { errors: [] });

  const v1style = await c.api('GET', 'secret/app/db');
  assert.equal(v1style.status, 404);
  assert.match(v1style.body.warnings[0], /^Invalid path for a versioned K\/V secrets engine\..*'vault kv get'/);

  await c.api('POST', 'secret/data/list/a', { data: { v: 1 } });
  await c.api('POST', 'secret/data/list/b/c', { data: { v: 1 } });
  const list = await c.api('GET', 'secret/metadata/list/?list=true');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.data.keys, ['a', 'b/']);
  assert.equal((await c.api('GET', 'secret/metadata/nothing/?list=true')).status, 404);

  const mw = await c.api('POST', 'secret/metadata/list/a', { max_versions: 2, custom_metadata: { owner: 'ops' } });
  assert.equal(mw.status, 204);
  const bad = await c.api('POST', 'secret/metadata/list/a', { max_versions: 'many' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.errors[0], /max_versions/);
  const mp = await c.api('PATCH', 'secret/metadata/list/a', { custom_metadata: { team: 'x' } }, undefined, MERGE);
  assert.equal(mp.status, 204);
  const m = await c.api('GET', 'secret/metadata/list/a');
  assert.deepEqual(m.body.data.custom_metadata, { owner: 'ops', team: 'x' });
  assert.equal(m.body.data.max_versions, 2);

  await c.api('POST', 'secret/data/shape', { data: { a: { b: 'secret' }, c: 1 } });
  const sk = await c.api('GET', 'secret/subkeys/shape?depth=1');
  assert.deepEqual(sk.body.data.subkeys, { a: null, c: null });

  assert.equal((await c.api('DELETE', 'secret/metadata/list/a')).status, 204);
  assert.equal((await c.api('GET', 'secret/metadata/list/a')).status, 404);

  const cfg = await c.api('POST', 'secret/config', { max_versions: 5 });
  assert.equal(cfg.status, 204);
  assert.deepEqual((await c.api('GET', 'secret/config')).body.data, { cas_required: false, delete_version_after: '0s', max_versions: 5 });
});

test('KV v1 mount: raw paths, ttl as lease_duration, no lease registered', async () => {
  const en = await c.api('POST', 'sys/mounts/kv1', { type: 'kv', options: { version: '1' } });
  assert.equal(en.status, 204);
  assert.equal((await c.api('POST', 'kv1/app/conf', { url: 'https://x', ttl: '1h' })).status, 204);
  const r = await c.api('GET', 'kv1/app/conf');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.data, { ttl: '1h', url: 'https://x' });
  assert.equal(r.body.lease_duration, 3600);
  assert.equal(r.body.lease_id, '');
  assert.equal(r.body.renewable, false);
  assert.equal((await c.api('POST', 'kv1/plain', { a: 'b' })).status, 204);
  assert.equal((await c.api('GET', 'kv1/plain')).body.lease_duration, 768 * 3600);
  assert.deepEqual((await c.api('GET', 'kv1/?list=true')).body.data.keys, ['app/', 'plain']);
  assert.equal((await c.api('DELETE', 'kv1/plain')).status, 204);
  assert.equal((await c.api('GET', 'kv1/plain')).status, 404);
});

test('upgrading a v1 mount to v2 by tuning options.version keeps the data as version 1', async () => {
  await c.api('POST', 'sys/mounts/up', { type: 'kv' });
  await c.api('POST', 'up/creds', { password: 'keep-me' });
  const tune = await c.api('POST', 'sys/mounts/up/tune', { options: { version: '2' } });
  assert.ok(tune.status === 200 || tune.status === 204, `tune answered ${tune.status}`);
  const r = await c.api('GET', 'up/data/creds');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.data.data, { password: 'keep-me' });
  assert.equal(r.body.data.metadata.version, 1);
});

test('cubbyhole is private per token and dies with the token', async () => {
  // Children of the root token: isolation must hold even between tokens that may do anything.
  const mk = async () => (await c.api('POST', 'auth/token/create', {})).body.auth.client_token as string;
  const alice = await mk();
  const bob = await mk();
  assert.equal((await c.api('POST', 'cubbyhole/note', { msg: 'hi' }, alice)).status, 204);
  assert.deepEqual((await c.api('GET', 'cubbyhole/note', undefined, alice)).body.data, { msg: 'hi' });
  assert.equal((await c.api('GET', 'cubbyhole/note', undefined, bob)).status, 404);
  assert.deepEqual((await c.api('GET', 'cubbyhole/?list=true', undefined, alice)).body.data.keys, ['note']);

  assert.equal((await c.api('POST', 'auth/token/revoke', { token: alice })).status, 204);
  const route = c.core.mounts.router.match('cubbyhole/x');
  const left = await route!.backend.ctx.storage.listRecursive('');
  assert.deepEqual(left.filter((k) => k !== 'salt'), []);
});
