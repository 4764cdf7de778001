/**
 * The physical storage contract, like Vault's physical backends: opaque bytes under
 * `/`-separated keys. Everything above the barrier sees only ciphertext here.
 */
export type StorageOp =
  | { op: 'put'; key: string; value: Uint8Array }
  | { op: 'delete'; key: string };

/** A held HA lock: `lost` aborts if another node takes it or it cannot be renewed in time. */
export interface HALock {
  lost: AbortSignal;
  /** Gives the lock up (the next waiter gets it at once); `lost` does not fire for this. */
  release(): Promise<void>;
}

export interface Storage {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Immediate children of `prefix` (which is "" or ends in "/"): plain keys by their last
   * segment, "folders" as `segment/`. Sorted, no duplicates.
   */
  list(prefix: string): Promise<string[]>;
  /** All-or-nothing application of several writes, where the backend supports it. */
  transaction?(ops: StorageOp[]): Promise<void>;
  close?(): Promise<void>;
  /**
   * Present only on a backend configured for HA (ha_enabled): waits until this process holds
   * `key`, storing `value` (the holder's address) with it; rejects if `stop` aborts first.
   */
  lock?(key: string, value: string, stop?: AbortSignal): Promise<HALock>;
  /** The value stored with the live lock on `key`, if anyone holds it. */
  lockValue?(key: string): Promise<string | undefined>;
}

export interface StorageConfig {
  type: string;
  options: Record<string, string>;
}
