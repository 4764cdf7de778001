/**
 * Response encryption for sinks (Vault Agent's `dh_type = "curve25519"`): the token is sealed
 * to a reader's public key, so only that reader can use what lands on disk. The envelope and
 * key agreement are Vault's (helper/dhutil), so a reader built on Vault's libraries opens it:
 * X25519 between a key pair the agent keeps for its lifetime and the reader's key, optionally
 * HKDF-SHA256 over the shared secret (salt and info: the two public keys, smaller first), then
 * AES-256-GCM with a fresh 12-byte nonce and the configured AAD.
 */
import { createCipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SinkEncryption } from './sink-config.js';

const KEY_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function x25519Public(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
}

function rawPublic(k: KeyObject): Buffer {
  return Buffer.from(k.export({ format: 'jwk' }).x!, 'base64url');
}

/** The reader's key file: {"curve25519_public_key": "<base64 of 32 bytes>"}. */
async function readReaderKey(path: string): Promise<Buffer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('no dh parameters file found, and no cached pub key');
    throw new Error(`error reading file for dh parameters: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = (JSON.parse(text) as { curve25519_public_key?: unknown })?.curve25519_public_key;
  } catch (e) {
    throw new Error(`error decoding public key: ${(e as Error).message}`);
  }
  if (value === undefined || value === null || value === '') throw new Error('public key is nil');
  if (typeof value !== 'string' || !BASE64.test(value)) throw new Error('error decoding public key: curve25519_public_key is not base64');
  const raw = Buffer.from(value, 'base64');
  if (raw.length !== KEY_BYTES) throw new Error(`error calculating shared key: invalid public key length: ${raw.length}`);
  return raw;
}

/** Vault's DeriveSharedKey: both sides order the public keys the same way, so both get one key. */
export function deriveSharedKey(secret: Buffer, ours: Buffer, theirs: Buffer): Buffer {
  const order = Buffer.compare(ours, theirs);
  if (order === 0) throw new Error('error deriving shared key: same public key supplied for both participants');
  const [first, second] = order < 0 ? [ours, theirs] : [theirs, ours];
  return Buffer.from(hkdfSync('sha256', secret, first, second, KEY_BYTES));
}

export class SinkEncryptor {
  /** Read once, then kept: as Vault, a reader key file removed later does not stop the sink. */
  private readerKey: Buffer | undefined;
  private ours: { publicRaw: Buffer; privateKey: KeyObject } | undefined;

  constructor(private readonly config: SinkEncryption, private readonly aad: string) {}

  /** The envelope JSON: {"curve25519_public_key", "nonce", "encrypted_payload"}, each base64. */
  async seal(plaintext: string): Promise<string> {
    this.readerKey ??= await readReaderKey(this.config.path);
    if (!this.ours) {
      const { publicKey, privateKey } = generateKeyPairSync('x25519');
      this.ours = { publicRaw: rawPublic(publicKey), privateKey };
    }
    let secret: Buffer;
    try {
      secret = diffieHellman({ privateKey: this.ours.privateKey, publicKey: x25519Public(this.readerKey) });
    } catch (e) {
      throw new Error(`error calculating shared key: ${(e as Error).message}`);
    }
    const key = this.config.deriveKey ? deriveSharedKey(secret, this.ours.publicRaw, this.readerKey) : secret;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(this.aad, 'utf8'));
    const payload = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return JSON.stringify({
      curve25519_public_key: this.ours.publicRaw.toString('base64'),
      nonce: nonce.toString('base64'),
      encrypted_payload: payload.toString('base64'),
    });
  }
}
