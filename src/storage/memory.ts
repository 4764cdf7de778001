/** In-memory storage for dev mode and tests. Keys are kept sorted lazily for list(). */
import type { Storage, StorageOp } from './storage.js';

export class MemoryStorage implements Storage {
  private readonly data = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this.data.get(key);
    return v ? v.slice() : undefined;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.data.set(key, value.slice());
  }

  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    const out = new Set<string>();
    for (const key of this.data.keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      out.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return [...out].sort();
  }

  async transaction(ops: StorageOp[]): Promise<void> {
    for (const op of ops) {
      if (op.op === 'put') this.data.set(op.key, op.value.slice());
      else this.data.delete(op.key);
    }
  }
}
