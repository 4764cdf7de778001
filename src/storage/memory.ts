/**
 * In-memory storage for dev mode and tests. Values are copied in and out, so a caller that
 * mutates a buffer after put (or the one get returned) cannot change what is stored.
 */
import type { Storage, StorageOp } from './storage.js';
import { checkOps, childOf } from './ops.js';

export class MemoryStorage implements Storage {
  private readonly data = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this.data.get(key);
    return v === undefined ? undefined : new Uint8Array(v);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    checkOps([{ op: 'put', key, value }]);
    this.data.set(key, new Uint8Array(value));
  }

  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    const out = new Set<string>();
    for (const key of this.data.keys()) {
      const child = childOf(prefix, key);
      if (child !== undefined) out.add(child);
    }
    return [...out].sort();
  }

  /** Validates every op before applying any, so a bad op leaves the map untouched. */
  async transaction(ops: StorageOp[]): Promise<void> {
    checkOps(ops);
    for (const op of ops) {
      if (op.op === 'put') this.data.set(op.key, new Uint8Array(op.value));
      else this.data.delete(op.key);
    }
  }
}
