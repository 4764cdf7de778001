/**
 * The barrier's value format: [version 1 byte][term uint32 BE][nonce 12 bytes][ciphertext][tag 16 bytes],
 * AES-256-GCM with the storage key as additional data, so a ciphertext moved to another key
 * fails to authenticate instead of decrypting as that key's value.
 */
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';

const VERSION = 1;
const NONCE = 12;
const TAG = 16;
const HEADER = 1 + 4 + NONCE;
/** Bytes an encrypted value adds to its plaintext. */
export const OVERHEAD = HEADER + TAG;

/**
 * Random nonces are drawn from the CSPRNG in blocks: one call per value cost a system call
 * each on the write path. Every nonce is a fresh slice of the block, never handed out twice.
 */
const NONCE_BLOCK = NONCE * 512;
const noncePool = Buffer.allocUnsafe(NONCE_BLOCK);
let nonceAt = NONCE_BLOCK;

function nextNonce(): Buffer {
  if (nonceAt === NONCE_BLOCK) {
    randomFillSync(noncePool);
    nonceAt = 0;
  }
  const nonce = noncePool.subarray(nonceAt, nonceAt + NONCE);
  nonceAt += NONCE;
  return nonce;
}

export function encrypt(key: Uint8Array, term: number, plaintext: Uint8Array, aad: string): Buffer {
  if (!Number.isInteger(term) || term < 0 || term > 0xffffffff) throw new RangeError(`invalid key term ${term}`);
  const nonce = nextNonce();
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
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

function view(blob: Uint8Array): Buffer {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (b.length < OVERHEAD || b[0] !== VERSION) throw new Error('failed to decrypt: not a barrier ciphertext');
  return b;
}

/** The key term a value was written with. */
export function termOf(blob: Uint8Array): number {
  return view(blob).readUInt32BE(1);
}

export function decrypt(key: Uint8Array, blob: Uint8Array, aad: string): Buffer {
  const b = view(blob);
  const decipher = createDecipheriv('aes-256-gcm', key, b.subarray(5, HEADER));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(b.subarray(b.length - TAG));
  const out = decipher.update(b.subarray(HEADER, b.length - TAG));
  try {
    decipher.final();
  } catch {
    out.fill(0);
    throw new Error('failed to decrypt: message authentication failed');
  }
  return out;
}
