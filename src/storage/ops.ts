/** Helpers every Storage implementation shares, so they agree on validation and on list(). */
import type { StorageOp } from './storage.js';

/** Throws on the first malformed op; called before a transaction applies anything. */
export function checkOps(ops: readonly StorageOp[]): void {
  if (!Array.isArray(ops)) throw new TypeError('storage transaction: ops must be an array');
  for (const [i, op] of ops.entries()) {
    if (typeof op?.key !== 'string') throw new TypeError(`storage transaction: op ${i}: key must be a string`);
    if (op.op === 'put') {
      if (!(op.value instanceof Uint8Array)) throw new TypeError(`storage transaction: op ${i}: value must be a Uint8Array`);
    } else if (op.op !== 'delete') {
      throw new TypeError(`storage transaction: op ${i}: unknown op "${String((op as { op: unknown }).op)}"`);
    }
  }
}

/**
 * The entry `key` contributes to list(prefix): its next segment, with a trailing '/' when
 * more segments follow (a "folder"); undefined when the key is not under the prefix.
 */
export function childOf(prefix: string, key: string): string | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const slash = key.indexOf('/', prefix.length);
  return slash === -1 ? key.slice(prefix.length) : key.slice(prefix.length, slash + 1);
}
