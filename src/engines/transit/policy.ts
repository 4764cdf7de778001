/**
 * A named transit key ("policy" in Vault's keysutil): its settings and every key version.
 * Key material lives only here, serialized into the mount's storage (below the barrier).
 */
import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { badRequest, internal } from '../../lib/errors.js';
import { ecCurve, isECDSA, isRSA, isSymmetric, rsaBits, symmetricKeyBytes, type KeyType } from './key-types.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Vault's current convergent-encryption scheme: nonce = HMAC-SHA256(derived hmac key, plaintext). */
export const CONVERGENT_VERSION = 3;

export interface KeyVersion {
  /** Base64: the symmetric or HMAC key, or for ed25519 the 64 bytes seed‖public key (Go's layout, which derivation feeds to HKDF). */
  key?: string;
  /** Base64: the per-version HMAC key (the same as `key` for hmac keys). */
  hmac_key: string;
  /** Base64 PKCS#8 DER (ECDSA, RSA). */
  private_key?: string;
  /** As Vault shows it: PEM for ECDSA and RSA, base64 of the raw key for ed25519. */
  public_key?: string;
  /** Creation time, ms since the epoch. */
  time: number;
  convergent_version?: number;
}

export interface KeyPolicy {
  name: string;
  type: KeyType;
  derived: boolean;
  convergent_encryption: boolean;
  convergent_version: number;
  exportable: boolean;
  allow_plaintext_backup: boolean;
  deletion_allowed: boolean;
  /** Seconds; 0 disables. */
  auto_rotate_period: number;
  latest_version: number;
  min_decryption_version: number;
  min_encryption_version: number;
  min_available_version: number;
  key_size?: number;
  keys: Record<string, KeyVersion>;
  backup_info?: { time: string; version: number };
  restore_info?: { time: string; version: number };
}

export interface NewPolicyOptions {
  name: string;
  type: KeyType;
  derived?: boolean;
  convergent?: boolean;
  exportable?: boolean;
  allowPlaintextBackup?: boolean;
  autoRotatePeriod?: number;
  keySize?: number;
}

/** The creation rules Vault's lock manager applies before the first version is made. */
export function checkNewPolicy(o: NewPolicyOptions): void {
  const t = o.type;
  if (isSymmetric(t)) {
    if (o.convergent && !o.derived) throw badRequest('convergent encryption requires derivation to be enabled');
  } else if (t === 'ed25519') {
    if (o.convergent) throw badRequest(`convergent encryption not supported for keys of type ${t}`);
  } else if (o.derived || o.convergent) {
    throw badRequest(`key derivation and convergent encryption not supported for keys of type ${t}`);
  }
}

export async function newPolicy(o: NewPolicyOptions, now: number): Promise<KeyPolicy> {
  checkNewPolicy(o);
  const p: KeyPolicy = {
    name: o.name, type: o.type, derived: !!o.derived, convergent_encryption: !!o.convergent,
    convergent_version: o.convergent ? CONVERGENT_VERSION : 0, exportable: !!o.exportable,
    allow_plaintext_backup: !!o.allowPlaintextBackup, deletion_allowed: false, auto_rotate_period: o.autoRotatePeriod ?? 0,
    latest_version: 0, min_decryption_version: 1, min_encryption_version: 0, min_available_version: 0, keys: {},
  };
  if (o.type === 'hmac') p.key_size = o.keySize || 32;
  await rotate(p, now);
  return p;
}

/** Adds a new latest version (Vault's RotateInMemory). */
export async function rotate(p: KeyPolicy, now: number): Promise<void> {
  const v: KeyVersion = { hmac_key: randomBytes(32).toString('base64'), time: now };
  if (isSymmetric(p.type)) {
    v.key = randomBytes(symmetricKeyBytes(p.type)).toString('base64');
  } else if (p.type === 'hmac') {
    v.key = randomBytes(p.key_size || 32).toString('base64');
    v.hmac_key = v.key;
  } else if (p.type === 'ed25519') {
    const { privateKey } = await generateKeyPairAsync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' });
    const seed = Buffer.from(jwk.d!, 'base64url');
    const pub = Buffer.from(jwk.x!, 'base64url');
    v.key = Buffer.concat([seed, pub]).toString('base64');
    v.public_key = pub.toString('base64');
  } else {
    const { privateKey, publicKey } = isECDSA(p.type)
      ? await generateKeyPairAsync('ec', { namedCurve: ecCurve(p.type) })
      : await generateKeyPairAsync('rsa', { modulusLength: rsaBits(p.type) });
    v.private_key = (privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer).toString('base64');
    v.public_key = publicKey.export({ format: 'pem', type: 'spki' }) as string;
  }
  if (p.convergent_encryption) v.convergent_version = CONVERGENT_VERSION;
  p.latest_version += 1;
  p.keys[String(p.latest_version)] = v;
  if (p.min_decryption_version === 0) p.min_decryption_version = 1;
}

/** One version's material; "no such key version" for trimmed or unknown versions, as Vault says. */
export function keyVersion(p: KeyPolicy, ver: number): KeyVersion {
  const v = p.keys[String(ver)];
  if (!v) throw badRequest('no such key version');
  return v;
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An ed25519 private key from its 32-byte seed. */
export function ed25519FromSeed(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
}

export function ed25519PublicRaw(priv: KeyObject): Buffer {
  return Buffer.from(createPublicKey(priv).export({ format: 'jwk' }).x!, 'base64url');
}

export function privateKeyObject(p: KeyPolicy, v: KeyVersion): KeyObject {
  if (p.type === 'ed25519') return ed25519FromSeed(Buffer.from(v.key ?? '', 'base64'));
  if (!v.private_key) throw internal('key version has no private part');
  return createPrivateKey({ key: Buffer.from(v.private_key, 'base64'), format: 'der', type: 'pkcs8' });
}

export function publicKeyObject(p: KeyPolicy, v: KeyVersion): KeyObject {
  if (p.type === 'ed25519') return createPublicKey(privateKeyObject(p, v));
  if (!v.public_key) throw internal('key version has no public part');
  return createPublicKey(v.public_key);
}

export const isAsymmetric = (t: KeyType) => t === 'ed25519' || isECDSA(t) || isRSA(t);
