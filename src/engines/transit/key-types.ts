/**
 * The key types transit knows and what each can do (Vault's keysutil.KeyType and its
 * Supported() methods), in one table so paths never switch on type names themselves.
 */
export const KEY_TYPES = [
  'aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305', 'ed25519',
  'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'hmac',
] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export const isKeyType = (t: string): t is KeyType => (KEY_TYPES as readonly string[]).includes(t);

export const isSymmetric = (t: KeyType) => t === 'aes128-gcm96' || t === 'aes256-gcm96' || t === 'chacha20-poly1305';
export const isRSA = (t: KeyType) => t.startsWith('rsa-');
export const isECDSA = (t: KeyType) => t.startsWith('ecdsa-');

export const supportsEncryption = (t: KeyType) => isSymmetric(t) || isRSA(t);
export const supportsDecryption = supportsEncryption;
export const supportsSigning = (t: KeyType) => t === 'ed25519' || isECDSA(t) || isRSA(t);
export const supportsDerivation = (t: KeyType) => isSymmetric(t) || t === 'ed25519';
/** ECDSA and RSA sign a digest of the input; ed25519 signs the message itself. */
export const hashesSignatureInput = (t: KeyType) => isECDSA(t) || isRSA(t);

/** Symmetric key length in bytes. */
export const symmetricKeyBytes = (t: KeyType) => (t === 'aes128-gcm96' ? 16 : 32);

export const rsaBits = (t: KeyType) => Number(t.slice(4));

export const ecCurve = (t: KeyType) => ({ 'ecdsa-p256': 'P-256', 'ecdsa-p384': 'P-384', 'ecdsa-p521': 'P-521' } as Record<string, string>)[t]!;
export const ecCurveBits = (t: KeyType) => ({ 'ecdsa-p256': 256, 'ecdsa-p384': 384, 'ecdsa-p521': 521 } as Record<string, number>)[t]!;

/** Vault's HMAC key size bounds (bytes). */
export const HMAC_MIN_KEY_SIZE = 32;
export const HMAC_MAX_KEY_SIZE = 512;

/** Vault's hash names → node:crypto digest names. */
export const HASHES: Record<string, string> = {
  'sha1': 'sha1', 'sha2-224': 'sha224', 'sha2-256': 'sha256', 'sha2-384': 'sha384', 'sha2-512': 'sha512',
  'sha3-224': 'sha3-224', 'sha3-256': 'sha3-256', 'sha3-384': 'sha3-384', 'sha3-512': 'sha3-512',
};
