/**
 * A Backend's storage view: a key prefix over a Storage (in production the barrier, so
 * values are encrypted below it), with JSON helpers. A Backend never sees keys outside it.
 */
import type { Storage, StorageOp } from '../storage/storage.js';
import { badRequest } from '../lib/errors.js';
import type { LogicalStorage } from './types.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export class LogicalView implements LogicalStorage {
  constructor(private readonly storage: Storage, readonly prefix: string) {}

  private k(key: string): string {
    // Keys are built from names clients chose; a ".." among them is a bad request, never a way out of the view.
    if (key.includes('..') && key.split('/').includes('..')) throw badRequest('invalid path: ".." segments are not allowed');
    return this.prefix + key;
  }

  get(key: string) { return this.storage.get(this.k(key)); }
  put(key: string, value: Uint8Array) { return this.storage.put(this.k(key), value); }
  delete(key: string) { return this.storage.delete(this.k(key)); }
  list(prefix: string) { return this.storage.list(this.k(prefix)); }

  async transaction(ops: StorageOp[]): Promise<void> {
    const mapped = ops.map((o) => ({ ...o, key: this.k(o.key) }));
    if (this.storage.transaction) return this.storage.transaction(mapped);
    for (const o of mapped) {
      if (o.op === 'put') await this.storage.put(o.key, o.value);
      else await this.storage.delete(o.key);
    }
  }

  async getJSON<T>(key: string): Promise<T | undefined> {
    const v = await this.get(key);
    return v === undefined ? undefined : (JSON.parse(dec.decode(v)) as T);
  }

  putJSON(key: string, value: unknown): Promise<void> {
    return this.put(key, enc.encode(JSON.stringify(value)));
  }

  async listRecursive(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (p: string) => {
      for (const entry of await this.list(p)) {
        if (entry.endsWith('/')) await walk(p + entry);
        else out.push(p + entry);
      }
    };
    await walk(prefix);
    return out;
  }

  async clear(prefix = ''): Promise<void> {
    const keys = await this.listRecursive(prefix);
    for (let i = 0; i < keys.length; i += 500) {
      await this.transaction(keys.slice(i, i + 500).map((key) => ({ op: 'delete' as const, key })));
    }
  }

  /** A narrower view below this one. */
  sub(prefix: string): LogicalView {
    return new LogicalView(this.storage, this.prefix + prefix);
  }
}
