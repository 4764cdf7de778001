/**
 * The keyring: AES-256-GCM data keys by term. Rotation adds a term; old terms stay so data
 * written under them remains readable. The keyring itself is sealed by the root key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface KeyTerm {
  term: number;
  key: Buffer;
  installTime: string;
}

const VERSION = 1;
const NONCE = 12;
const TAG = 16;
const HEADER = 1 + 4 + NONCE;

/** [version][term u32][nonce][ciphertext][tag]; the storage key is the AAD so values cannot be swapped between keys. */
export function seal(key: Buffer, term: number, plaintext: Uint8Array, aad: string): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad));
  const body = cipher.update(plaintext);
  cipher.final();
  const out = Buffer.allocUnsafe(HEADER + body.length + TAG);
  out[0] = VERSION;
  out.writeUInt32BE(term, 1);
  nonce.copy(out, 5);
  body.copy(out, HEADER);
  cipher.getAuthTag().copy(out, HEADER + body.length);
  return out;
}

export function termOf(blob: Uint8Array): number {
  if (blob.length < HEADER + TAG || blob[0] !== VERSION) throw new Error('invalid ciphertext');
  return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).readUInt32BE(1);
}

export function open(key: Buffer, blob: Uint8Array, aad: string): Buffer {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (b.length < HEADER + TAG || b[0] !== VERSION) throw new Error('invalid ciphertext');
  const decipher = createDecipheriv('aes-256-gcm', key, b.subarray(5, HEADER));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(b.subarray(b.length - TAG));
  const out = decipher.update(b.subarray(HEADER, b.length - TAG));
  decipher.final();
  return out;
}

export class Keyring {
  private readonly terms = new Map<number, KeyTerm>();
  activeTerm = 0;

  static create(): Keyring {
    const k = new Keyring();
    k.addTerm();
    return k;
  }

  addTerm(): KeyTerm {
    const t: KeyTerm = { term: this.activeTerm + 1, key: randomBytes(32), installTime: new Date().toISOString() };
    this.terms.set(t.term, t);
    this.activeTerm = t.term;
    return t;
  }

  active(): KeyTerm {
    return this.terms.get(this.activeTerm)!;
  }

  get(term: number): KeyTerm | undefined {
    return this.terms.get(term);
  }

  serialize(): Buffer {
    return Buffer.from(JSON.stringify({
      active: this.activeTerm,
      terms: [...this.terms.values()].map((t) => ({ term: t.term, key: t.key.toString('base64'), install_time: t.installTime })),
    }));
  }

  static deserialize(buf: Uint8Array): Keyring {
    const parsed = JSON.parse(Buffer.from(buf).toString('utf8')) as { active: number; terms: { term: number; key: string; install_time: string }[] };
    const k = new Keyring();
    for (const t of parsed.terms) k.terms.set(t.term, { term: t.term, key: Buffer.from(t.key, 'base64'), installTime: t.install_time });
    k.activeTerm = parsed.active;
    return k;
  }

  /** Drops key material from memory (on seal). */
  wipe(): void {
    for (const t of this.terms.values()) t.key.fill(0);
    this.terms.clear();
  }
}
