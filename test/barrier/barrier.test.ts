import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Barrier } from '../../src/barrier/barrier.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage, StorageOp } from '../../src/storage/storage.js';
import { runStorageConformance } from '../storage/conformance.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString());
const rootKey = () => new Uint8Array(randomBytes(32));

async function unsealed(physical: Storage = new MemoryStorage(), key = rootKey(), opts = {}): Promise<{ b: Barrier; physical: Storage; key: Uint8Array }> {
  const b = new Barrier(physical, opts);
  await b.initialize(key);
  await b.unseal(key);
  return { b, physical, key };
}

/** Real storage with a switch that makes the next writes fail, as a full disk would. */
class FailingStorage extends MemoryStorage {
  failWrites = false;
  override async put(key: string, value: Uint8Array) {
    if (this.failWrites) throw new Error('disk full');
    return super.put(key, value);
  }
  override async transaction(ops: StorageOp[]) {
    if (this.failWrites) throw new Error('disk full');
    return super.transaction(ops);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'coffer-barrier-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runStorageConformance('barrier over memory', async () => (await unsealed()).b);
runStorageConformance('barrier over sqlite', async () => (await unsealed(new SqliteStorage(join(dir, `c${++n}.db`)))).b);
runStorageConformance('barrier without a cache', async () => (await unsealed(new MemoryStorage(), rootKey(), { cacheEntries: 0 })).b);

describe('Barrier lifecycle', () => {
  test('initialize stores an encrypted keyring and leaves the barrier sealed', async () => {
    const physical = new MemoryStorage();
    const b = new Barrier(physical);
    assert.equal(await b.initialized(), false);
    const key = rootKey();
    await b.initialize(key);
    assert.equal(await b.initialized(), true);
    assert.equal(b.sealed, true);
    const stored = (await physical.get('core/keyring'))!;
    assert.equal(stored[0], 1, 'version byte');
    assert.equal(Buffer.from(stored).readUInt32BE(1), 0, 'the keyring is under the root key, term 0');
    assert.ok(!Buffer.from(stored).toString('latin1').includes('"terms"'), 'keyring JSON is not in clear');
    await assert.rejects(b.initialize(key), { message: 'Vault is already initialized' });
  });

  test('initialize and unseal refuse a root key that is not 32 bytes', async () => {
    const b = new Barrier(new MemoryStorage());
    await assert.rejects(b.initialize(new Uint8Array(16)), { message: 'invalid key' });
    await b.initialize(rootKey());
    await assert.rejects(b.unseal(new Uint8Array(31)), { message: 'invalid key' });
  });

  test('unseal before initialize says so', async () => {
    await assert.rejects(new Barrier(new MemoryStorage()).unseal(rootKey()), { message: 'Vault is not initialized' });
  });

  test('a wrong root key is "invalid key" and the barrier stays sealed', async () => {
    const b = new Barrier(new MemoryStorage());
    await b.initialize(rootKey());
    await assert.rejects(b.unseal(rootKey()), { message: 'invalid key' });
    assert.equal(b.sealed, true);
  });

  test('while sealed every data operation says "Vault is sealed"', async () => {
    const { b } = await unsealed();
    await b.put('x/y', bytes('v'));
    b.seal();
    assert.equal(b.sealed, true);
    const ops: [string, () => unknown][] = [
      ['get', () => b.get('x/y')],
      ['put', () => b.put('x/y', bytes('w'))],
      ['delete', () => b.delete('x/y')],
      ['list', () => b.list('x/')],
      ['transaction', () => b.transaction([{ op: 'delete', key: 'x/y' }])],
      ['rotate', () => b.rotate()],
      ['rotateRootKey', () => b.rotateRootKey(rootKey())],
      ['keyStatus', () => b.keyStatus()],
    ];
    for (const [name, op] of ops) {
      await assert.rejects(async () => op(), { message: 'Vault is sealed' }, name);
    }
  });

  test('seal, then unseal with the same root key: data is back', async () => {
    const { b, key } = await unsealed();
    await b.put('kept/k', bytes('value'));
    b.seal();
    await b.unseal(key);
    assert.equal(text(await b.get('kept/k')), 'value');
  });
});

describe('Barrier encryption', () => {
  test('values are stored as [version][term][nonce][ciphertext][tag], never in clear', async () => {
    const { b, physical } = await unsealed();
    const secret = 'the-plaintext-must-not-be-stored-' + randomBytes(8).toString('hex');
    await b.put('enc/k', bytes(secret));
    const raw = Buffer.from((await physical.get('enc/k'))!);
    assert.equal(raw.length, 1 + 4 + 12 + secret.length + 16);
    assert.equal(raw[0], 1);
    assert.equal(raw.readUInt32BE(1), 1);
    assert.ok(!raw.includes(Buffer.from(secret)));
    assert.ok(!raw.includes(Buffer.from(secret.slice(0, 12))));
    // Same plaintext twice: fresh nonce, different ciphertext.
    await b.put('enc/k2', bytes(secret));
    assert.ok(!raw.equals(Buffer.from((await physical.get('enc/k2'))!)));
  });

  test('a ciphertext moved to another key does not decrypt (the key is the AAD)', async () => {
    const { b, physical, key } = await unsealed();
    await b.put('swap/a', bytes('A'));
    await b.put('swap/b', bytes('B'));
    await physical.put('swap/b', (await physical.get('swap/a'))!);
    b.seal();
    await b.unseal(key);
    await assert.rejects(b.get('swap/b'), { message: /failed to decrypt/ });
    assert.equal(text(await b.get('swap/a')), 'A');
  });

  test('a tampered ciphertext does not decrypt', async () => {
    const { b, physical, key } = await unsealed();
    await b.put('tamper/a', bytes('some value'));
    const raw = Buffer.from((await physical.get('tamper/a'))!);
    raw[20] ^= 1;
    await physical.put('tamper/a', raw);
    b.seal();
    await b.unseal(key);
    await assert.rejects(b.get('tamper/a'), { message: /failed to decrypt/ });
  });

  test('a value written by another barrier (another keyring) does not decrypt', async () => {
    const one = await unsealed();
    const two = await unsealed();
    await one.b.put('x', bytes('1'));
    await two.physical.put('x', (await one.physical.get('x'))!);
    await assert.rejects(two.b.get('x'), { message: /failed to decrypt/ });
  });

  test('core/seal-config passes through in clear and is readable while sealed', async () => {
    const { b, physical } = await unsealed();
    const cfg = bytes('{"type":"shamir","secret_shares":1,"secret_threshold":1}');
    await b.put('core/seal-config', cfg);
    assert.equal(text(await physical.get('core/seal-config')), text(cfg));
    b.seal();
    assert.equal(text(await b.get('core/seal-config')), text(cfg));
  });

  test('the keyring and the root key cannot be overwritten through the barrier', async () => {
    const { b } = await unsealed();
    for (const key of ['core/keyring', 'core/root-key']) {
      await assert.rejects(b.put(key, bytes('x')), { message: /reserved/ });
      await assert.rejects(b.delete(key), { message: /reserved/ });
      await assert.rejects(b.get(key), { message: /reserved/ });
      await assert.rejects(b.transaction([{ op: 'put', key: 'ok/k', value: bytes('1') }, { op: 'delete', key }]), { message: /reserved/ });
    }
    assert.equal(await b.get('ok/k'), undefined, 'the refused transaction wrote nothing');
  });
});

describe('Barrier key rotation', () => {
  test('rotate adds a term; old values stay readable, new ones use the new term', async () => {
    let clock = new Date('2026-01-01T00:00:00.000Z');
    const physical = new MemoryStorage();
    const key = rootKey();
    const { b } = await unsealed(physical, key, { now: () => clock });
    assert.deepEqual(b.keyStatus(), { term: 1, install_time: '2026-01-01T00:00:00.000Z', encryptions: 0 });
    await b.put('rot/old', bytes('written under term 1'));
    assert.equal(b.keyStatus().encryptions, 1);

    clock = new Date('2026-02-01T12:00:00.000Z');
    assert.deepEqual(await b.rotate(), { term: 2, installTime: '2026-02-01T12:00:00.000Z' });
    assert.deepEqual(b.keyStatus(), { term: 2, install_time: '2026-02-01T12:00:00.000Z', encryptions: 0 });
    await b.put('rot/new', bytes('written under term 2'));
    await b.transaction([{ op: 'put', key: 'rot/tx', value: bytes('tx under term 2') }]);
    assert.equal(b.keyStatus().encryptions, 2);

    const termOf = async (k: string) => Buffer.from((await physical.get(k))!).readUInt32BE(1);
    assert.equal(await termOf('rot/old'), 1);
    assert.equal(await termOf('rot/new'), 2);
    assert.equal(await termOf('rot/tx'), 2);

    // A fresh barrier on the same storage (a restart) reads both terms.
    const restarted = new Barrier(physical);
    await restarted.unseal(key);
    assert.equal(restarted.keyStatus().term, 2);
    assert.equal(text(await restarted.get('rot/old')), 'written under term 1');
    assert.equal(text(await restarted.get('rot/new')), 'written under term 2');
    await restarted.put('rot/old', bytes('rewritten'));
    assert.equal(await termOf('rot/old'), 2);
  });

  test('concurrent rotations each get their own term, all stored', async () => {
    const physical = new MemoryStorage();
    const key = rootKey();
    const { b } = await unsealed(physical, key);
    const writes: Promise<void>[] = [];
    const terms = await Promise.all([1, 2, 3].map(async (i) => {
      const r = await b.rotate();
      writes.push(b.put(`crot/${i}`, bytes(`v${i}`)));
      return r.term;
    }));
    await Promise.all(writes);
    assert.deepEqual(terms.sort(), [2, 3, 4]);
    const restarted = new Barrier(physical);
    await restarted.unseal(key);
    assert.equal(restarted.keyStatus().term, 4);
    for (const i of [1, 2, 3]) assert.equal(text(await restarted.get(`crot/${i}`)), `v${i}`);
  });

  test('a rotation that cannot be stored changes nothing', async () => {
    const physical = new FailingStorage();
    const key = rootKey();
    const { b } = await unsealed(physical, key);
    physical.failWrites = true;
    await assert.rejects(b.rotate(), { message: 'disk full' });
    physical.failWrites = false;
    assert.equal(b.keyStatus().term, 1);
    await b.put('after/fail', bytes('still term 1'));
    const restarted = new Barrier(physical);
    await restarted.unseal(key);
    assert.equal(text(await restarted.get('after/fail')), 'still term 1');
  });

  test('rotateRootKey: the new root key unseals, the old one no longer does', async () => {
    const physical = new MemoryStorage();
    const oldKey = rootKey();
    const { b } = await unsealed(physical, oldKey);
    await b.put('rk/v', bytes('kept'));
    await b.rotate();
    const newKey = rootKey();
    await b.rotateRootKey(newKey, [{ op: 'put', key: 'core/seal-extra', value: bytes('same transaction') }]);
    assert.equal(text(await physical.get('core/seal-extra')), 'same transaction');
    const restarted = new Barrier(physical);
    await assert.rejects(restarted.unseal(oldKey), { message: 'invalid key' });
    await restarted.unseal(newKey);
    assert.equal(text(await restarted.get('rk/v')), 'kept');
    assert.equal(restarted.keyStatus().term, 2);
    // The in-memory root key moved too: a later rotation is stored under the new key.
    await b.rotate();
    const again = new Barrier(physical);
    await again.unseal(newKey);
    assert.equal(again.keyStatus().term, 3);
  });

  test('a root key rotation that cannot be stored keeps the old root key', async () => {
    const physical = new FailingStorage();
    const oldKey = rootKey();
    const { b } = await unsealed(physical, oldKey);
    physical.failWrites = true;
    await assert.rejects(b.rotateRootKey(rootKey()), { message: 'disk full' });
    physical.failWrites = false;
    await b.rotate();
    const restarted = new Barrier(physical);
    await restarted.unseal(oldKey);
    assert.equal(restarted.keyStatus().term, 2);
  });
});
