/**
 * The barrier: an encrypting Storage over the physical one. Every value that passes through
 * it is AES-256-GCM encrypted with the keyring's active term (see aead.ts for the format);
 * the keyring is stored at `core/keyring`, encrypted with the root key. Only the seal
 * configuration passes through in clear. Decrypted values are kept in a bounded LRU because
 * barrier reads are on every request's path.
 */
import { checkOps } from '../storage/ops.js';
import type { Storage, StorageOp } from '../storage/storage.js';
import { decrypt, encrypt, termOf } from './aead.js';
import { Keyring } from './keyring.js';
import { LruCache } from './lru.js';
import { isClearKey, isReservedKey, KEYRING_PATH } from './paths.js';

export interface BarrierOptions {
  /** Decrypted values kept in memory (default 10,000; 0 turns the cache off). */
  cacheEntries?: number;
  /** Upper bound on the cached plaintext bytes (default 64 MiB). */
  cacheBytes?: number;
  /** The clock for key install times (tests inject one). */
  now?: () => Date;
}

const ROOT_KEY_BYTES = 32;
/** The keyring blob carries term 0: it is encrypted with the root key, not a keyring term. */
const ROOT_TERM = 0;

const sealedError = () => new Error('Vault is sealed');

function checkRootKey(rootKey: Uint8Array): void {
  if (!(rootKey instanceof Uint8Array) || rootKey.length !== ROOT_KEY_BYTES) throw new Error('invalid key');
}

function reservedError(key: string): Error {
  return new Error(`"${key}" is reserved for the barrier and the seal`);
}

export class Barrier implements Storage {
  private keyring: Keyring | undefined;
  private rootKey: Buffer | undefined;
  private readonly cache: LruCache<Uint8Array | null>;
  private readonly now: () => Date;
  /**
   * Bumped when a write starts, when it ends, and on seal. A read caches what it decrypted only
   * if the epoch did not move while it waited on storage, so a read racing a write can never
   * leave the old value cached.
   */
  private epoch = 0;
  private encryptions = 0;
  /** Keyring changes run one at a time: two concurrent rotations must not both persist term n+1. */
  private keyringLock: Promise<unknown> = Promise.resolve();

  constructor(private readonly physical: Storage, opts: BarrierOptions = {}) {
    this.cache = new LruCache<Uint8Array | null>(
      opts.cacheEntries ?? 10_000,
      opts.cacheBytes ?? 64 * 1024 * 1024,
      (v) => v?.byteLength ?? 0,
      (v) => v?.fill(0),
    );
    this.now = opts.now ?? (() => new Date());
  }

  get sealed(): boolean {
    return this.keyring === undefined;
  }

  async initialized(): Promise<boolean> {
    return (await this.physical.get(KEYRING_PATH)) !== undefined;
  }

  /** Creates the first keyring term and stores the keyring under the root key. Leaves the barrier sealed. */
  async initialize(rootKey: Uint8Array): Promise<void> {
    checkRootKey(rootKey);
    if (await this.initialized()) throw new Error('Vault is already initialized');
    const ring = Keyring.create(this.now());
    try {
      await this.physical.put(KEYRING_PATH, encrypt(rootKey, ROOT_TERM, ring.serialize(), KEYRING_PATH));
    } finally {
      ring.wipe();
    }
  }

  async unseal(rootKey: Uint8Array): Promise<void> {
    checkRootKey(rootKey);
    const blob = await this.physical.get(KEYRING_PATH);
    if (!blob) throw new Error('Vault is not initialized');
    let plain: Buffer;
    try {
      plain = decrypt(rootKey, blob, KEYRING_PATH);
    } catch {
      throw new Error('invalid key');
    }
    let ring: Keyring;
    try {
      ring = Keyring.deserialize(plain);
    } finally {
      plain.fill(0);
    }
    if (this.keyring) this.seal();
    this.keyring = ring;
    this.rootKey = Buffer.from(rootKey);
    this.encryptions = 0;
  }

  seal(): void {
    this.epoch++;
    this.cache.clear();
    this.keyring?.wipe();
    this.keyring = undefined;
    this.rootKey?.fill(0);
    this.rootKey = undefined;
  }

  private ring(): Keyring {
    if (!this.keyring) throw sealedError();
    return this.keyring;
  }

  private withKeyringLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.keyringLock.then(fn, fn);
    this.keyringLock = run.catch(() => undefined);
    return run;
  }

  /** Stores `ring` (and `alsoWrite`) in one physical transaction, under `rootKey`. */
  private async storeKeyring(ring: Keyring, rootKey: Uint8Array, alsoWrite: StorageOp[] = []): Promise<void> {
    const blob = encrypt(rootKey, ROOT_TERM, ring.serialize(), KEYRING_PATH);
    await applyAtomically(this.physical, [{ op: 'put', key: KEYRING_PATH, value: blob }, ...alsoWrite]);
  }

  /** sys/rotate: a new term becomes active once it is durably stored; old terms stay readable. */
  rotate(): Promise<{ term: number; installTime: string }> {
    return this.withKeyringLock(async () => {
      const current = this.ring();
      const { ring, term } = current.withNewTerm(this.now());
      try {
        await this.storeKeyring(ring, this.rootKey!);
      } catch (e) {
        term.key.fill(0);
        throw e;
      }
      if (this.keyring !== current) {
        // Sealed (or re-unsealed) while storing: the stored keyring is right, this copy is stale.
        term.key.fill(0);
        throw sealedError();
      }
      this.keyring = ring;
      this.encryptions = 0;
      return { term: term.term, installTime: term.installTime };
    });
  }

  /** sys/key-status. `encryptions` counts values written with the active term since it was installed or this unseal. */
  keyStatus(): { term: number; install_time: string; encryptions: number } {
    const t = this.ring().active();
    return { term: t.term, install_time: t.installTime, encryptions: this.encryptions };
  }

  /**
   * Re-encrypts the keyring under a new root key. `alsoWrite` joins the same physical
   * transaction: the seal's copy of the new root key must land together with the keyring it
   * opens, or a crash between the two writes would lose both.
   */
  rotateRootKey(newRootKey: Uint8Array, alsoWrite: StorageOp[] = []): Promise<void> {
    checkRootKey(newRootKey);
    return this.withKeyringLock(async () => {
      const ring = this.ring();
      await this.storeKeyring(ring, newRootKey, alsoWrite);
      if (this.keyring !== ring) throw sealedError();
      this.rootKey?.fill(0);
      this.rootKey = Buffer.from(newRootKey);
    });
  }

  private encryptFor(ring: Keyring, key: string, value: Uint8Array): Buffer {
    const t = ring.active();
    this.encryptions++;
    return encrypt(t.key, t.term, value, key);
  }

  private decryptFor(ring: Keyring, key: string, blob: Uint8Array): Uint8Array {
    const termNumber = termOf(blob);
    const term = ring.get(termNumber);
    if (!term) throw new Error(`failed to decrypt: no key for term ${termNumber}`);
    const plain = decrypt(term.key, blob, key);
    const out = new Uint8Array(plain);
    plain.fill(0);
    return out;
  }

  /** Runs a physical write with the cache and epoch bookkeeping every write needs. */
  private async write(keys: string[], apply: () => Promise<void>, cacheAfter?: { key: string; value: Uint8Array }): Promise<void> {
    const started = ++this.epoch;
    for (const k of keys) this.cache.delete(k);
    let ok = false;
    try {
      await apply();
      ok = true;
    } finally {
      // Nothing else written or sealed meanwhile: the cache may hold what storage now holds.
      const quiet = this.epoch === started;
      this.epoch++;
      for (const k of keys) this.cache.delete(k);
      if (ok && quiet && cacheAfter) this.cache.set(cacheAfter.key, cacheAfter.value);
      else cacheAfter?.value.fill(0);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    if (isClearKey(key)) return this.physical.get(key);
    if (!this.keyring) throw sealedError();
    if (isReservedKey(key)) throw reservedError(key);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit === null ? undefined : hit.slice();
    const epoch = this.epoch;
    const blob = await this.physical.get(key);
    const ring = this.ring();
    if (blob === undefined) {
      if (this.epoch === epoch) this.cache.set(key, null);
      return undefined;
    }
    const plain = this.decryptFor(ring, key, blob);
    if (this.epoch === epoch) this.cache.set(key, plain.slice());
    return plain;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    checkOps([{ op: 'put', key, value }]);
    if (isClearKey(key)) return this.write([], () => this.physical.put(key, value));
    const ring = this.ring();
    if (isReservedKey(key)) throw reservedError(key);
    const blob = this.encryptFor(ring, key, value);
    await this.write([key], () => this.physical.put(key, blob), { key, value: new Uint8Array(value) });
  }

  async delete(key: string): Promise<void> {
    if (isClearKey(key)) return this.write([], () => this.physical.delete(key));
    this.ring();
    if (isReservedKey(key)) throw reservedError(key);
    await this.write([key], () => this.physical.delete(key));
  }

  async list(prefix: string): Promise<string[]> {
    this.ring();
    return this.physical.list(prefix);
  }

  async transaction(ops: StorageOp[]): Promise<void> {
    checkOps(ops);
    const ring = this.ring();
    const reserved = ops.find((o) => isReservedKey(o.key));
    if (reserved) throw reservedError(reserved.key);
    const encrypted: StorageOp[] = ops.map((o) =>
      o.op === 'put' && !isClearKey(o.key) ? { op: 'put', key: o.key, value: this.encryptFor(ring, o.key, o.value) } : o);
    await this.write(ops.map((o) => o.key), () => applyAtomically(this.physical, encrypted));
  }

  /** Seals (dropping every key from memory) and closes the physical storage. */
  async close(): Promise<void> {
    this.seal();
    await this.physical.close?.();
  }
}

/** One physical transaction when the backend has them; otherwise in order, as LogicalView does. */
async function applyAtomically(physical: Storage, ops: StorageOp[]): Promise<void> {
  if (physical.transaction) return physical.transaction(ops);
  for (const o of ops) {
    if (o.op === 'put') await physical.put(o.key, o.value);
    else await physical.delete(o.key);
  }
}
