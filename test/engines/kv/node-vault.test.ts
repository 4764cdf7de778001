/** An unmodified npm Vault client (node-vault) doing KV v1 and v2 work against Coffer. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import nodeVault from 'node-vault';
import { startCoffer, type TestCoffer } from '../../support/server.js';

let c: TestCoffer;
let vault: ReturnType<typeof nodeVault>;
before(async () => {
  c = await startCoffer({ storage: 'sqlite' });
  vault = nodeVault({ apiVersion: 'v1', endpoint: c.addr, token: c.rootToken });
});
after(async () => { await c?.stop(); });

test('KV v2 through node-vault: write, read, list, delete', async () => {
  const w = await vault.write('secret/data/node/app', { data: { user: 'svc', password: 'pw' } });
  assert.equal(w.data.version, 1);
  const r = await vault.read('secret/data/node/app');
  assert.deepEqual(r.data.data, { password: 'pw', user: 'svc' });
  assert.equal(r.data.metadata.version, 1);
  const l = await vault.list('secret/metadata/node');
  assert.deepEqual(l.data.keys, ['app']);
  await vault.delete('secret/metadata/node/app');
  await assert.rejects(vault.read('secret/data/node/app'), (e: any) => e.response?.statusCode === 404);
});

test('KV v1 through node-vault: write, read with lease_duration, list, delete', async () => {
  await vault.mount({ mount_point: 'nv1', type: 'kv', options: { version: '1' } });
  await vault.write('nv1/db', { password: 'x', ttl: '10m' });
  const r = await vault.read('nv1/db');
  assert.deepEqual(r.data, { password: 'x', ttl: '10m' });
  assert.equal(r.lease_duration, 600);
  assert.deepEqual((await vault.list('nv1/')).data.keys, ['db']);
  await vault.delete('nv1/db');
  await assert.rejects(vault.read('nv1/db'), (e: any) => e.response?.statusCode === 404);
});
