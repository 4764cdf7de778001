/**
 * The keyring: AES-256-GCM data keys by term. Rotation adds a term and makes it active; old
 * terms stay, so values written under them remain readable. A Keyring is never changed in
 * place: rotation builds the next one, which the barrier swaps in only once it is stored.
 */
import { randomBytes } from 'node:crypto';

export interface KeyTerm {
  term: number;
  key: Buffer;
  /** RFC 3339, as sys/key-status reports it. */
  installTime: string;
}

interface StoredKeyring {
  active: number;
  terms: { term: number; key: string; install_time: string }[];
}

const KEY_BYTES = 32;

export class Keyring {
  private constructor(
    private readonly terms: ReadonlyMap<number, KeyTerm>,
    readonly activeTerm: number,
  ) {}

  static create(now: Date = new Date()): Keyring {
    const first: KeyTerm = { term: 1, key: randomBytes(KEY_BYTES), installTime: now.toISOString() };
    return new Keyring(new Map([[1, first]]), 1);
  }

  /** A new keyring with one more term, active; this one is left as it was. */
  withNewTerm(now: Date = new Date()): { ring: Keyring; term: KeyTerm } {
    const term: KeyTerm = { term: this.activeTerm + 1, key: randomBytes(KEY_BYTES), installTime: now.toISOString() };
    const terms = new Map(this.terms);
    terms.set(term.term, term);
    return { ring: new Keyring(terms, term.term), term };
  }

  active(): KeyTerm {
    return this.terms.get(this.activeTerm)!;
  }

  get(term: number): KeyTerm | undefined {
    return this.terms.get(term);
  }

  get size(): number {
    return this.terms.size;
  }

  serialize(): Buffer {
    const stored: StoredKeyring = {
      active: this.activeTerm,
      terms: [...this.terms.values()].map((t) => ({ term: t.term, key: t.key.toString('base64'), install_time: t.installTime })),
    };
    return Buffer.from(JSON.stringify(stored), 'utf8');
  }

  static deserialize(buf: Uint8Array): Keyring {
    let parsed: StoredKeyring;
    try {
      parsed = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8')) as StoredKeyring;
    } catch {
      throw new Error('keyring is corrupt');
    }
    const terms = new Map<number, KeyTerm>();
    for (const t of Array.isArray(parsed?.terms) ? parsed.terms : []) {
      const key = Buffer.from(String(t.key), 'base64');
      if (!Number.isInteger(t.term) || t.term < 1 || key.length !== KEY_BYTES) throw new Error('keyring is corrupt');
      terms.set(t.term, { term: t.term, key, installTime: String(t.install_time) });
    }
    if (!terms.has(parsed.active)) throw new Error('keyring is corrupt');
    return new Keyring(terms, parsed.active);
  }

  /** Zeroes the key material (on seal), so it does not wait in memory for the collector. */
  wipe(): void {
    for (const t of this.terms.values()) t.key.fill(0);
  }
}
