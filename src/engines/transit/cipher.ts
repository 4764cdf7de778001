/**
 * Encryption and decryption with a transit key, byte-compatible with Vault: ciphertexts are
 * `vault:v<version>:<base64(nonce ‖ ciphertext ‖ tag)>`; derived keys come from
 * HKDF-SHA256(key, no salt, info = context); convergent (version 3) nonces are the first 12
 * bytes of HMAC-SHA256 over the plaintext, keyed by the 32 HKDF bytes after the encryption key.
 */
import { constants, createCipheriv, createDecipheriv, createHmac, hkdfSync, privateDecrypt, publicEncrypt, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { CofferError, badRequest } from '../../lib/errors.js';
import { isRSA, isSymmetric, supportsDecryption, supportsDerivation, supportsEncryption, symmetricKeyBytes, type KeyType } from './key-types.js';
import { CONVERGENT_VERSION, keyVersion, privateKeyObject, publicKeyObject, type KeyPolicy } from './policy.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const TOO_OLD = 'ciphertext or signature version is disallowed by policy (too old)';

/** Strict standard base64 (Go's StdEncoding): Node's decoder would silently skip bad characters. */
export function decodeBase64(s: string): Buffer {
  const bad = /[^A-Za-z0-9+/=]/.exec(s);
  if (bad) throw badRequest(`illegal base64 data at input byte ${bad.index}`);
  const pad = s.indexOf('=');
  if (s.length % 4 !== 0 || (pad !== -1 && (pad < s.length - 2 || !/^=*$/.test(s.slice(pad))))) {
    throw badRequest(`illegal base64 data at input byte ${pad !== -1 ? pad : s.length - (s.length % 4)}`);
  }
  return Buffer.from(s, 'base64');
}

/** Key bytes derived for one context (Vault's DeriveKey with the hkdf_sha256 KDF). */
export function deriveKey(p: KeyPolicy, ver: number, context: Buffer, n: number): Buffer {
  if (!supportsDerivation(p.type)) throw badRequest(`derivation not supported for key type ${p.type}`);
  if (ver <= 0 || ver > p.latest_version) throw badRequest('invalid key version');
  if (!context.length) {
    throw badRequest("missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key");
  }
  const ikm = Buffer.from(keyVersion(p, ver).key ?? '', 'base64');
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), context, n));
}

/** Raw key for non-derived keys, else the first n bytes derived from the context. */
function symmetricKey(p: KeyPolicy, ver: number, context: Buffer, n: number): Buffer {
  if (!p.derived) return Buffer.from(keyVersion(p, ver).key ?? '', 'base64');
  return deriveKey(p, ver, context, n);
}

function algorithm(t: KeyType): CipherGCMTypes | 'chacha20-poly1305' {
  return t === 'aes128-gcm96' ? 'aes-128-gcm' : t === 'aes256-gcm96' ? 'aes-256-gcm' : 'chacha20-poly1305';
}

function seal(t: KeyType, key: Buffer, nonce: Buffer, plaintext: Buffer, aad?: Buffer): Buffer {
  const c = createCipheriv(algorithm(t) as CipherGCMTypes, key, nonce, { authTagLength: TAG_BYTES });
  if (aad) c.setAAD(aad, { plaintextLength: plaintext.length });
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([nonce, body, c.getAuthTag()]);
}

function open(t: KeyType, key: Buffer, data: Buffer, aad?: Buffer): Buffer {
  if (data.length < NONCE_BYTES) throw badRequest('invalid ciphertext length');
  const nonce = data.subarray(0, NONCE_BYTES);
  const rest = data.subarray(NONCE_BYTES);
  // Go's AEAD Open says this for any short or forged input; the wording names the cipher as Go does.
  const failed = () => badRequest(t === 'chacha20-poly1305' ? 'chacha20poly1305: message authentication failed' : 'cipher: message authentication failed');
  if (rest.length < TAG_BYTES) throw failed();
  const d = createDecipheriv(algorithm(t) as CipherGCMTypes, key, nonce, { authTagLength: TAG_BYTES });
  d.setAuthTag(rest.subarray(rest.length - TAG_BYTES));
  if (aad) d.setAAD(aad, { plaintextLength: rest.length - TAG_BYTES });
  try {
    return Buffer.concat([d.update(rest.subarray(0, rest.length - TAG_BYTES)), d.final()]);
  } catch {
    throw failed();
  }
}

export interface CipherOptions {
  context?: Buffer;
  associatedData?: Buffer;
}

/** Resolves the version to encrypt or sign with, with Vault's errors for out-of-range requests. */
export function encryptionVersion(p: KeyPolicy, requested: number, op = 'encryption'): number {
  if (requested === 0) return p.latest_version;
  if (requested < 0) throw badRequest(`requested version for ${op} is negative`);
  if (requested > p.latest_version) throw badRequest(`requested version for ${op} is higher than the latest key version`);
  if (p.min_encryption_version > 0 && requested < p.min_encryption_version) {
    throw badRequest(`requested version for ${op} is less than the minimum encryption key version`);
  }
  return requested;
}

export function encrypt(p: KeyPolicy, requestedVersion: number, plaintext: Buffer, o: CipherOptions = {}): { ciphertext: string; version: number } {
  if (!supportsEncryption(p.type)) throw badRequest(`message encryption not supported for key type ${p.type}`);
  const ver = encryptionVersion(p, requestedVersion);
  let out: Buffer;
  if (isSymmetric(p.type)) {
    const encBytes = symmetricKeyBytes(p.type);
    const convergent = p.convergent_encryption;
    const key = symmetricKey(p, ver, o.context ?? Buffer.alloc(0), encBytes + (convergent ? 32 : 0));
    let nonce: Buffer;
    if (convergent) {
      const cv = keyVersion(p, ver).convergent_version ?? p.convergent_version;
      if (cv !== CONVERGENT_VERSION) throw badRequest(`refusing to support decryption with old convergent encryption key: version ${cv}`);
      nonce = createHmac('sha256', key.subarray(encBytes, encBytes + 32)).update(plaintext).digest().subarray(0, NONCE_BYTES);
    } else {
      nonce = randomBytes(NONCE_BYTES);
    }
    out = seal(p.type, key.subarray(0, encBytes), nonce, plaintext, o.associatedData);
  } else {
    try {
      out = publicEncrypt({ key: publicKeyObject(p, keyVersion(p, ver)), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, plaintext);
    } catch (e) {
      if (e instanceof CofferError) throw e;
      // Too long for the modulus: Go's rsa.ErrMessageTooLong, a user error in effect.
      throw badRequest('failed to RSA encrypt the plaintext: crypto/rsa: message too long for RSA key size');
    }
  }
  return { ciphertext: `vault:v${ver}:${out.toString('base64')}`, version: ver };
}

/** Splits `vault:v<n>:<base64>` with Vault's messages; `what` is "ciphertext" or "signature". */
export function parseVersioned(p: KeyPolicy, value: string, what: 'ciphertext' | 'signature'): { ver: number; body: string } {
  if (!value.startsWith('vault:v')) throw badRequest(`invalid ${what}: no prefix`);
  const rest = value.slice('vault:v'.length);
  const colon = rest.indexOf(':');
  if (colon === -1) throw badRequest(`invalid ${what}: wrong number of fields`);
  const vs = rest.slice(0, colon);
  if (!/^[+-]?\d+$/.test(vs)) throw badRequest(`invalid ${what}: version number could not be decoded`);
  let ver = Number(vs);
  // Keys once started at version zero; Vault still reads those as version 1.
  if (ver === 0) ver = 1;
  if (ver > p.latest_version) throw badRequest(`invalid ${what}: version is too new`);
  if (p.min_decryption_version > 0 && ver < p.min_decryption_version) throw badRequest(TOO_OLD);
  return { ver, body: rest.slice(colon + 1) };
}

export function decrypt(p: KeyPolicy, value: string, o: CipherOptions = {}): Buffer {
  if (!supportsDecryption(p.type)) throw badRequest(`message decryption not supported for key type ${p.type}`);
  const { ver, body } = parseVersioned(p, value, 'ciphertext');
  if (p.convergent_encryption) {
    const cv = keyVersion(p, ver).convergent_version ?? p.convergent_version;
    if (cv > 0 && cv < CONVERGENT_VERSION) throw badRequest(`refusing to support decryption with old convergent encryption key: version ${cv}`);
  }
  let data: Buffer;
  try {
    data = decodeBase64(body);
  } catch {
    throw badRequest('invalid ciphertext: could not decode base64');
  }
  if (isRSA(p.type)) {
    try {
      return privateDecrypt({ key: privateKeyObject(p, keyVersion(p, ver)), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, data);
    } catch (e) {
      if (e instanceof CofferError) throw e;
      // Vault answers 500 here; a ciphertext that does not open is the client's input, so 400. No key detail in the text.
      throw badRequest('failed to RSA decrypt the ciphertext: crypto/rsa: decryption error');
    }
  }
  const encBytes = symmetricKeyBytes(p.type);
  const key = symmetricKey(p, ver, o.context ?? Buffer.alloc(0), encBytes);
  return open(p.type, key.subarray(0, encBytes), data, o.associatedData);
}
