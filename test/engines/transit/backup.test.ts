/** backup/restore: Vault's KeyData JSON shape, round trips per key type, rename, force, refusals. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { b64, rejects, transit } from './helpers.js';

const decodeBackup = (s: string) => Buffer.from(s, 'base64').toString('utf8');

test('backup needs exportable and allow_plaintext_backup; the JSON is keysutil\'s KeyData', async () => {
  const t = await transit();
  await t.write('keys/plain');
  await rejects(t.call('read', 'backup/plain'), 400, 'exporting is disallowed on the policy');
  await t.write('keys/plain/config', { exportable: true });
  await rejects(t.call('read', 'backup/plain'), 400, 'plaintext backup is disallowed on the policy');
  await rejects(t.call('read', 'backup/none'), 400, 'key "none" not found');

  await t.write('keys/ec', { type: 'ecdsa-p256', exportable: true, allow_plaintext_backup: true, auto_rotate_period: '24h' });
  const json = decodeBackup((await t.call('read', 'backup/ec'))!.data!.backup as string);
  // Go's encodings: enum type, big.Int as a bare number, durations in nanoseconds.
  assert.match(json, /"type":1,/);
  assert.match(json, /"ec_d":\d{40,},/);
  assert.match(json, /"auto_rotate_period":86400000000000,/);
  const parsed = JSON.parse(json);
  assert.deepEqual(Object.keys(parsed).sort(), ['archived_keys', 'policy']);
  assert.equal(parsed.archived_keys.keys.length, 2);
  assert.equal(parsed.policy.keys['1'].public_key.startsWith('-----BEGIN PUBLIC KEY-----'), true);
  assert.equal((await t.call('read', 'keys/ec'))!.data!.backup_info !== undefined, true);
});

test('restore under a new name: old ciphertexts decrypt, old signatures and HMACs verify, every version kept', async () => {
  const t = await transit();
  const opts = { exportable: true, allow_plaintext_backup: true };
  const cases: { type: string; derived?: boolean }[] = [
    { type: 'aes256-gcm96' }, { type: 'aes128-gcm96', derived: true }, { type: 'chacha20-poly1305' },
    { type: 'ed25519' }, { type: 'ecdsa-p384' }, { type: 'rsa-2048' }, { type: 'hmac' },
  ];
  for (const c of cases) {
    const name = `src-${c.type}`;
    await t.write(`keys/${name}`, { type: c.type, derived: c.derived ?? false, ...opts });
    await t.write(`keys/${name}/rotate`);
    const ctx = c.derived ? { context: b64('ctx') } : {};
    const enc = c.type.startsWith('aes') || c.type.startsWith('chacha') || c.type.startsWith('rsa')
      ? (await t.write(`encrypt/${name}`, { plaintext: b64('kept'), key_version: 1, ...ctx })).ciphertext as string : undefined;
    const sig = ['ed25519', 'ecdsa-p384', 'rsa-2048'].includes(c.type) ? (await t.write(`sign/${name}`, { input: b64('m'), key_version: 1 })).signature as string : undefined;
    const mac = (await t.write(`hmac/${name}`, { input: b64('m'), key_version: 1 })).hmac as string;
    const backup = (await t.call('read', `backup/${name}`))!.data!.backup as string;

    assert.equal(await t.call('update', `restore/copy-${c.type}`, { backup }), null);
    const copy = `copy-${c.type}`;
    const read = (await t.call('read', `keys/${copy}`))!.data!;
    assert.deepEqual([read.type, read.latest_version, read.derived, read.exportable, Object.keys(read.keys ?? { 1: 0, 2: 0 }).sort()], [c.type, 2, !!c.derived, true, ['1', '2']], c.type);
    assert.equal((read.restore_info as { version: number }).version, 2);
    if (enc) assert.equal((await t.write(`decrypt/${copy}`, { ciphertext: enc, ...ctx })).plaintext, b64('kept'), c.type);
    if (sig) assert.equal((await t.write(`verify/${copy}`, { input: b64('m'), signature: sig })).valid, true, c.type);
    assert.equal((await t.write(`verify/${copy}`, { input: b64('m'), hmac: mac })).valid, true, c.type);
    if (read.keys && typeof (read.keys as any)['1'] === 'object') {
      const orig = (await t.call('read', `keys/${name}`))!.data!.keys as Record<string, any>;
      assert.equal((read.keys as any)['1'].public_key, orig['1'].public_key, c.type);
    }
  }
});

test('restore refuses to overwrite unless forced, and refuses garbage', async () => {
  const t = await transit();
  await t.write('keys/k', { exportable: true, allow_plaintext_backup: true });
  const backup = (await t.call('read', 'backup/k'))!.data!.backup as string;
  await rejects(t.call('update', 'restore', { backup }), 400, 'key "k" already exists');
  await t.write('keys/k/rotate');
  assert.equal(await t.call('update', 'restore', { backup, force: true }), null);
  assert.equal((await t.call('read', 'keys/k'))!.data!.latest_version, 1);
  await rejects(t.call('update', 'restore', {}), 400, "'backup' must be supplied");
  await rejects(t.call('update', 'restore', { backup: b64('{"policy":{"type":99}}') }), 400, 'backup holds no supported key');
  await rejects(t.call('update', 'restore', { backup: b64('not json') }), 400, 'failed to decode the backup');
});
