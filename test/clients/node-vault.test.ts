/**
 * An unmodified Vault client library from npm (node-vault) drives Coffer through init,
 * unseal and KV v1/v2, exactly as it would drive Vault.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodeVault from 'node-vault';
import { startCoffer } from '../support/server.js';

test('node-vault: init, unseal, KV v1 and v2 write/read/list/delete', async () => {
  const c = await startCoffer({ uninitialized: true });
  try {
    const vault = nodeVault({ apiVersion: 'v1', endpoint: c.addr });
    assert.equal((await vault.initialized()).initialized, false);
    const init = await vault.init({ secret_shares: 3, secret_threshold: 2 });
    assert.equal(init.keys.length, 3);
    vault.token = init.root_token;
    let status = await vault.unseal({ secret_shares: 1, key: init.keys[0] });
    assert.equal(status.sealed, true);
    assert.equal(status.progress, 1);
    status = await vault.unseal({ secret_shares: 1, key: init.keys[2] });
    assert.equal(status.sealed, false);
    assert.equal((await vault.status()).sealed, false);

    await vault.mount({ mount_point: 'kv1', type: 'kv', description: 'v1 store' });
    await vault.mount({ mount_point: 'kv2', type: 'kv', options: { version: '2' } });
    const mounts = await vault.mounts();
    assert.equal(mounts['kv1/'].type, 'kv');
    assert.equal(mounts.data['kv2/'].options.version, '2');

    await vault.write('kv1/app/db', { user: 'app', password: 'p1' });
    assert.deepEqual((await vault.read('kv1/app/db')).data, { user: 'app', password: 'p1' });
    await vault.write('kv1/app/cache', { url: 'redis://x' });
    assert.deepEqual((await vault.list('kv1/app')).data.keys, ['cache', 'db']);
    await vault.delete('kv1/app/db');
    await assert.rejects(vault.read('kv1/app/db'), (e: any) => e.response.statusCode === 404);

    await vault.write('kv2/data/app/db', { data: { password: 'v1' } });
    const w = await vault.write('kv2/data/app/db', { data: { password: 'v2' } });
    assert.equal(w.data.version, 2);
    const r = await vault.read('kv2/data/app/db');
    assert.equal(r.data.data.password, 'v2');
    assert.equal(r.data.metadata.version, 2);
    assert.equal((await vault.read('kv2/data/app/db?version=1')).data.data.password, 'v1');
    assert.deepEqual((await vault.list('kv2/metadata/app')).data.keys, ['db']);
    await vault.delete('kv2/metadata/app/db');
    await assert.rejects(vault.read('kv2/data/app/db'), (e: any) => e.response.statusCode === 404);

    const stranger = nodeVault({ apiVersion: 'v1', endpoint: c.addr, token: 'hvs.bogusbogusbogusbogusbogu' });
    await assert.rejects(stranger.read('kv1/app/cache'), (e: any) => e.response.statusCode === 403);
  } finally {
    await c.stop();
  }
});
