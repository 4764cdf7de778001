/**
 * Key material: generation (always asynchronous, so RSA never blocks the event loop), Vault's
 * key type/size rules, signature algorithm choice for an issuer key, signing, and the PEM
 * forms Vault returns.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, sign as cryptoSign, verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { OID } from './oids.js';
import { encodePrivateKey, generateInlineEcKey, inlineCurve, inlineEcKeygen, spkiOf, type PrivateEncoding } from './key-encoding.js';
import { children, int, nullValue, oid, parseTop, readBitString, readOid, readSmallInt, seq, explicit, TAG, type Node } from './der.js';

export type KeyType = 'rsa' | 'ec' | 'ed25519';

const generate = promisify(generateKeyPair) as unknown as (type: string, opts: Record<string, unknown>) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;
const signAsync = promisify(cryptoSign) as (alg: string | null, data: Uint8Array, key: KeyObject | { key: KeyObject; padding?: number; saltLength?: number }) => Promise<Buffer>;

const CURVE_BY_BITS: Record<number, string> = { 224: 'P-224', 256: 'P-256', 384: 'P-384', 521: 'P-521' };
const BITS_BY_CURVE: Record<string, number> = { 'P-224': 224, secp224r1: 224, 'P-256': 256, prime256v1: 256, 'P-384': 384, secp384r1: 384, 'P-521': 521, secp521r1: 521 };

/** Vault's defaults: key_bits 0 → 2048 (rsa) / 256 (ec); ed25519 has no size. */
export function defaultKeyBits(type: string, bits: number): number {
  if (bits !== 0) return bits;
  return type === 'rsa' ? 2048 : type === 'ec' ? 256 : 0;
}

/** Vault's ValidateKeyTypeLength, with its error texts. Returns an error message or ''. */
export function keyTypeLengthError(type: string, bits: number): string {
  switch (type) {
    case 'rsa':
      if (bits < 2048) return `RSA keys < 2048 bits are unsafe and not supported: got ${bits}`;
      if (![2048, 3072, 4096, 8192].includes(bits)) return `unsupported bit length for RSA key: ${bits}`;
      return '';
    case 'ec':
      return CURVE_BY_BITS[bits] ? '' : `unsupported bit length for EC key: ${bits}`;
    case 'any': case 'ed25519':
      return '';
    default:
      return `unknown key type ${type}`;
  }
}

/** Vault's DefaultOrValueHashBits + ValidateSignatureLength: 0 → 256 for RSA; ignored for ec/ed25519. */
export function signatureBitsFor(type: string, bits: number): { bits: number; error: string } {
  if (type === 'rsa') {
    const b = bits || 256;
    return [256, 384, 512].includes(b) ? { bits: b, error: '' } : { bits: b, error: `unsupported hash signature algorithm: ${b}` };
  }
  if (type === 'ec') return { bits, error: '' };
  return { bits: 0, error: '' };
}

export async function generateKey(type: KeyType, bits: number): Promise<KeyObject> {
  switch (type) {
    case 'rsa': return (await generate('rsa', { modulusLength: bits || 2048, publicExponent: 0x10001 })).privateKey;
    case 'ec': return (await generate('ec', { namedCurve: CURVE_BY_BITS[bits || 256] ?? 'P-256' })).privateKey;
    case 'ed25519': return (await generate('ed25519', {})).privateKey;
  }
}

export type PrivateKeyForm = { encoding: 'pkcs1' | 'sec1' | 'pkcs8'; format: 'pem' | 'der' };

/** Vault's private key form for a key type: PKCS#1 (RSA), SEC1 (EC), PKCS#8 (ed25519, or when asked). */
export function privateKeyForm(type: KeyType, pkcs8: boolean, format: 'pem' | 'der'): PrivateKeyForm {
  const encoding = pkcs8 || type === 'ed25519' ? 'pkcs8' : type === 'ec' ? 'sec1' : 'pkcs1';
  return { encoding, format };
}

/**
 * Key generation exactly as issuing does it, without encoding: P-256 inline through OpenSSL's
 * EC arithmetic, everything else in the thread pool. The benchmark's baseline calls this.
 */
export async function generateKeyMaterial(type: KeyType, bits: number): Promise<unknown> {
  if (type === 'ec' && inlineCurve(bits || 256)) return inlineEcKeygen(bits || 256);
  return generateKey(type, bits);
}

/** A new leaf key with its SPKI and its private key in the form the response needs. */
export async function generateEncodedKey(type: KeyType, bits: number, form: PrivateKeyForm): Promise<{ spki: Buffer; skid?: Buffer; privateKey: string | Buffer }> {
  // P-256 keys are generated inline (~30 µs); RSA and the larger curves go to the thread pool.
  const e = type === 'ec' && inlineCurve(bits || 256)
    ? generateInlineEcKey(bits || 256, form.encoding)
    : encodePrivateKey(await generateKey(type, bits), form.encoding);
  return { spki: e.spki, skid: e.skid, privateKey: form.format === 'der' ? e.der : e.pem };
}

export interface KeyInfo { type: KeyType; bits: number }

/** Type and size of a key as Vault names them; throws for anything else. */
export function keyInfo(key: KeyObject): KeyInfo {
  const t = key.asymmetricKeyType;
  if (t === 'rsa' || t === 'rsa-pss') return { type: 'rsa', bits: key.asymmetricKeyDetails?.modulusLength ?? 0 };
  if (t === 'ec') return { type: 'ec', bits: BITS_BY_CURVE[key.asymmetricKeyDetails?.namedCurve ?? ''] ?? 0 };
  if (t === 'ed25519') return { type: 'ed25519', bits: 0 };
  throw new Error(`unsupported key type ${t}`);
}

export const spkiDer = (key: KeyObject): Buffer => spkiOf(key);

/** The subjectPublicKey bits of an SPKI: what key identifiers and OCSP key hashes are taken over. */
export function spkiKeyBits(spki: Buffer): Buffer {
  const [, bits] = children(parseTop(spki));
  return readBitString(bits!);
}

/** RFC 5280 method 1, as Go's certutil computes it: SHA-1 over the public key bits. */
export const keyIdOf = (spki: Buffer): Buffer => createHash('sha1').update(spkiKeyBits(spki)).digest();

const encodingFor = (key: KeyObject, format: 'der' | 'pkcs8' | ''): PrivateEncoding =>
  format === 'pkcs8' || key.asymmetricKeyType === 'ed25519' ? 'pkcs8' : key.asymmetricKeyType === 'ec' ? 'sec1' : 'pkcs1';

/** Vault's default private key PEM: PKCS#1 for RSA, SEC1 for EC, PKCS#8 for ed25519; `pkcs8` forces PKCS#8. */
export function privateKeyPem(key: KeyObject, format: 'der' | 'pkcs8' | '' = ''): string {
  return encodePrivateKey(key, encodingFor(key, format)).pem;
}

export function privateKeyDer(key: KeyObject, format: 'der' | 'pkcs8' | '' = ''): Buffer {
  return encodePrivateKey(key, encodingFor(key, format)).der;
}

export function parsePrivateKey(pem: string): KeyObject {
  return createPrivateKey({ key: pem, format: 'pem' });
}

// ------------------------------------------------------------- signatures

export interface Signer {
  key: KeyObject;
  /** Encoded AlgorithmIdentifier, written in the TBS and next to the signature. */
  algId: Buffer;
  /** Go's x509.SignatureAlgorithm name (for `revocation_signature_algorithm`). */
  name: string;
  sign(data: Uint8Array): Promise<Buffer>;
}

const HASH_OID: Record<string, string> = { sha256: OID.sha256, sha384: OID.sha384, sha512: OID.sha512 };
const RSA_OID: Record<string, string> = { sha256: OID.sha256WithRSA, sha384: OID.sha384WithRSA, sha512: OID.sha512WithRSA };
const EC_OID: Record<string, string> = { sha256: OID.ecdsaSha256, sha384: OID.ecdsaSha384, sha512: OID.ecdsaSha512 };
const HASH_LEN: Record<string, number> = { sha256: 32, sha384: 48, sha512: 64 };

function pssParams(hash: string): Buffer {
  const hashAlg = seq(oid(HASH_OID[hash]!), nullValue());
  return seq(explicit(0, hashAlg), explicit(1, seq(oid(OID.mgf1), hashAlg)), explicit(2, int(HASH_LEN[hash]!)));
}

/**
 * The algorithm an issuer signs with. RSA: SHA-2 of `signatureBits` (256 default), PSS on request.
 * EC: the hash matching the curve, whatever was asked (as Vault does). Ed25519: pure.
 */
export function signerFor(key: KeyObject, signatureBits = 0, usePss = false): Signer {
  const info = keyInfo(key);
  if (info.type === 'ed25519') {
    // Ed25519 and P-256 signatures take ~25 µs: cheaper inline than a thread pool round trip.
    return { key, algId: seq(oid(OID.ed25519)), name: 'Ed25519', sign: async (d) => cryptoSign(null, d, key) };
  }
  if (info.type === 'ec') {
    const hash = info.bits === 384 ? 'sha384' : info.bits === 521 ? 'sha512' : 'sha256';
    const inline = info.bits <= 256;
    return { key, algId: seq(oid(EC_OID[hash]!)), name: `ECDSAWithSHA${hash.slice(3)}`, sign: inline ? async (d) => cryptoSign(hash, d, key) : (d) => signAsync(hash, d, key) };
  }
  const hash = signatureBits === 384 ? 'sha384' : signatureBits === 512 ? 'sha512' : 'sha256';
  if (usePss) {
    return {
      key, algId: seq(oid(OID.rsaPss), pssParams(hash)), name: `SHA${hash.slice(3)}WithRSAPSS`,
      sign: (d) => signAsync(hash, d, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LEN[hash] }),
    };
  }
  return { key, algId: seq(oid(RSA_OID[hash]!), nullValue()), name: `SHA${hash.slice(3)}WithRSA`, sign: (d) => signAsync(hash, d, key) };
}

/** Inverse of signerFor's names: `revocation_signature_algorithm` values Vault accepts. */
export function signerByName(key: KeyObject, name: string): Signer {
  const m = /^SHA(256|384|512)WithRSA(PSS)?$/.exec(name);
  if (m) return signerFor(key, Number(m[1]), !!m[2]);
  return signerFor(key);
}

/** Verifies a signature given the AlgorithmIdentifier it was made with. */
export function verifySignature(algId: Node, data: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  const [algNode, params] = children(algId);
  const alg = readOid(algNode!);
  const hashOf: Record<string, string> = {
    [OID.sha1WithRSA]: 'sha1', [OID.sha256WithRSA]: 'sha256', [OID.sha384WithRSA]: 'sha384', [OID.sha512WithRSA]: 'sha512',
    [OID.ecdsaSha1]: 'sha1', [OID.ecdsaSha256]: 'sha256', [OID.ecdsaSha384]: 'sha384', [OID.ecdsaSha512]: 'sha512',
  };
  try {
    if (alg === OID.ed25519) return cryptoVerify(null, data, publicKey, signature);
    if (alg === OID.rsaPss) {
      let hash = 'sha1';
      let salt = 20;
      for (const p of params && params.tag === TAG.SEQUENCE ? children(params) : []) {
        const inner = children(p)[0]!;
        if (p.tag === 0xa0) hash = hashName(readOid(children(inner)[0]!));
        if (p.tag === 0xa2) salt = readSmallInt(inner);
      }
      return cryptoVerify(hash, data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: salt }, signature);
    }
    const hash = hashOf[alg];
    if (!hash) return false;
    return cryptoVerify(hash, data, publicKey, signature);
  } catch {
    return false;
  }
}

function hashName(o: string): string {
  return o === OID.sha256 ? 'sha256' : o === OID.sha384 ? 'sha384' : o === OID.sha512 ? 'sha512' : 'sha1';
}

/** Public key from an SPKI DER (throws on unknown algorithms). */
export const publicKeyFromSpki = (spki: Buffer): KeyObject => createPublicKey({ key: spki, format: 'der', type: 'spki' });

export const sameKey = (a: Buffer, b: Buffer): boolean => Buffer.compare(a, b) === 0;

