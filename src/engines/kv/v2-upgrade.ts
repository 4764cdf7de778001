/**
 * Turning a KV v1 mount into v2 (`sys/mounts/<path>/tune` with options.version=2): every
 * unversioned key at the root of the view becomes version 1 of the same secret. Each key
 * moves in one transaction (new version + metadata in, old key out), so a crash midway
 * leaves every secret readable in exactly one layout and the next start finishes the job.
 */
import type { Logger } from '../../lib/logger.js';
import { newMeta, V2Store, type StorageOp } from './v2-store.js';

const MARKER = 'upgrade-done';

async function v1Keys(store: V2Store, prefix: string, out: string[]): Promise<void> {
  for (const entry of await store.storage.list(prefix)) {
    const key = prefix + entry;
    if (key === store.prefix) continue; // the versioned data itself
    if (entry.endsWith('/')) await v1Keys(store, key, out);
    else out.push(key);
  }
}

export async function upgradeFromV1(store: V2Store, logger: Logger): Promise<void> {
  if (await store.storage.get(store.prefix + MARKER)) return;
  const keys: string[] = [];
  await v1Keys(store, '', keys);
  if (keys.length) logger.info({ keys: keys.length }, 'upgrading unversioned kv data to versioned');
  for (const key of keys) {
    const raw = await store.storage.get(key);
    const data = raw && V2Store.decodeV1(raw);
    if (!data) continue;
    const now = store.now();
    const meta = { ...newMeta(now), current_version: 1 };
    const ops: StorageOp[] = [
      store.putVersionOp(key, 1, { created_time: now, deletion_time: 0, destroyed: false, data }),
      { op: 'delete', key },
    ];
    await store.commit(key, ops, meta);
  }
  await store.storage.putJSON(store.prefix + MARKER, { done: true, time: new Date(store.now()).toISOString() });
}
