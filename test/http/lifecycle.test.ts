import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCoffer } from '../support/server.js';
import { xorDecode } from '../../src/engines/sys/path-generate-root.js';

test('a new server starts uninitialized and sealed; init, unseal, seal, health follow Vault', async () => {
  const c = await startCoffer({ uninitialized: true });
  try {
    let r = await c.api('GET', 'sys/init', undefined, '');
    assert.deepEqual(r.body, { initialized: false });
    r = await c.api('GET', 'sys/health', undefined, '');
    assert.equal(r.status, 501);
    r = await c.api('GET', 'sys/health?uninitcode=200', undefined, '');
    assert.equal(r.status, 200);
    r = await c.api('GET', 'secret/data/x', undefined, '');
    assert.equal(r.status, 503);
    assert.deepEqual(r.body.errors, ['Vault is sealed']);

    r = await c.api('PUT', 'sys/init', { secret_shares: 5, secret_threshold: 7 }, '');
    assert.equal(r.status, 400);
    r = await c.api('PUT', 'sys/init', { secret_shares: 5, secret_threshold: 3 }, '');
    assert.equal(r.status, 200);
    const { keys, keys_base64, root_token } = r.body;
    assert.equal(keys.length, 5);
    assert.equal(keys_base64.length, 5);
    assert.match(root_token, /^hvs\.[A-Za-z0-9]{24}$/);
    assert.equal(Buffer.from(keys[0], 'hex').toString('base64'), keys_base64[0]);

    r = await c.api('PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 }, '');
    assert.equal(r.status, 400);

    r = await c.api('GET', 'sys/seal-status', undefined, '');
    assert.equal(r.body.sealed, true);
    assert.equal(r.body.t, 3);
    assert.equal(r.body.n, 5);
    assert.equal(r.body.type, 'shamir');
    r = await c.api('GET', 'sys/health', undefined, '');
    assert.equal(r.status, 503);

    r = await c.api('PUT', 'sys/unseal', {}, '');
    assert.equal(r.status, 400);
    r = await c.api('PUT', 'sys/unseal', { key: 'not a key!' }, '');
    assert.equal(r.status, 400);

    r = await c.api('PUT', 'sys/unseal', { key: keys[0] }, '');
    assert.equal(r.body.progress, 1);
    assert.ok(r.body.nonce);
    r = await c.api('PUT', 'sys/unseal', { key: keys[0] }, '');
    assert.equal(r.body.progress, 1, 'a key given twice counts once (Vault ignores duplicates)');
    r = await c.api('PUT', 'sys/unseal', { reset: true }, '');
    assert.equal(r.body.progress, 0);
    for (const k of [keys[1], keys_base64[2]]) r = await c.api('PUT', 'sys/unseal', { key: k }, '');
    assert.equal(r.body.sealed, true);
    r = await c.api('PUT', 'sys/unseal', { key: keys[4] }, '');
    assert.equal(r.body.sealed, false);
    assert.equal(r.body.progress, 0);

    r = await c.api('GET', 'sys/health', undefined, '');
    assert.equal(r.status, 200);
    assert.equal(r.body.initialized, true);
    assert.equal(r.body.sealed, false);
    r = await c.api('GET', 'sys/leader', undefined, '');
    assert.equal(r.body.ha_enabled, false);

    r = await c.api('GET', 'auth/token/lookup-self', undefined, root_token);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data.policies, ['root']);

    r = await c.api('GET', 'sys/key-status', undefined, root_token);
    assert.equal(r.body.data.term, 1);
    r = await c.api('PUT', 'sys/rotate', {}, root_token);
    assert.equal(r.status, 204);
    r = await c.api('GET', 'sys/key-status', undefined, root_token);
    assert.equal(r.body.data.term, 2);

    // generate-root with an OTP, from three shares.
    r = await c.api('PUT', 'sys/generate-root/attempt', {}, '');
    assert.equal(r.body.started, true);
    const { otp, nonce } = r.body;
    assert.equal(otp.length, 28);
    for (const k of keys.slice(0, 3)) r = await c.api('PUT', 'sys/generate-root/update', { key: k, nonce }, '');
    assert.equal(r.body.complete, true);
    const newRoot = xorDecode(r.body.encoded_token, otp);
    r = await c.api('GET', 'auth/token/lookup-self', undefined, newRoot);
    assert.deepEqual(r.body.data.policies, ['root']);

    r = await c.api('PUT', 'sys/seal', {}, root_token);
    assert.equal(r.status, 204);
    await new Promise((res) => setTimeout(res, 50));
    r = await c.api('GET', 'sys/seal-status', undefined, '');
    assert.equal(r.body.sealed, true);
    r = await c.api('GET', 'auth/token/lookup-self', undefined, root_token);
    assert.equal(r.status, 503);
  } finally {
    await c.stop();
  }
});

test('sqlite data survives a restart and unseal', async () => {
  const first = await startCoffer({ storage: 'sqlite' });
  let r = await first.api('POST', 'secret/data/app', { data: { password: 'hunter2-very-secret' } });
  assert.equal(r.status, 200);
  // Nothing secret reaches the disk in clear: not the value, not the root token, not the unseal key.
  const disk = Buffer.concat(readdirSync(first.dataDir).map((f) => readFileSync(join(first.dataDir, f))));
  for (const needle of ['hunter2-very-secret', first.rootToken, first.unsealKey]) {
    assert.equal(disk.includes(Buffer.from(needle)), false, `found ${needle.slice(0, 6)}… in clear on disk`);
  }
  assert.equal(disk.includes(Buffer.from(first.unsealKey, 'hex')), false, 'raw unseal key bytes on disk');
  await first.stop();
  const second = await startCoffer({ storage: 'sqlite', dataDir: first.dataDir, uninitialized: true });
  try {
    r = await second.api('GET', 'sys/seal-status', undefined, '');
    assert.equal(r.body.initialized, true);
    assert.equal(r.body.sealed, true);
    r = await second.api('PUT', 'sys/unseal', { key: first.unsealKey }, '');
    assert.equal(r.body.sealed, false);
    r = await second.api('GET', 'secret/data/app', undefined, first.rootToken);
    assert.equal(r.status, 200);
    assert.equal(r.body.data.data.password, 'hunter2-very-secret');
  } finally {
    await second.stop();
  }
});
