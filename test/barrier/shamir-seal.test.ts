import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { Barrier } from '../../src/barrier/barrier.js';
import { combineShares, ShamirSeal, splitSecret, validateSealConfig } from '../../src/barrier/seal/shamir-seal.js';
import { MemoryStorage } from '../../src/storage/memory.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Every k-subset of xs, in order. */
function subsets<T>(xs: T[], k: number): T[][] {
  if (k === 0) return [[]];
  return xs.flatMap((x, i) => subsets(xs.slice(i + 1), k - 1).map((rest) => [x, ...rest]));
}

async function initialized(shares: number, threshold: number) {
  const physical = new MemoryStorage();
  const seal = new ShamirSeal(physical);
  const { keys, rootKey } = await seal.initialize(shares, threshold);
  return { physical, seal, keys, rootKey };
}

describe('seal configuration (Vault wording)', () => {
  const cases: [number, number, string | null][] = [
    [1, 1, null],
    [5, 3, null],
    [2, 2, null],
    [255, 255, null],
    [255, 2, null],
    [0, 0, 'shares must be at least one'],
    [0, 1, 'shares must be at least one'],
    [3, 0, 'threshold must be at least one'],
    [3, 1, 'threshold must be greater than one for multiple shares'],
    [256, 3, 'shares must be less than 256'],
    [300, 256, 'shares must be less than 256'],
    [3, 4, 'threshold cannot be larger than shares'],
    [1, 2, 'threshold cannot be larger than shares'],
    [2.5, 2, 'shares must be at least one'],
  ];
  for (const [shares, threshold, error] of cases) {
    test(`${shares} shares, threshold ${threshold}: ${error ?? 'valid'}`, async () => {
      if (error === null) {
        validateSealConfig(shares, threshold);
        return;
      }
      assert.throws(() => validateSealConfig(shares, threshold), { message: `invalid seal configuration: ${error}` });
      // initialize validates before it writes anything.
      const physical = new MemoryStorage();
      await assert.rejects(new ShamirSeal(physical).initialize(shares, threshold), { message: `invalid seal configuration: ${error}` });
      assert.deepEqual(await physical.list(''), []);
    });
  }
});

describe('Vault share format', () => {
  // Shares of 00 01 … 1f made by Vault's own Shamir implementation (5 shares, threshold 3).
  const vaultShares = [
    'ae6064b15d6167da2cbdf21551525763cadbdbd0ab38ea5d31a526999d3a93be59',
    'd5a2c23b8e58f0d094804864c45740660c8f08bbb16606377f74935b8cd347a8aa',
    '385fbbf8ff7ca1a08fb1e1a2582c30ea14a3b40200f34d4bdea6070130f96de7c5',
    '2ffac3e079e62da7415fd0d0d474fabb619b3fde38f7df7df7873738609c15140a',
    'ff6413ef5927b5f8296c8c9547524815d743b2ebaac01f8c062b109142b75d0174',
  ].map((h) => new Uint8Array(Buffer.from(h, 'hex')));
  const secret = Uint8Array.from({ length: 32 }, (_, i) => i);

  test('any 3 of 5 shares made by Vault combine to the secret', async () => {
    for (const pick of subsets(vaultShares, 3)) assert.equal(hex(await combineShares(pick)), hex(secret));
  });

  test('2 of them do not', async () => {
    assert.notEqual(hex(await combineShares(vaultShares.slice(0, 2))), hex(secret));
  });

  test('our shares look like Vault\'s: 33 bytes, x-coordinate last and distinct, never 0', async () => {
    const shares = await splitSecret(secret, 5, 3);
    assert.equal(shares.length, 5);
    for (const s of shares) assert.equal(s.length, 33);
    const xs = shares.map((s) => s[32]!);
    assert.equal(new Set(xs).size, 5);
    assert.ok(!xs.includes(0));
    for (const pick of subsets(shares, 3)) assert.equal(hex(await combineShares(pick)), hex(secret));
  });

  test('one share is the secret itself, as Vault does for 1 of 1', async () => {
    const [only] = await splitSecret(Buffer.from(secret), 1, 1);
    assert.equal(hex(only!), hex(secret));
    assert.equal(hex(await combineShares([only!])), hex(secret));
  });
});

describe('ShamirSeal', () => {
  test('initialize 5/3: 33-byte keys, a 32-byte root key, the config in clear, the root key encrypted', async () => {
    const { physical, seal, keys, rootKey } = await initialized(5, 3);
    assert.equal(keys.length, 5);
    for (const k of keys) assert.equal(k.length, 33);
    assert.equal(rootKey.length, 32);
    assert.deepEqual(await seal.config(), { type: 'shamir', secret_shares: 5, secret_threshold: 3 });
    assert.deepEqual(JSON.parse(Buffer.from((await physical.get('core/seal-config'))!).toString()), { type: 'shamir', secret_shares: 5, secret_threshold: 3 });
    const stored = Buffer.from((await physical.get('core/root-key'))!);
    assert.ok(!stored.includes(Buffer.from(rootKey)));
    assert.equal(stored.length, 1 + 4 + 12 + 32 + 16);
  });

  test('config is undefined before initialize', async () => {
    assert.equal(await new ShamirSeal(new MemoryStorage()).config(), undefined);
  });

  test('submitKey counts progress under one nonce, then returns the root key and starts over', async () => {
    const { seal, keys, rootKey } = await initialized(5, 3);
    assert.equal(seal.progress, 0);
    assert.equal(seal.nonce, '');
    const r1 = await seal.submitKey(keys[4]!);
    assert.equal(r1.done, false);
    assert.ok(!r1.done && r1.progress === 1 && r1.threshold === 3);
    const nonce = seal.nonce;
    assert.match(nonce, /^[0-9a-f-]{36}$/);
    assert.ok(!r1.done && r1.nonce === nonce);
    const r2 = await seal.submitKey(keys[1]!);
    assert.ok(!r2.done && r2.progress === 2 && r2.nonce === nonce);
    const r3 = await seal.submitKey(keys[2]!);
    assert.ok(r3.done);
    assert.equal(hex(r3.rootKey), hex(rootKey));
    assert.equal(seal.progress, 0);
    assert.equal(seal.nonce, '');
  });

  test('every 3 of 5 keys unseal', async () => {
    const { physical, keys, rootKey } = await initialized(5, 3);
    for (const pick of subsets(keys, 3)) {
      const seal = new ShamirSeal(physical);
      let last;
      for (const k of pick) last = await seal.submitKey(k);
      assert.ok(last!.done && hex(last!.rootKey) === hex(rootKey));
    }
  });

  test('a key given twice in one round is ignored, as Vault ignores it', async () => {
    const { seal, keys } = await initialized(5, 3);
    await seal.submitKey(keys[0]!);
    const nonce = seal.nonce;
    const again = await seal.submitKey(Buffer.from(keys[0]!));
    assert.ok(!again.done && again.progress === 1 && again.nonce === nonce);
    await seal.submitKey(keys[1]!);
    const done = await seal.submitKey(keys[3]!);
    assert.ok(done.done);
  });

  test('threshold 1 of 1: the single 32-byte key unseals at once', async () => {
    const { seal, keys, rootKey } = await initialized(1, 1);
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.length, 32);
    const r = await seal.submitKey(keys[0]!);
    assert.ok(r.done && hex(r.rootKey) === hex(rootKey));
  });

  test('a wrong 1-of-1 key is refused', async () => {
    const { seal } = await initialized(1, 1);
    await assert.rejects(seal.submitKey(new Uint8Array(randomBytes(32))), { message: 'unseal failed, invalid key' });
    assert.equal(seal.progress, 0);
  });

  test('wrong shares: the round fails at the threshold and progress resets', async () => {
    const { seal, keys, rootKey } = await initialized(5, 3);
    const other = await initialized(5, 3);
    await seal.submitKey(keys[0]!);
    await seal.submitKey(keys[1]!);
    // A share of another seal: valid format, wrong polynomial.
    await assert.rejects(seal.submitKey(other.keys[2]!), { message: /^unseal failed, invalid key$|^invalid key: failed to compute combined key/ });
    assert.equal(seal.progress, 0);
    assert.equal(seal.nonce, '');
    // A fresh round with good keys still works.
    for (const k of keys.slice(2, 4)) await seal.submitKey(k);
    const r = await seal.submitKey(keys[4]!);
    assert.ok(r.done && hex(r.rootKey) === hex(rootKey));
  });

  test('random bytes in place of shares fail the round', async () => {
    const { seal } = await initialized(3, 2);
    const fake = () => { const k = new Uint8Array(randomBytes(33)); return k; };
    const a = fake();
    let b = fake();
    while (b[32] === a[32]) b = fake();
    await seal.submitKey(a);
    await assert.rejects(seal.submitKey(b), { message: 'unseal failed, invalid key' });
    assert.equal(seal.progress, 0);
  });

  test('shares with the same x-coordinate cannot be combined', async () => {
    const { seal, keys } = await initialized(3, 2);
    const twin = new Uint8Array(keys[0]!);
    twin[0]! ^= 0xff;
    await seal.submitKey(keys[0]!);
    await assert.rejects(seal.submitKey(twin), { message: /^invalid key: failed to compute combined key: / });
    assert.equal(seal.progress, 0);
  });

  test('key length is checked before it counts (Vault\'s bounds and wording)', async () => {
    const { seal, keys } = await initialized(5, 3);
    await seal.submitKey(keys[0]!);
    await assert.rejects(seal.submitKey(new Uint8Array(15)), { message: 'invalid key: key is shorter than minimum 16 bytes' });
    await assert.rejects(seal.submitKey(new Uint8Array(34)), { message: 'invalid key: key is longer than maximum 33 bytes' });
    assert.equal(seal.progress, 1);
  });

  test('submitKey before initialize', async () => {
    await assert.rejects(new ShamirSeal(new MemoryStorage()).submitKey(new Uint8Array(33)), { message: 'Vault is not initialized' });
  });

  test('resetProgress discards the round', async () => {
    const { seal, keys, rootKey } = await initialized(5, 3);
    await seal.submitKey(keys[0]!);
    await seal.submitKey(keys[1]!);
    seal.resetProgress();
    assert.equal(seal.progress, 0);
    assert.equal(seal.nonce, '');
    const r = await seal.submitKey(keys[2]!);
    assert.ok(!r.done && r.progress === 1);
    await seal.submitKey(keys[3]!);
    const done = await seal.submitKey(keys[0]!);
    assert.ok(done.done && hex(done.rootKey) === hex(rootKey));
  });

  test('concurrent submissions at the threshold unseal once and leave no stale round', async () => {
    const { seal, keys } = await initialized(5, 3);
    await seal.submitKey(keys[0]!);
    await seal.submitKey(keys[1]!);
    const results = await Promise.all([seal.submitKey(keys[2]!), seal.submitKey(keys[3]!)]);
    assert.ok(results.some((r) => r.done));
    assert.ok(seal.progress <= 1);
  });

  test('verifyUnsealKey and rootKeyFrom (generate-root)', async () => {
    const { seal, keys, rootKey } = await initialized(5, 3);
    const unsealKey = await combineShares(keys.slice(1, 4));
    assert.equal(await seal.verifyUnsealKey(unsealKey), true);
    assert.equal(hex((await seal.rootKeyFrom(unsealKey))!), hex(rootKey));
    assert.equal(await seal.verifyUnsealKey(await combineShares(keys.slice(0, 2))), false);
    assert.equal(await seal.verifyUnsealKey(new Uint8Array(16)), false);
  });

  test('root key rotation: the barrier and the seal switch together', async () => {
    const { physical, seal, keys, rootKey } = await initialized(5, 3);
    const barrier = new Barrier(physical);
    await barrier.initialize(rootKey);
    assert.throws(() => seal.rootKeyWrite(rootKey), /unseal key is not available/);
    for (const k of keys.slice(0, 3)) {
      const r = await seal.submitKey(k);
      if (r.done) await barrier.unseal(r.rootKey);
    }
    await barrier.put('app/secret', new TextEncoder().encode('survives'));
    const newRoot = new Uint8Array(randomBytes(32));
    await barrier.rotateRootKey(newRoot, [seal.rootKeyWrite(newRoot)]);
    seal.forgetUnsealKey();
    barrier.seal();
    assert.throws(() => seal.rootKeyWrite(newRoot), /unseal key is not available/);

    // The same unseal keys now open the new root key, which opens the keyring.
    const again = new ShamirSeal(physical);
    let opened: Uint8Array | undefined;
    for (const k of keys.slice(2, 5)) {
      const r = await again.submitKey(k);
      if (r.done) opened = r.rootKey;
    }
    assert.equal(hex(opened!), hex(newRoot));
    await barrier.unseal(opened!);
    assert.equal(Buffer.from((await barrier.get('app/secret'))!).toString(), 'survives');
  });
});
