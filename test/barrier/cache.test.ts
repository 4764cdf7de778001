/**
 * The barrier's cache of decrypted values. Each test proves a hit by changing the physical
 * storage underneath (a hit still answers the old value) and proves invalidation by the
 * barrier answering what storage now holds.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { Barrier } from '../../src/barrier/barrier.js';
import { LruCache } from '../../src/barrier/lru.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { StorageOp } from '../../src/storage/storage.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString());

/** Real memory storage whose reads and writes take a while, as a networked database's do. */
class SlowStorage extends MemoryStorage {
  /** A read takes its snapshot at once and answers after readMs; a write lands after writeMs. */
  readMs = 0;
  writeMs = 0;
  private wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  override async get(key: string) { const v = await super.get(key); await this.wait(this.readMs); return v; }
  override async put(key: string, value: Uint8Array) { await this.wait(this.writeMs); return super.put(key, value); }
  override async delete(key: string) { await this.wait(this.writeMs); return super.delete(key); }
  override async transaction(ops: StorageOp[]) { await this.wait(this.writeMs); return super.transaction(ops); }
}

async function setup(opts: { cacheEntries?: number; cacheBytes?: number } = {}) {
  const physical = new SlowStorage();
  const key = new Uint8Array(randomBytes(32));
  const b = new Barrier(physical, opts);
  await b.initialize(key);
  await b.unseal(key);
  /** Removes a value behind the barrier's back. */
  const dropPhysically = (k: string) => physical.delete(k);
  return { b, physical, key, dropPhysically };
}

describe('Barrier cache', () => {
  test('a read is cached; put, delete and transaction invalidate', async () => {
    const { b, dropPhysically } = await setup();
    await b.put('c/a', bytes('one'));
    assert.equal(text(await b.get('c/a')), 'one');
    await dropPhysically('c/a');
    assert.equal(text(await b.get('c/a')), 'one', 'served from the cache');

    await b.put('c/a', bytes('two'));
    assert.equal(text(await b.get('c/a')), 'two');

    await b.delete('c/a');
    assert.equal(await b.get('c/a'), undefined);

    await b.put('c/t', bytes('before'));
    assert.equal(text(await b.get('c/t')), 'before');
    await b.transaction([{ op: 'put', key: 'c/t', value: bytes('after') }, { op: 'put', key: 'c/u', value: bytes('u') }]);
    assert.equal(text(await b.get('c/t')), 'after');
    await b.transaction([{ op: 'delete', key: 'c/t' }]);
    assert.equal(await b.get('c/t'), undefined);
  });

  test('a missing key is cached as missing, and a put replaces that', async () => {
    const { b, physical } = await setup();
    assert.equal(await b.get('c/none'), undefined);
    await b.put('c/none', bytes('now here'));
    assert.equal(text(await b.get('c/none')), 'now here');
    // And a negative entry is a hit too: a value slipped in underneath is not seen.
    assert.equal(await b.get('c/ghost'), undefined);
    await physical.put('c/ghost', (await physical.get('c/none'))!);
    assert.equal(await b.get('c/ghost'), undefined);
  });

  test('seal empties the cache', async () => {
    const { b, key, dropPhysically } = await setup();
    await b.put('c/s', bytes('v'));
    assert.equal(text(await b.get('c/s')), 'v');
    b.seal();
    await dropPhysically('c/s');
    await b.unseal(key);
    assert.equal(await b.get('c/s'), undefined);
  });

  test('bounded by entries: the least recently used entry goes first', async () => {
    const { b, dropPhysically } = await setup({ cacheEntries: 2 });
    for (const k of ['c/1', 'c/2', 'c/3']) await b.put(k, bytes(k));
    // Cached now: c/2, c/3 (writes populate the cache). Touch c/2 so c/3 is the coldest.
    await b.get('c/2');
    await b.get('c/1'); // miss: loads c/1, evicts c/3
    for (const k of ['c/1', 'c/2', 'c/3']) await dropPhysically(k);
    assert.equal(text(await b.get('c/1')), 'c/1');
    assert.equal(text(await b.get('c/2')), 'c/2');
    assert.equal(await b.get('c/3'), undefined, 'c/3 was evicted, so the barrier read storage');
  });

  test('bounded by bytes: a value larger than the budget is not cached', async () => {
    const { b, dropPhysically } = await setup({ cacheBytes: 1024 });
    await b.put('c/big', new Uint8Array(4096));
    await b.put('c/small', bytes('s'));
    await b.get('c/big');
    await dropPhysically('c/big');
    await dropPhysically('c/small');
    assert.equal(await b.get('c/big'), undefined);
    assert.equal(text(await b.get('c/small')), 's');
  });

  test('cached values are copies: mutating what get returned does not change the next get', async () => {
    const { b } = await setup();
    await b.put('c/m', bytes('intact'));
    (await b.get('c/m'))!.fill(0);
    (await b.get('c/m'))!.fill(0);
    assert.equal(text(await b.get('c/m')), 'intact');
  });

  test('a read that finishes after a put never leaves the old value cached', async () => {
    const { b, physical, key } = await setup();
    await b.put('race/k', bytes('old'));
    b.seal();
    await b.unseal(key);
    physical.readMs = 30;
    physical.writeMs = 5;
    const read = b.get('race/k'); // snapshots "old", answers at 30 ms
    const write = b.put('race/k', bytes('new')); // lands at 5 ms and caches "new"
    await write;
    assert.equal(text(await read), 'old');
    physical.readMs = physical.writeMs = 0;
    assert.equal(text(await b.get('race/k')), 'new');
  });

  test('a read that starts and ends during a slow write does not outlive it in the cache', async () => {
    const { b, physical } = await setup();
    await b.put('race/d', bytes('present'));
    physical.readMs = 2;
    physical.writeMs = 30;
    const del = b.delete('race/d');
    const read = b.get('race/d'); // misses (the delete dropped the entry), reads before the delete lands
    assert.equal(text(await read), 'present');
    await del;
    physical.readMs = physical.writeMs = 0;
    assert.equal(await b.get('race/d'), undefined);
  });

  test('a read in flight when the barrier seals caches nothing and fails', async () => {
    const { b, physical, key } = await setup();
    await b.put('race/s', bytes('v'));
    b.seal();
    await b.unseal(key);
    physical.readMs = 20;
    const read = b.get('race/s');
    b.seal();
    await assert.rejects(read, { message: 'Vault is sealed' });
    physical.readMs = 0;
    await physical.delete('race/s');
    await b.unseal(key);
    assert.equal(await b.get('race/s'), undefined);
  });

  test('cacheEntries: 0 turns the cache off', async () => {
    const { b, dropPhysically } = await setup({ cacheEntries: 0 });
    await b.put('c/off', bytes('v'));
    assert.equal(text(await b.get('c/off')), 'v');
    await dropPhysically('c/off');
    assert.equal(await b.get('c/off'), undefined);
  });
});

describe('LruCache', () => {
  test('evicts the least recently used entry and disposes what leaves', () => {
    const gone: string[] = [];
    const c = new LruCache<string>(3, 1e6, (v) => v.length, (v) => gone.push(v));
    c.set('a', 'A');
    c.set('b', 'B');
    c.set('c', 'C');
    assert.equal(c.get('a'), 'A');
    c.set('d', 'D');
    assert.equal(c.get('b'), undefined);
    assert.deepEqual(gone, ['B']);
    c.set('a', 'A2');
    assert.deepEqual(gone, ['B', 'A']);
    c.delete('c');
    c.clear();
    assert.deepEqual(gone.sort(), ['A', 'A2', 'B', 'C', 'D']);
    assert.equal(c.size, 0);
    assert.equal(c.totalBytes, 0);
  });

  test('counts bytes (value and key) and evicts to stay under the budget', () => {
    const c = new LruCache<string>(100, 10, (v) => v.length);
    c.set('k1', 'xxx'); // 5
    c.set('k2', 'yyy'); // 10
    assert.equal(c.totalBytes, 10);
    c.set('k3', 'z'); // 3 → k1 evicted
    assert.equal(c.get('k1'), undefined);
    assert.equal(c.totalBytes, 8);
    c.set('k4', 'w'.repeat(20)); // over budget alone: not cached
    assert.equal(c.get('k4'), undefined);
    assert.equal(c.totalBytes, 8);
  });

  test('re-setting the same value object does not dispose it', () => {
    const gone: Uint8Array[] = [];
    const c = new LruCache<Uint8Array>(10, 1e6, (v) => v.length, (v) => gone.push(v));
    const v = new Uint8Array([1]);
    c.set('k', v);
    c.set('k', v);
    assert.equal(gone.length, 0);
  });
});
