/**
 * The physical storage contract, like Vault's physical backends: opaque bytes under
 * `/`-separated keys. Everything above the barrier sees only ciphertext here.
 */
export type StorageOp =
  | { op: 'put'; key: string; value: Uint8Array }
  | { op: 'delete'; key: string };

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
}

export interface StorageConfig {
  type: string;
  options: Record<string, string>;
}
