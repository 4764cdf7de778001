import assert from 'node:assert/strict';
import { test } from 'node:test';
import { V2Store } from '../../../src/engines/kv/v2-store.js';
import { LogicalView } from '../../../src/framework/logical.js';
import { MemoryStorage } from '../../../src/storage/memory.js';

/** Memory storage whose next read can be held until the test lets it go. */
class HeldStorage extends MemoryStorage {
  hold: Promise<void> | undefined;
  override async get(key: string) {
    const value = await super.get(key);
    if (this.hold) await this.hold;
    return value;
  }
}

const rec = (foo: string) => ({ created_time: 1, deletion_time: 0, destroyed: false, data: { foo } });

test('a version read racing a write of that version never leaves the old record cached', async () => {
  const physical = new HeldStorage();
  const store = new V2Store(new LogicalView(physical, 'kv/'), 'u/', { now: () => 1 });
  await store.write([store.putVersionOp('a', 1, rec('old'))]);

  let release!: () => void;
  physical.hold = new Promise((r) => { release = r; });
  const racing = store.version('a', 1);
  // While the read waits on storage (holding the old value), the version is rewritten.
  await new Promise((r) => setImmediate(r));
  physical.hold = undefined;
  await store.write([store.putVersionOp('a', 1, rec('new'))]);
  release();
  assert.equal((await racing)?.data?.foo, 'old');
  assert.equal((await store.version('a', 1))?.data?.foo, 'new');
});

test('reads are served from the cache until a write touches the version', async () => {
  const physical = new MemoryStorage();
  const store = new V2Store(new LogicalView(physical, 'kv/'), 'u/', { now: () => 1 });
  await store.write([store.putVersionOp('a', 1, rec('one'))]);
  const first = await store.version('a', 1);
  assert.equal(await store.version('a', 1), first, 'the same decoded record, not a re-parse');
  await store.write([{ op: 'delete', key: store.versionKey('a', 1) }]);
  assert.equal(await store.version('a', 1), undefined);
  store.clearCaches();
  assert.equal(await store.version('a', 1), undefined);
});
