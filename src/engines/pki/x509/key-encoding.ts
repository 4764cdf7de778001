/**
 * Key encodings (SPKI, SEC1, PKCS#1, PKCS#8) built from a key's JWK export. OpenSSL 3's
 * encoders cost 150-350 µs per call on the event loop; a JWK export costs ~5 µs and the DER
 * below a few more. The output is byte-identical to OpenSSL's (see key-encoding tests).
 */
import { createECDH, createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { bitString, explicit, int, nullValue, octets, oid, seq, uintBytes } from './der.js';
import { OID } from './oids.js';
import { encodePem } from './pem.js';

const CURVE_OID: Record<string, string> = { 'P-224': '1.3.132.0.33', 'P-256': '1.2.840.10045.3.1.7', 'P-384': '1.3.132.0.34', 'P-521': '1.3.132.0.35' };

interface Jwk { kty: string; crv?: string; x?: string; y?: string; d?: string; n?: string; e?: string; p?: string; q?: string; dp?: string; dq?: string; qi?: string }

const b = (s: string | undefined) => Buffer.from(s ?? '', 'base64url');

function jwkOf(key: KeyObject): Jwk {
  return key.export({ format: 'jwk' }) as Jwk;
}

function ecPoint(j: Jwk): Buffer {
  return Buffer.concat([Buffer.from([4]), b(j.x), b(j.y)]);
}

function rsaPublic(j: Jwk): Buffer {
  return seq(uintBytes(b(j.n)), uintBytes(b(j.e)));
}

function spkiFromJwk(j: Jwk): Buffer {
  if (j.kty === 'EC') return seq(seq(oid(OID.ecPublicKey), oid(CURVE_OID[j.crv!]!)), bitString(ecPoint(j)));
  if (j.kty === 'RSA') return seq(seq(oid(OID.rsaEncryption), nullValue()), bitString(rsaPublic(j)));
  if (j.kty === 'OKP' && j.crv === 'Ed25519') return seq(seq(oid(OID.ed25519)), bitString(b(j.x)));
  throw new Error(`unsupported key type ${j.kty}/${j.crv}`);
}

/** The key's JWK, or undefined for curves Node cannot export as JWK (P-224): those take OpenSSL's slower encoders. */
function tryJwk(key: KeyObject): Jwk | undefined {
  try {
    return jwkOf(key);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_CRYPTO_JWK_UNSUPPORTED_CURVE') return undefined;
    throw e;
  }
}

/** SubjectPublicKeyInfo DER of a public or private key. */
export function spkiOf(key: KeyObject): Buffer {
  const j = tryJwk(key);
  return j ? spkiFromJwk(j) : (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });
}

function sec1(j: Jwk, withParams: boolean): Buffer {
  const parts = [int(1), octets(b(j.d))];
  if (withParams) parts.push(explicit(0, oid(CURVE_OID[j.crv!]!)));
  parts.push(explicit(1, bitString(ecPoint(j))));
  return seq(...parts);
}

function pkcs1(j: Jwk): Buffer {
  return seq(int(0), ...[j.n, j.e, j.d, j.p, j.q, j.dp, j.dq, j.qi].map((v) => uintBytes(b(v))));
}

function pkcs8(j: Jwk): Buffer {
  if (j.kty === 'EC') return seq(int(0), seq(oid(OID.ecPublicKey), oid(CURVE_OID[j.crv!]!)), octets(sec1(j, false)));
  if (j.kty === 'RSA') return seq(int(0), seq(oid(OID.rsaEncryption), nullValue()), octets(pkcs1(j)));
  if (j.kty === 'OKP' && j.crv === 'Ed25519') return seq(int(0), seq(oid(OID.ed25519)), octets(octets(b(j.d))));
  throw new Error(`unsupported key type ${j.kty}/${j.crv}`);
}

export type PrivateEncoding = 'pkcs1' | 'sec1' | 'pkcs8';

export interface EncodedKey {
  spki: Buffer;
  /** Subject key identifier (SHA-1 of the public key bits), when known without parsing the SPKI. */
  skid?: Buffer;
  /** DER of the private key in the requested encoding. */
  der: Buffer;
  /** The same as PEM, trimmed (as Vault returns it). */
  pem: string;
}

const PEM_TYPE: Record<PrivateEncoding, string> = { pkcs1: 'RSA PRIVATE KEY', sec1: 'EC PRIVATE KEY', pkcs8: 'PRIVATE KEY' };

/** Public SPKI plus the private key in `encoding` (which must fit the key type; pkcs8 fits all). */
export function encodePrivateKey(key: KeyObject, encoding: PrivateEncoding): EncodedKey {
  const j = tryJwk(key);
  if (!j) {
    const der = key.export({ type: encoding, format: 'der' } as never) as Buffer;
    return { spki: spkiOf(key), der, pem: encodePem(PEM_TYPE[encoding], der) };
  }
  const der = encoding === 'pkcs8' ? pkcs8(j) : encoding === 'sec1' ? sec1(j, true) : pkcs1(j);
  return { spki: spkiFromJwk(j), der, pem: encodePem(PEM_TYPE[encoding], der) };
}

const ECDH_CURVE: Record<number, [string, string]> = { 224: ['secp224r1', 'P-224'], 256: ['prime256v1', 'P-256'] };
const FIELD_BYTES: Record<string, number> = { 'P-224': 28, 'P-256': 32 };

/** Curves whose key generation is cheap enough (~30 µs) to run inline, without a thread pool round trip. */
export const inlineCurve = (bits: number): boolean => bits in ECDH_CURVE;

/**
 * A new P-256 (or P-224) key straight from OpenSSL's EC arithmetic: the scalar and the point
 * come out raw, so encoding them costs nothing more, unlike a KeyObject whose first export
 * converts it between OpenSSL 3's key representations (~50 µs).
 */
export function inlineEcKeygen(bits: number): { point: Buffer; d: Buffer } {
  const ecdh = createECDH(ECDH_CURVE[bits]![0]);
  const point = ecdh.generateKeys();
  return { point, d: ecdh.getPrivateKey() };
}

export function generateInlineEcKey(bits: number, encoding: PrivateEncoding): EncodedKey {
  const crv = ECDH_CURVE[bits]![1];
  const { point, d: raw } = inlineEcKeygen(bits);
  const size = FIELD_BYTES[crv]!;
  const d = raw.length === size ? raw : Buffer.concat([Buffer.alloc(size - raw.length), raw]);
  // The point from ECDH is already the uncompressed encoding SPKI and SEC1 carry.
  const curve = oid(CURVE_OID[crv]!);
  const inner = seq(int(1), octets(d), ...(encoding === 'pkcs8' ? [] : [explicit(0, curve)]), explicit(1, bitString(point)));
  const der = encoding === 'pkcs8' ? seq(int(0), seq(oid(OID.ecPublicKey), curve), octets(inner)) : inner;
  const spki = seq(seq(oid(OID.ecPublicKey), curve), bitString(point));
  return { spki, skid: createHash('sha1').update(point).digest(), der, pem: encodePem(PEM_TYPE[encoding], der) };
}
