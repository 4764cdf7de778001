/** Key lifecycle: create per type, Vault's read shape, list, delete, config, rotate, trim, auto-rotation. */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { test } from 'node:test';
import { autoRotate } from '../../../src/engines/transit/backend.js';
import { TransitStore } from '../../../src/engines/transit/store.js';
import { rejects, transit } from './helpers.js';

const TYPES: { type: string; enc: boolean; sign: boolean; derive: boolean; keys: 'time' | 'public' | 'none' }[] = [
  { type: 'aes128-gcm96', enc: true, sign: false, derive: true, keys: 'time' },
  { type: 'aes256-gcm96', enc: true, sign: false, derive: true, keys: 'time' },
  { type: 'chacha20-poly1305', enc: true, sign: false, derive: true, keys: 'time' },
  { type: 'ed25519', enc: false, sign: true, derive: true, keys: 'public' },
  { type: 'ecdsa-p256', enc: false, sign: true, derive: false, keys: 'public' },
  { type: 'ecdsa-p384', enc: false, sign: true, derive: false, keys: 'public' },
  { type: 'rsa-2048', enc: true, sign: true, derive: false, keys: 'public' },
  { type: 'hmac', enc: false, sign: false, derive: false, keys: 'none' },
];

test('every key type is created and read back in Vault\'s shape', async () => {
  const t = await transit();
  for (const c of TYPES) {
    const created = await t.write(`keys/k-${c.type}`, { type: c.type });
    assert.equal(created.type, c.type, c.type);
    const d = (await t.call('read', `keys/k-${c.type}`))!.data!;
    assert.deepEqual(
      [d.name, d.type, d.latest_version, d.min_decryption_version, d.min_encryption_version, d.min_available_version, d.deletion_allowed, d.exportable, d.derived],
      [`k-${c.type}`, c.type, 1, 1, 0, 0, false, false, false], c.type,
    );
    assert.deepEqual([d.supports_encryption, d.supports_decryption, d.supports_signing, d.supports_derivation], [c.enc, c.enc, c.sign, c.derive], c.type);
    assert.equal(d.auto_rotate_period, 0);
    if (c.keys === 'time') assert.deepEqual(d.keys, { 1: Math.floor(t.clock.now / 1000) });
    if (c.keys === 'none') assert.equal(d.keys, undefined);
    if (c.keys === 'public') {
      const v = (d.keys as Record<string, any>)['1'];
      assert.equal(v.creation_time, '2026-12-07T06:00:00Z');
      assert.ok(v.public_key, c.type);
      // The public key parses: PEM for ECDSA/RSA, raw base64 for ed25519.
      if (c.type === 'ed25519') assert.equal(Buffer.from(v.public_key, 'base64').length, 32);
      else assert.equal(createPublicKey(v.public_key).asymmetricKeyType, c.type.startsWith('rsa') ? 'rsa' : 'ec');
    }
    // No key material in the read.
    assert.doesNotMatch(JSON.stringify(d), /PRIVATE/);
  }
  assert.deepEqual(((await t.call('list', 'keys'))!.data!.keys as string[]).sort(), TYPES.map((c) => `k-${c.type}`).sort());
});

test('key material is stored, never in the read; the default type is aes256-gcm96; a second create warns', async () => {
  const t = await transit();
  const first = await t.write('keys/app');
  assert.equal(first.type, 'aes256-gcm96');
  const again = await t.call('update', 'keys/app', { type: 'rsa-2048' });
  assert.deepEqual(again!.warnings, ['key app already existed']);
  assert.equal(again!.data!.type, 'aes256-gcm96');
  const stored = await new TransitStore(t.storage).get('app');
  assert.equal(Buffer.from(stored!.keys['1']!.key!, 'base64').length, 32);
});

test('create refuses what Vault refuses, naming the problem', async () => {
  const t = await transit();
  const cases: [Record<string, unknown>, string][] = [
    [{ type: 'nope' }, 'unknown key type nope'],
    [{ convergent_encryption: true }, 'convergent encryption requires derivation to be enabled'],
    [{ type: 'ecdsa-p256', derived: true }, 'key derivation and convergent encryption not supported for keys of type ecdsa-p256'],
    [{ type: 'rsa-2048', derived: true }, 'key derivation and convergent encryption not supported for keys of type rsa-2048'],
    [{ type: 'ed25519', derived: true, convergent_encryption: true }, 'convergent encryption not supported for keys of type ed25519'],
    [{ auto_rotate_period: '30m' }, 'auto rotate period must be 0 to disable or at least an hour'],
    [{ key_size: 64 }, 'key_size is not valid for algorithm aes256-gcm96'],
    [{ type: 'hmac', key_size: 16 }, 'invalid key_size 16'],
  ];
  for (const [data, msg] of cases) await rejects(t.call('update', 'keys/bad', data), 400, msg);
  await rejects(t.call('update', 'keys/bad', { derived: 'maybe' }), 400, /field "derived"/);
  assert.equal(await t.call('read', 'keys/bad'), null);
  assert.equal(await t.call('list', 'keys'), null);
  const hmac = await t.write('keys/h', { type: 'hmac', key_size: 64 });
  assert.equal(hmac.key_size, 64);
});

test('delete needs deletion_allowed', async () => {
  const t = await transit();
  await t.write('keys/d');
  await rejects(t.call('delete', 'keys/d'), 400, 'error deleting policy d: deletion is not allowed for this key');
  await t.write('keys/d/config', { deletion_allowed: true });
  assert.equal(await t.call('delete', 'keys/d'), null);
  assert.equal(await t.call('read', 'keys/d'), null);
  await rejects(t.call('delete', 'keys/d'), 400, 'error deleting policy d: could not delete key; not found');
});

test('rotate, config and trim follow Vault\'s version rules', async () => {
  const t = await transit();
  await t.write('keys/r');
  await rejects(t.call('update', 'keys/none/rotate'), 400, 'key not found');
  await rejects(t.call('update', 'keys/none/config', { deletion_allowed: true }), 400, 'no existing key named none could be found');
  t.clock.now += 1000;
  await t.write('keys/r/rotate');
  t.clock.now += 1000;
  const rotated = await t.write('keys/r/rotate');
  assert.equal(rotated.latest_version, 3);
  assert.deepEqual(Object.keys(rotated.keys).sort(), ['1', '2', '3']);

  await rejects(t.call('update', 'keys/r/config', { min_decryption_version: 4 }), 400, 'cannot set min decryption version of 4, latest key version is 3');
  await rejects(t.call('update', 'keys/r/config', { min_encryption_version: 4 }), 400, 'cannot set min encryption version of 4, latest key version is 3');
  await rejects(t.call('update', 'keys/r/config', { min_decryption_version: 3, min_encryption_version: 2 }), 400,
    'cannot set min encryption/decryption values; min encryption version of 2 must be greater than or equal to min decryption version of 3');
  await rejects(t.call('update', 'keys/r/config', { min_decryption_version: -1 }), 400, 'min decryption version cannot be negative');
  // A refused change leaves the key as it was.
  assert.equal((await t.call('read', 'keys/r'))!.data!.min_decryption_version, 1);

  await rejects(t.call('update', 'keys/r/trim', { min_available_version: 2 }), 400, 'minimum available version cannot be set when minimum encryption version is not set');
  const cfg = await t.write('keys/r/config', { min_decryption_version: 2, min_encryption_version: 3 });
  assert.deepEqual([cfg.min_decryption_version, cfg.min_encryption_version], [2, 3]);
  await rejects(t.call('update', 'keys/r/trim', { min_available_version: 3 }), 400, 'minimum available version cannot be greater than minimum decryption version');
  await rejects(t.call('update', 'keys/r/trim', {}), 400, 'missing min_available_version');
  const trimmed = await t.write('keys/r/trim', { min_available_version: 2 });
  assert.deepEqual([trimmed.min_available_version, Object.keys(trimmed.keys).sort()], [2, ['2', '3']]);
  await rejects(t.call('update', 'keys/r/trim', { min_available_version: 1 }), 400, 'minimum available version cannot be decremented');
  await rejects(t.call('update', 'keys/r/config', { min_decryption_version: 1 }), 400, 'min decryption version should not be less then min available version');
  // Exportable can be granted but never withdrawn.
  assert.equal((await t.write('keys/r/config', { exportable: true })).exportable, true);
  assert.equal((await t.write('keys/r/config', { exportable: false })).exportable, true);
});

test('auto-rotation rotates keys whose period has passed, and only those', async () => {
  const t = await transit();
  await t.write('keys/auto', { auto_rotate_period: '1h' });
  await t.write('keys/manual');
  const env = { store: new TransitStore(t.storage), storage: t.storage, now: () => t.clock.now };
  assert.deepEqual(await autoRotate(env), []);
  t.clock.now += 3600_000;
  assert.deepEqual(await autoRotate(env), ['auto']);
  assert.equal((await t.call('read', 'keys/auto'))!.data!.latest_version, 2);
  assert.equal((await t.call('read', 'keys/manual'))!.data!.latest_version, 1);
  assert.equal((await t.write('keys/auto/config', { auto_rotate_period: 0 })).auto_rotate_period, 0);
  t.clock.now += 7200_000;
  assert.deepEqual(await autoRotate(env), []);
});

test('names outside Vault\'s pattern are refused', async () => {
  const t = await transit();
  await rejects(t.call('update', 'keys/-bad'), 400, 'invalid key name');
  await rejects(t.call('update', 'keys/..'), 400, 'invalid key name');
});
