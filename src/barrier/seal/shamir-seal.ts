/**
 * The Shamir seal: a random unseal key is split into shares (Vault's format: each share is
 * the key's length plus one byte of x-coordinate); the root key is stored encrypted under
 * the unseal key. Unsealing gathers `threshold` distinct shares, rebuilds the unseal key and
 * opens the root key. The seal configuration is the only thing stored in clear.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import type { Storage } from '../../storage/storage.js';
import { open, seal } from '../keyring.js';

export interface SealConfig {
  type: 'shamir';
  secret_shares: number;
  secret_threshold: number;
}

const CONFIG_KEY = 'core/seal-config';
const ROOT_KEY = 'core/root-key';

export function validateSealConfig(shares: number, threshold: number): void {
  const bad = (m: string) => { throw new Error(`invalid seal configuration: ${m}`); };
  if (!Number.isInteger(shares) || shares < 1) bad('shares must be at least one');
  if (!Number.isInteger(threshold) || threshold < 1) bad('threshold must be at least one');
  if (shares > 1 && threshold === 1) bad('threshold must be greater than one for multiple shares');
  if (shares > 255) bad('shares must be less than 256');
  if (threshold > 255) bad('threshold must be less than 256');
  if (threshold > shares) bad('threshold cannot be larger than shares');
}

export async function splitSecret(secret: Uint8Array, shares: number, threshold: number): Promise<Uint8Array[]> {
  // The library insists on a plain Uint8Array (a Buffer is refused).
  if (shares === 1) return [new Uint8Array(secret)];
  return split(new Uint8Array(secret), shares, threshold);
}

export async function combineShares(shares: Uint8Array[]): Promise<Uint8Array> {
  if (shares.length === 1) return shares[0]!;
  return combine(shares.map((s) => new Uint8Array(s)));
}

export class ShamirSeal {
  private shares: Uint8Array[] = [];
  nonce = '';

  constructor(private readonly physical: Storage) {}

  async config(): Promise<SealConfig | undefined> {
    const raw = await this.physical.get(CONFIG_KEY);
    return raw ? (JSON.parse(Buffer.from(raw).toString('utf8')) as SealConfig) : undefined;
  }

  get progress(): number {
    return this.shares.length;
  }

  resetProgress(): void {
    for (const s of this.shares) s.fill(0);
    this.shares = [];
    this.nonce = '';
  }

  async initialize(shares: number, threshold: number): Promise<{ keys: Uint8Array[]; rootKey: Uint8Array }> {
    validateSealConfig(shares, threshold);
    const unsealKey = randomBytes(32);
    const rootKey = randomBytes(32);
    const keys = await splitSecret(unsealKey, shares, threshold);
    await this.physical.put(ROOT_KEY, seal(unsealKey, 0, rootKey, ROOT_KEY));
    const cfg: SealConfig = { type: 'shamir', secret_shares: shares, secret_threshold: threshold };
    await this.physical.put(CONFIG_KEY, Buffer.from(JSON.stringify(cfg)));
    return { keys: keys.map((k) => new Uint8Array(k)), rootKey };
  }

  /** Opens the stored root key with an unseal key; undefined when the key is wrong. */
  async rootKeyFrom(unsealKey: Uint8Array): Promise<Uint8Array | undefined> {
    const blob = await this.physical.get(ROOT_KEY);
    if (!blob) return undefined;
    try {
      return new Uint8Array(open(Buffer.from(unsealKey), blob, ROOT_KEY));
    } catch {
      return undefined;
    }
  }

  async verifyUnsealKey(unsealKey: Uint8Array): Promise<boolean> {
    return (await this.rootKeyFrom(unsealKey)) !== undefined;
  }

  /**
   * One share towards unsealing. A share already given this round is ignored, as Vault does;
   * once the threshold is met the shares are combined and the progress starts over.
   */
  async submitKey(key: Uint8Array): Promise<{ done: false; progress: number; threshold: number; nonce: string } | { done: true; rootKey: Uint8Array }> {
    const cfg = await this.config();
    if (!cfg) throw new Error('Vault is not initialized');
    const expected = cfg.secret_shares === 1 ? 32 : 33;
    if (key.length !== expected) throw new Error(`invalid key length: expected ${expected} bytes`);
    const dup = this.shares.some((s) => s.length === key.length && timingSafeEqual(Buffer.from(s), Buffer.from(key)));
    if (!dup) {
      if (!this.nonce) this.nonce = randomUUID();
      this.shares.push(new Uint8Array(key));
    }
    if (this.shares.length < cfg.secret_threshold) {
      return { done: false, progress: this.shares.length, threshold: cfg.secret_threshold, nonce: this.nonce };
    }
    let unsealKey: Uint8Array;
    try {
      unsealKey = new Uint8Array(await combineShares(this.shares));
    } catch {
      this.resetProgress();
      throw new Error('failed to combine unseal key shares: invalid key');
    }
    this.resetProgress();
    const rootKey = await this.rootKeyFrom(unsealKey);
    if (!rootKey) throw new Error('invalid key: the unseal key shares do not open the root key');
    return { done: true, rootKey };
  }
}
