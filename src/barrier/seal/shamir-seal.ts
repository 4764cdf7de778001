/**
 * The Shamir seal. A random 32-byte unseal key is split into shares in Vault's format (each
 * share is the secret's bytes evaluated at x, followed by x as the last byte: 33 bytes for
 * a 32-byte key); the root key is stored AES-GCM-encrypted under the unseal key. Unsealing
 * gathers `threshold` distinct shares, rebuilds the unseal key and opens the root key.
 * The seal configuration is the only thing stored in clear.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import type { Storage, StorageOp } from '../../storage/storage.js';
import { decrypt, encrypt } from '../aead.js';
import { ROOT_KEY_PATH, SEAL_CONFIG_PATH } from '../paths.js';

export interface SealConfig {
  type: 'shamir';
  secret_shares: number;
  secret_threshold: number;
}

export type SubmitResult =
  | { done: false; progress: number; threshold: number; nonce: string }
  | { done: true; rootKey: Uint8Array };

const KEY_BYTES = 32;
/** Vault accepts any share whose length fits an AES key (16 to 32 bytes) plus the x byte. */
const MIN_SHARE = 16;
const MAX_SHARE = 33;

/** Vault's SealConfig.Validate, in its order and wording; sys/init prefixes "invalid seal configuration: ". */
export function validateSealConfig(shares: number, threshold: number): void {
  const bad = (m: string): never => { throw new Error(`invalid seal configuration: ${m}`); };
  if (!Number.isInteger(shares) || shares < 1) bad('shares must be at least one');
  if (!Number.isInteger(threshold) || threshold < 1) bad('threshold must be at least one');
  if (shares > 1 && threshold < 2) bad('threshold must be greater than one for multiple shares');
  if (shares > 255) bad('shares must be less than 256');
  if (threshold > 255) bad('threshold must be less than 256');
  if (threshold > shares) bad('threshold cannot be larger than shares');
}

/** Splits a secret into Vault-format shares; with one share, the share is the secret itself (as Vault does). */
export async function splitSecret(secret: Uint8Array, shares: number, threshold: number): Promise<Uint8Array[]> {
  if (shares === 1 && threshold === 1) return [new Uint8Array(secret)];
  // The library checks `constructor === Uint8Array`, so a Buffer must be copied into a plain one.
  return split(new Uint8Array(secret), shares, threshold);
}

/** Rebuilds a secret from Vault-format shares; one share is the secret itself (threshold 1). */
export async function combineShares(shares: Uint8Array[]): Promise<Uint8Array> {
  if (shares.length === 1) return new Uint8Array(shares[0]!);
  return combine(shares.map((s) => new Uint8Array(s)));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export class ShamirSeal {
  private shares: Uint8Array[] = [];
  /** Identifies the current unseal attempt; '' when none is in progress (seal-status shows it). */
  nonce = '';
  /**
   * The unseal key, kept after a successful unseal (as Vault's Shamir wrapper keeps it) so a
   * new root key can be stored under it; dropped by forgetUnsealKey() on seal.
   */
  private unsealKey: Uint8Array | undefined;

  constructor(private readonly physical: Storage) {}

  async config(): Promise<SealConfig | undefined> {
    const raw = await this.physical.get(SEAL_CONFIG_PATH);
    if (!raw) return undefined;
    const cfg = JSON.parse(Buffer.from(raw).toString('utf8')) as SealConfig;
    if (cfg?.type !== 'shamir' || !Number.isInteger(cfg.secret_shares) || !Number.isInteger(cfg.secret_threshold)) {
      throw new Error('seal configuration is corrupt');
    }
    return cfg;
  }

  get progress(): number {
    return this.shares.length;
  }

  /** Discards the shares given so far (sys/unseal with reset=true, and on seal). */
  resetProgress(): void {
    for (const s of this.shares) s.fill(0);
    this.shares = [];
    this.nonce = '';
  }

  forgetUnsealKey(): void {
    this.unsealKey?.fill(0);
    this.unsealKey = undefined;
  }

  /**
   * Creates the unseal key and the root key; stores the root key under the unseal key and the
   * seal configuration, in one transaction. The caller (core) checks it is not initialized yet
   * and hands the root key to the barrier.
   */
  async initialize(shares: number, threshold: number): Promise<{ keys: Uint8Array[]; rootKey: Uint8Array }> {
    validateSealConfig(shares, threshold);
    const unsealKey = randomBytes(KEY_BYTES);
    const rootKey = new Uint8Array(randomBytes(KEY_BYTES));
    try {
      const keys = await splitSecret(unsealKey, shares, threshold);
      const cfg: SealConfig = { type: 'shamir', secret_shares: shares, secret_threshold: threshold };
      const ops: StorageOp[] = [
        { op: 'put', key: ROOT_KEY_PATH, value: encrypt(unsealKey, 0, rootKey, ROOT_KEY_PATH) },
        { op: 'put', key: SEAL_CONFIG_PATH, value: Buffer.from(JSON.stringify(cfg), 'utf8') },
      ];
      if (this.physical.transaction) await this.physical.transaction(ops);
      else for (const o of ops) if (o.op === 'put') await this.physical.put(o.key, o.value);
      this.resetProgress();
      return { keys, rootKey };
    } finally {
      unsealKey.fill(0);
    }
  }

  /** Opens the stored root key with an unseal key; undefined when the key does not open it. */
  async rootKeyFrom(unsealKey: Uint8Array): Promise<Uint8Array | undefined> {
    const blob = await this.physical.get(ROOT_KEY_PATH);
    if (!blob || unsealKey.length !== KEY_BYTES) return undefined;
    try {
      return new Uint8Array(decrypt(unsealKey, blob, ROOT_KEY_PATH));
    } catch {
      return undefined;
    }
  }

  /** For generate-root and rekey: does this (combined) unseal key open the stored root key? */
  async verifyUnsealKey(unsealKey: Uint8Array): Promise<boolean> {
    const root = await this.rootKeyFrom(unsealKey);
    root?.fill(0);
    return root !== undefined;
  }

  /**
   * The write that stores a new root key under the unseal key held since the last unseal, for
   * Barrier.rotateRootKey(newRootKey, [op]) to apply together with the re-encrypted keyring.
   */
  rootKeyWrite(rootKey: Uint8Array): StorageOp {
    if (!this.unsealKey) throw new Error('the unseal key is not available: unseal with the key shares first');
    return { op: 'put', key: ROOT_KEY_PATH, value: encrypt(this.unsealKey, 0, rootKey, ROOT_KEY_PATH) };
  }

  /**
   * One share towards unsealing, as Vault's sys/unseal takes it. A share already given in this
   * round is ignored (Vault neither counts nor rejects it). When the threshold is met the
   * round ends whatever the outcome: the shares are combined, and a combination that does
   * not open the root key is an error with progress back at zero.
   */
  async submitKey(key: Uint8Array): Promise<SubmitResult> {
    const cfg = await this.config();
    if (!cfg) throw new Error('Vault is not initialized');
    if (key.length < MIN_SHARE) throw new Error(`invalid key: key is shorter than minimum ${MIN_SHARE} bytes`);
    if (key.length > MAX_SHARE) throw new Error(`invalid key: key is longer than maximum ${MAX_SHARE} bytes`);
    if (!this.shares.some((s) => sameBytes(s, key))) {
      if (this.shares.length === 0) this.nonce = randomUUID();
      this.shares.push(new Uint8Array(key));
    }
    if (this.shares.length < cfg.secret_threshold) {
      return { done: false, progress: this.shares.length, threshold: cfg.secret_threshold, nonce: this.nonce };
    }
    // Take the round's shares before any await, so a concurrent submission starts a new round.
    const parts = this.shares;
    this.shares = [];
    this.nonce = '';
    let unsealKey: Uint8Array;
    try {
      unsealKey = await combineShares(parts);
    } catch (e) {
      throw new Error(`invalid key: failed to compute combined key: ${(e as Error).message}`);
    } finally {
      for (const p of parts) p.fill(0);
    }
    const rootKey = await this.rootKeyFrom(unsealKey);
    if (!rootKey) {
      unsealKey.fill(0);
      throw new Error('unseal failed, invalid key');
    }
    this.forgetUnsealKey();
    this.unsealKey = unsealKey;
    return { done: true, rootKey };
  }
}
