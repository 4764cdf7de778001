/**
 * Signatures as Vault's keysutil makes them. ECDSA and RSA sign a digest the path computed
 * (or the client's, when prehashed), so nothing here hashes twice: ECDSA signs the digest
 * (ecdsa.ts), RSA builds PKCS#1 v1.5 or PSS encoding itself and applies the raw private key.
 */
import { constants, createHash, privateEncrypt, publicDecrypt, randomBytes, sign as nodeSign, verify as nodeVerify, timingSafeEqual, type KeyObject } from 'node:crypto';
import { badRequest } from '../../lib/errors.js';
import { HASHES, isECDSA, supportsSigning } from './key-types.js';
import { ecdsaSignDigest, ecdsaVerifyDigest } from './ecdsa.js';
import { deriveKey, decodeBase64, encryptionVersion, parseVersioned } from './cipher.js';
import { ed25519FromSeed, ed25519PublicRaw, keyVersion, privateKeyObject, publicKeyObject, type KeyPolicy } from './policy.js';

export interface SignOptions {
  /** Vault hash name ("sha2-256", …, or "none" for pkcs1v15 over a raw prehashed input). */
  hash: string;
  marshaling: 'asn1' | 'jws';
  signatureAlgorithm: string;
  /** -1 auto (sign: as long as fits; verify: any), 0 equals the hash length, else bytes. */
  saltLength: number;
  context?: Buffer;
}

// DER DigestInfo prefixes (RFC 8017 §9.2 note 1) for PKCS#1 v1.5.
const DIGEST_INFO: Record<string, string> = {
  'sha1': '3021300906052b0e03021a05000414',
  'sha2-224': '302d300d06096086480165030402040500041c',
  'sha2-256': '3031300d060960864801650304020105000420',
  'sha2-384': '3041300d060960864801650304020205000430',
  'sha2-512': '3051300d060960864801650304020305000440',
  'sha3-224': '302d300d06096086480165030402070500041c',
  'sha3-256': '3031300d060960864801650304020805000420',
  'sha3-384': '3041300d060960864801650304020905000430',
  'sha3-512': '3051300d060960864801650304020a05000440',
};

const hashLen = (hash: string) => createHash(HASHES[hash]!).digest().length;

function mgf1(hash: string, seed: Buffer, len: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * hashLen(hash) < len; i++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(i);
    out.push(createHash(HASHES[hash]!).update(seed).update(c).digest());
  }
  return Buffer.concat(out).subarray(0, len);
}

const modBits = (key: KeyObject) => key.asymmetricKeyDetails!.modulusLength!;

function resolveSalt(saltLength: number, hash: string, bits: number): number {
  const emLen = Math.ceil((bits - 1) / 8);
  const max = emLen - hashLen(hash) - 2;
  const s = saltLength === -1 ? max : saltLength === 0 ? hashLen(hash) : saltLength;
  if (s < 0 || s > max) throw badRequest(`requested salt length ${saltLength} is invalid`);
  return s;
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) of an already computed digest. */
function pssEncode(mHash: Buffer, hash: string, bits: number, saltLen: number): Buffer {
  const emBits = bits - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = mHash.length;
  const salt = randomBytes(saltLen);
  const h = createHash(HASHES[hash]!).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLen - saltLen - hLen - 2), Buffer.from([1]), salt]);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

/** EMSA-PSS-VERIFY; saltLen -1 accepts any salt length (Go's PSSSaltLengthAuto on verify). */
function pssVerify(mHash: Buffer, em: Buffer, hash: string, bits: number, saltLen: number): boolean {
  const emBits = bits - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = mHash.length;
  if (em.length !== emLen || emLen < hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const db = Buffer.from(em.subarray(0, emLen - hLen - 1));
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff >> (8 * emLen - emBits);
  if ((db[0]! & ~topMask) !== 0) return false;
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= topMask;
  const one = db.indexOf(1);
  if (one === -1 || db.subarray(0, one).some((b) => b !== 0)) return false;
  const salt = db.subarray(one + 1);
  if (saltLen !== -1 && salt.length !== (saltLen === 0 ? hLen : saltLen)) return false;
  const h2 = createHash(HASHES[hash]!).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  return timingSafeEqual(h, h2);
}

function pkcs1Payload(hash: string, digest: Buffer): Buffer {
  return hash === 'none' ? digest : Buffer.concat([Buffer.from(DIGEST_INFO[hash]!, 'hex'), digest]);
}

/** Raw RSA with the public key: the encoded message, left-padded to the modulus length. */
function rsaOpen(key: KeyObject, sig: Buffer): Buffer | undefined {
  const k = Math.ceil(modBits(key) / 8);
  if (sig.length !== k) return undefined;
  try {
    return publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, sig);
  } catch {
    return undefined;
  }
}

function ed25519Key(p: KeyPolicy, ver: number, context?: Buffer): { key: KeyObject; derivedPublic?: Buffer } {
  if (!p.derived) return { key: privateKeyObject(p, keyVersion(p, ver)) };
  // Vault feeds the 64-byte Go private key to HKDF and uses 32 derived bytes as the new seed.
  const key = ed25519FromSeed(deriveKey(p, ver, context ?? Buffer.alloc(0), 32));
  return { key, derivedPublic: ed25519PublicRaw(key) };
}

export function signInput(p: KeyPolicy, requestedVersion: number, input: Buffer, o: SignOptions): { signature: string; version: number; publicKey?: Buffer } {
  if (!supportsSigning(p.type)) throw badRequest(`message signing not supported for key type ${p.type}`);
  const ver = encryptionVersion(p, requestedVersion, 'signing');
  let sig: Buffer;
  let publicKey: Buffer | undefined;
  if (p.type === 'ed25519') {
    const k = ed25519Key(p, ver, o.context);
    sig = nodeSign(null, input, k.key);
    publicKey = k.derivedPublic;
  } else if (isECDSA(p.type)) {
    if (o.marshaling !== 'asn1' && o.marshaling !== 'jws') throw badRequest('requested marshaling type is invalid');
    sig = ecdsaSignDigest(p.type, privateKeyObject(p, keyVersion(p, ver)), input, o.marshaling);
  } else {
    const key = privateKeyObject(p, keyVersion(p, ver));
    const alg = o.signatureAlgorithm || 'pss';
    if (alg === 'pss') {
      if (o.hash === 'none') throw badRequest('unsupported hash algorithm');
      const bits = modBits(key);
      sig = privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, pssEncode(input, o.hash, bits, resolveSalt(o.saltLength, o.hash, bits)));
    } else if (alg === 'pkcs1v15') {
      sig = privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, pkcs1Payload(o.hash, input));
    } else {
      throw badRequest(`unsupported rsa signature algorithm ${alg}`);
    }
  }
  const encoded = isECDSA(p.type) && o.marshaling === 'jws' ? sig.toString('base64url') : sig.toString('base64');
  return { signature: `vault:v${ver}:${encoded}`, version: ver, publicKey };
}

export function verifyInput(p: KeyPolicy, input: Buffer, signature: string, o: SignOptions): boolean {
  if (!supportsSigning(p.type)) throw badRequest(`message verification not supported for key type ${p.type}`);
  const { ver, body } = parseVersioned(p, signature, 'signature');
  if (isECDSA(p.type) && o.marshaling !== 'asn1' && o.marshaling !== 'jws') throw badRequest('requested marshaling type is invalid');
  let sig: Buffer;
  try {
    sig = isECDSA(p.type) && o.marshaling === 'jws' ? decodeBase64Url(body) : decodeBase64(body);
  } catch {
    throw badRequest('invalid base64 signature value');
  }
  if (p.type === 'ed25519') {
    const key = p.derived ? ed25519Key(p, ver, o.context).key : publicKeyObject(p, keyVersion(p, ver));
    return nodeVerify(null, input, key, sig);
  }
  const key = publicKeyObject(p, keyVersion(p, ver));
  if (isECDSA(p.type)) {
    return ecdsaVerifyDigest(p.type, key, input, sig, o.marshaling);
  }
  const em = rsaOpen(key, sig);
  if (!em) return false;
  const alg = o.signatureAlgorithm || 'pss';
  if (alg === 'pss') {
    if (o.hash === 'none') throw badRequest('unsupported hash algorithm');
    const bits = modBits(key);
    if (o.saltLength !== -1) resolveSalt(o.saltLength, o.hash, bits);
    const emLen = Math.ceil((bits - 1) / 8);
    // The raw RSA output is modulus-long; an EM one byte shorter sits behind a leading zero.
    if (em.length > emLen && em[0] !== 0) return false;
    return pssVerify(input, em.subarray(em.length - emLen), o.hash, bits, o.saltLength);
  }
  if (alg === 'pkcs1v15') {
    const want = pkcs1Payload(o.hash, input);
    const k = em.length;
    const expected = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(k - want.length - 3, 0xff), Buffer.from([0]), want]);
    return k >= want.length + 11 && timingSafeEqual(em, expected);
  }
  throw badRequest(`unsupported rsa signature algorithm ${alg}`);
}

function decodeBase64Url(s: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw badRequest('invalid base64 signature value');
  return Buffer.from(s, 'base64url');
}
