/**
 * The barrier: an encrypting Storage over the physical one. Everything that passes through
 * it is AES-256-GCM encrypted with the active keyring term; the keyring is stored under
 * `core/keyring`, encrypted with the root key. Only the seal configuration (and the
 * unseal-key-encrypted root key) live outside it, in clear or under their own encryption.
 * Decrypted values are kept in a bounded LRU because barrier reads are on the hot path.
 */
import type { Storage, StorageOp } from '../storage/storage.js';
import { Keyring, open, seal, termOf } from './keyring.js';

const KEYRING_KEY = 'core/keyring';
/** Keys the seal owns: written to physical storage directly. */
const PASSTHROUGH = new Set(['core/seal-config', 'core/root-key']);

export class Barrier implements Storage {
  private keyring: Keyring | undefined;
  private rootKey: Buffer | undefined;
  private readonly cache = new Map<string, Uint8Array | null>();
  private readonly cacheEntries: number;
  private encryptions = 0;

  constructor(private readonly physical: Storage, opts: { cacheEntries?: number } = {}) {
    this.cacheEntries = opts.cacheEntries ?? 10_000;
  }

  get sealed(): boolean {
    return this.keyring === undefined;
  }

  async initialized(): Promise<boolean> {
    return (await this.physical.get(KEYRING_KEY)) !== undefined;
  }

  async initialize(rootKey: Uint8Array): Promise<void> {
    if (await this.initialized()) throw new Error('barrier is already initialized');
    const keyring = Keyring.create();
    await this.physical.put(KEYRING_KEY, seal(Buffer.from(rootKey), 0, keyring.serialize(), KEYRING_KEY));
  }

  async unseal(rootKey: Uint8Array): Promise<void> {
    const blob = await this.physical.get(KEYRING_KEY);
    if (!blob) throw new Error('barrier is not initialized');
    let plain: Buffer;
    try {
      plain = open(Buffer.from(rootKey), blob, KEYRING_KEY);
    } catch {
      throw new Error('invalid key');
    }
    this.keyring = Keyring.deserialize(plain);
    this.rootKey = Buffer.from(rootKey);
    this.cache.clear();
  }

  seal(): void {
    this.keyring?.wipe();
    this.keyring = undefined;
    this.rootKey?.fill(0);
    this.rootKey = undefined;
    this.cache.clear();
  }

  private ring(): Keyring {
    if (!this.keyring) throw new Error('Vault is sealed');
    return this.keyring;
  }

  private async persistKeyring(): Promise<void> {
    await this.physical.put(KEYRING_KEY, seal(this.rootKey!, 0, this.ring().serialize(), KEYRING_KEY));
  }

  async rotate(): Promise<{ term: number; installTime: string }> {
    const t = this.ring().addTerm();
    await this.persistKeyring();
    this.encryptions = 0;
    return { term: t.term, installTime: t.installTime };
  }

  keyStatus(): { term: number; install_time: string; encryptions: number } {
    const t = this.ring().active();
    return { term: t.term, install_time: t.installTime, encryptions: this.encryptions };
  }

  async rotateRootKey(newRootKey: Uint8Array): Promise<void> {
    this.ring();
    this.rootKey = Buffer.from(newRootKey);
    await this.persistKeyring();
  }

  private remember(key: string, value: Uint8Array | null): void {
    if (this.cache.size >= this.cacheEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, value);
  }

  private encrypt(key: string, value: Uint8Array): Buffer {
    const t = this.ring().active();
    this.encryptions++;
    return seal(t.key, t.term, value, key);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    if (PASSTHROUGH.has(key)) return this.physical.get(key);
    const ring = this.ring();
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      // Refresh recency so hot keys stay.
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit === null ? undefined : hit;
    }
    const blob = await this.physical.get(key);
    if (!blob) {
      this.remember(key, null);
      return undefined;
    }
    const term = ring.get(termOf(blob));
    if (!term) throw new Error(`no encryption key for term ${termOf(blob)}`);
    const plain = new Uint8Array(open(term.key, blob, key));
    this.remember(key, plain);
    return plain;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    if (PASSTHROUGH.has(key)) return this.physical.put(key, value);
    const blob = this.encrypt(key, value);
    this.cache.delete(key);
    await this.physical.put(key, blob);
    this.remember(key, new Uint8Array(value));
  }

  async delete(key: string): Promise<void> {
    this.ring();
    this.cache.delete(key);
    await this.physical.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.ring();
    return this.physical.list(prefix);
  }

  async transaction(ops: StorageOp[]): Promise<void> {
    this.ring();
    const sealed: StorageOp[] = ops.map((o) => (o.op === 'put' && !PASSTHROUGH.has(o.key) ? { op: 'put', key: o.key, value: this.encrypt(o.key, o.value) } : o));
    for (const o of ops) this.cache.delete(o.key);
    if (this.physical.transaction) await this.physical.transaction(sealed);
    else for (const o of sealed) o.op === 'put' ? await this.physical.put(o.key, o.value) : await this.physical.delete(o.key);
  }

  close(): Promise<void> {
    return this.physical.close?.() ?? Promise.resolve();
  }
}
