/**
 * JWT validation with the semantics (and error texts) of hashicorp/cap's jwt.Validator, which both
 * Vault's jwt and kubernetes auth methods use: verify the signature with a key set, check alg, iss,
 * sub, aud, then nbf/exp/iat with leeways (missing exp is derived from iat/nbf + expiration leeway).
 */
import { decodeProtectedHeader } from 'jose';
import { parseClientJSON } from '../../framework/json.js';

/** Verifies a compact JWS and returns its claims; throws with the key set's wording on failure. */
export interface KeySet {
  verify(token: string, algorithms: string[]): Promise<Record<string, unknown>>;
}

export interface Expected {
  issuer?: string;
  subject?: string;
  audiences?: string[];
  algorithms: string[];
  /** Seconds; 0 means the default, negative disables (cap's convention). */
  notBeforeLeeway?: number;
  expirationLeeway?: number;
  clockSkewLeeway?: number;
  now?: () => number;
}

export const ALL_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'];
/** Kubernetes service-account tokens (the kubernetes auth method's allowed list). */
export const KUBERNETES_ALGORITHMS = ALL_ALGORITHMS.filter((a) => a !== 'EdDSA');

const DEFAULT_LEEWAY = 150;
const DEFAULT_CLOCK_SKEW = 60;
const REGISTERED = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'];

export class JwtError extends Error {
  constructor(message: string, readonly signature = false) {
    super(message);
    this.name = 'JwtError';
  }
}

const leeway = (v: number | undefined, dflt: number) => (!v ? dflt : v < 0 ? 0 : v);

function numericDate(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0;
}

export function audienceList(aud: unknown): string[] {
  if (typeof aud === 'string') return aud ? [aud] : [];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

/** Parses the unverified claims (for the "no key configured" case; the caller verifies by other means). */
export function unverifiedClaims(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('go-jose/go-jose: compact JWS format must have three parts', true);
  try {
    const v = parseClientJSON(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown> | null;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v;
  } catch {
    throw new JwtError('go-jose/go-jose: error in cryptographic primitive', true);
  }
}

/** A key set that does not verify (kubernetes auth without pem_keys: TokenReview vouches instead). */
export const dontVerify: KeySet = {
  async verify(token, algorithms) {
    checkAlgorithm(token, algorithms, true);
    return unverifiedClaims(token);
  },
};

function checkAlgorithm(token: string, algorithms: string[], parsing: boolean): void {
  let alg: string;
  try {
    alg = String(decodeProtectedHeader(token).alg ?? '');
  } catch {
    throw new JwtError('go-jose/go-jose: compact JWS format must have three parts', true);
  }
  const allowed = algorithms.length ? algorithms : ['RS256'];
  if (!allowed.includes(alg)) {
    throw parsing
      ? new JwtError(`go-jose/go-jose: unexpected signature algorithm "${alg}"; expected [${allowed.join(' ')}]`, true)
      : new JwtError('invalid algorithm (alg) header parameter: token signed with unexpected algorithm');
  }
}

/**
 * Validates a token. With allowMissingTimes (the kubernetes method), a token with none of
 * iat/nbf/exp (a legacy service-account token) is accepted as is.
 */
export async function validateJwt(token: string, keySet: KeySet, expected: Expected, allowMissingTimes = false): Promise<Record<string, unknown>> {
  let claims: Record<string, unknown>;
  try {
    claims = await keySet.verify(token.trim(), expected.algorithms.length ? expected.algorithms : ['RS256']);
  } catch (e) {
    throw new JwtError(`error verifying token signature: ${(e as Error).message}`, true);
  }
  for (const key of Object.keys(claims)) {
    const clash = REGISTERED.find((r) => r !== key && r.toLowerCase() === key.toLowerCase());
    if (clash) throw new JwtError(`ambiguous claim: key "${key}" collides with registered claim "${clash}" under case folding`);
  }
  checkAlgorithm(token.trim(), expected.algorithms, false);
  if (expected.issuer && expected.issuer !== claims.iss) throw new JwtError('invalid issuer (iss) claim');
  if (expected.subject && expected.subject !== claims.sub) throw new JwtError('invalid subject (sub) claim');
  if (expected.audiences?.length) {
    const aud = audienceList(claims.aud);
    if (!expected.audiences.some((a) => aud.includes(a))) {
      throw new JwtError('invalid audience (aud) claim: audience claim does not match any expected audience');
    }
  }

  const iat = numericDate(claims.iat);
  let exp = numericDate(claims.exp);
  let nbf = numericDate(claims.nbf);
  if (!iat && !exp && !nbf) {
    if (allowMissingTimes) return claims;
    throw new JwtError('no issued at (iat), not before (nbf), or expiration time (exp) claims in token');
  }
  if (!exp) exp = Math.max(iat, nbf) + leeway(expected.expirationLeeway, DEFAULT_LEEWAY);
  if (!nbf) nbf = iat || exp - leeway(expected.notBeforeLeeway, DEFAULT_LEEWAY);
  const skew = leeway(expected.clockSkewLeeway, DEFAULT_CLOCK_SKEW);
  const now = (expected.now ?? Date.now)() / 1000;
  if (now + skew < nbf) throw new JwtError('invalid not before (nbf) claim: token not yet valid');
  if (now - skew > exp) throw new JwtError('invalid expiration time (exp) claim: token is expired');
  if (iat && now + skew < iat) throw new JwtError('invalid issued at (iat) claim: token issued in the future');
  return claims;
}
