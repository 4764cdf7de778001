/**
 * ECDSA over a digest the caller computed. node:crypto always hashes before an EC signature,
 * so a client's own digest (prehashed=true) could not be signed; @noble/curves signs and
 * verifies the digest as given, truncated to the curve order as Go's crypto/ecdsa does.
 */
import type { KeyObject } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import type { KeyType } from './key-types.js';

const CURVES = { 'ecdsa-p256': p256, 'ecdsa-p384': p384, 'ecdsa-p521': p521 } as Record<string, typeof p256>;

export type Marshaling = 'asn1' | 'jws';

const format = (m: Marshaling) => (m === 'jws' ? 'compact' : 'der');

export function ecdsaSignDigest(type: KeyType, priv: KeyObject, digest: Buffer, m: Marshaling): Buffer {
  const d = Buffer.from(priv.export({ format: 'jwk' }).d!, 'base64url');
  // Hedged signatures (random entropy mixed into RFC 6979), like Go's; low-S is not Vault's rule.
  const sig = CURVES[type]!.sign(digest, d, { prehash: false, lowS: false, extraEntropy: true, format: format(m) });
  return Buffer.from(sig);
}

export function ecdsaVerifyDigest(type: KeyType, pub: KeyObject, digest: Buffer, sig: Buffer, m: Marshaling): boolean {
  const jwk = pub.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  try {
    return CURVES[type]!.verify(sig, digest, point, { prehash: false, lowS: false, format: format(m) });
  } catch {
    return false;
  }
}
