/**
 * Service-account JWTs as kube-apiserver and kube-controller-manager sign and check them: RS256 with one
 * cluster key (kid = base64url(sha256(SPKI DER))), bound tokens (`kubernetes.io` claim, `aud`, `exp`) and
 * legacy secret-based tokens (flat `kubernetes.io/serviceaccount/*` claims, no expiry), and the
 * validation rules and error texts of pkg/serviceaccount (claims.go, legacy.go, jwt.go).
 */
import { createHash, generateKeyPair, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { compactVerify, exportJWK, SignJWT, type JWK } from 'jose';
import type { KubeObject } from './store.js';

export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
/** go-jose's leeway when it checks exp/nbf. */
const LEEWAY_SECONDS = 60;

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export type AuthResult =
  | { ok: true; user: UserInfo; audiences: string[] }
  /** error undefined: the token is not one of ours (another authenticator may know it). */
  | { ok: false; error?: string };

export interface TokenObjects {
  serviceAccount(ns: string, name: string): KubeObject | undefined;
  secret(ns: string, name: string): KubeObject | undefined;
  pod(ns: string, name: string): KubeObject | undefined;
}

export interface BoundTokenSpec {
  namespace: string;
  name: string;
  uid: string;
  audiences: string[];
  expirationSeconds: number;
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
}

export const serviceAccountUsername = (ns: string, name: string) => `system:serviceaccount:${ns}:${name}`;

export const serviceAccountGroups = (ns: string) => ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'];

/** Go's %q of a []string: `["a" "b"]`. */
const goQuoted = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

function decodePayload(token: string): Record<string, unknown> | undefined {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || token.trim().startsWith('{')) return undefined;
  try {
    const v = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export class ServiceAccountSigner {
  private constructor(
    readonly issuer: string,
    readonly apiAudiences: string[],
    private readonly privateKey: KeyObject,
    private readonly publicKey: KeyObject,
    readonly keyId: string,
    private readonly now: () => number,
  ) {}

  static async create(issuer: string, apiAudiences: string[], now: () => number = Date.now): Promise<ServiceAccountSigner> {
    const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    const kid = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
    return new ServiceAccountSigner(issuer, apiAudiences, privateKey, publicKey, kid, now);
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    const jwk = await exportJWK(this.publicKey);
    return { keys: [{ use: 'sig', kty: jwk.kty, kid: this.keyId, alg: 'RS256', n: jwk.n, e: jwk.e }] };
  }

  publicKeyPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** Signs any claim set with the cluster key (tests use it for expired or forged-looking tokens). */
  sign(claims: Record<string, unknown>): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: this.keyId }).sign(this.privateKey);
  }

  async signBound(spec: BoundTokenSpec): Promise<{ token: string; expiresAt: number }> {
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + spec.expirationSeconds;
    const k8s: Record<string, unknown> = { namespace: spec.namespace };
    if (spec.pod) k8s.pod = { name: spec.pod.name, uid: spec.pod.uid };
    if (spec.secret) k8s.secret = { name: spec.secret.name, uid: spec.secret.uid };
    k8s.serviceaccount = { name: spec.name, uid: spec.uid };
    const token = await this.sign({
      aud: spec.audiences, exp, iat, iss: this.issuer, jti: randomUUID(), 'kubernetes.io': k8s, nbf: iat,
      sub: serviceAccountUsername(spec.namespace, spec.name),
    });
    return { token, expiresAt: exp };
  }

  signLegacy(sa: { namespace: string; name: string; uid: string }, secretName: string): Promise<string> {
    return this.sign({
      iss: LEGACY_ISSUER,
      'kubernetes.io/serviceaccount/namespace': sa.namespace,
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': sa.name,
      'kubernetes.io/serviceaccount/service-account.uid': sa.uid,
      sub: serviceAccountUsername(sa.namespace, sa.name),
    });
  }

  /** The service-account token authenticator; `requested` are TokenReview spec.audiences. */
  async authenticate(token: string, objects: TokenObjects, requested: string[] = []): Promise<AuthResult> {
    const unverified = decodePayload(token);
    const iss = str(unverified?.iss);
    if (!unverified || (iss !== this.issuer && iss !== LEGACY_ISSUER)) return { ok: false };
    let claims: Record<string, unknown>;
    try {
      const { payload } = await compactVerify(token.trim(), this.publicKey, { algorithms: ['RS256'] });
      claims = JSON.parse(Buffer.from(payload).toString('utf8'));
    } catch {
      return { ok: false, error: 'go-jose/go-jose: error in cryptographic primitive' };
    }

    const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.map(String) : [];
    const tokenAuds = aud.length ? aud : this.apiAudiences;
    const wanted = requested.length ? requested : this.apiAudiences;
    const audiences = tokenAuds.filter((a) => wanted.includes(a));
    if (!audiences.length) return { ok: false, error: `token audiences ${goQuoted(tokenAuds)} is invalid for the target audiences ${goQuoted(wanted)}` };

    const checked = iss === LEGACY_ISSUER ? this.checkLegacy(token, claims, objects) : this.checkBound(claims, objects);
    if (typeof checked === 'string') return { ok: false, error: checked };
    const user: UserInfo = {
      username: serviceAccountUsername(checked.namespace, checked.name), uid: checked.uid, groups: serviceAccountGroups(checked.namespace),
    };
    if (Object.keys(checked.extra).length) user.extra = checked.extra;
    return { ok: true, user, audiences };
  }

  private checkBound(claims: Record<string, unknown>, objects: TokenObjects): Identity | string {
    const now = Math.floor(this.now() / 1000);
    if (typeof claims.exp === 'number' && now > claims.exp + LEEWAY_SECONDS) return 'service account token has expired';
    if (typeof claims.nbf === 'number' && now < claims.nbf - LEEWAY_SECONDS) return 'service account token is not valid yet';
    const k8s = (claims['kubernetes.io'] ?? {}) as Record<string, Record<string, unknown> | string | undefined>;
    const ns = str(k8s.namespace);
    const saRef = (k8s.serviceaccount ?? {}) as Record<string, unknown>;
    const sa = objects.serviceAccount(ns, str(saRef.name));
    if (!sa) return `serviceaccounts "${str(saRef.name)}" not found`;
    if (sa.metadata.uid !== str(saRef.uid)) return `service account UID (${sa.metadata.uid}) does not match claim (${str(saRef.uid)})`;
    const extra: Record<string, string[]> = {};
    const secretRef = k8s.secret as Record<string, unknown> | undefined;
    if (secretRef) {
      const secret = objects.secret(ns, str(secretRef.name));
      if (!secret) return 'service account token has been invalidated';
      if (secret.metadata.uid !== str(secretRef.uid)) return `secret UID (${secret.metadata.uid}) does not match service account secret ref claim (${str(secretRef.uid)})`;
    }
    const podRef = k8s.pod as Record<string, unknown> | undefined;
    if (podRef) {
      const pod = objects.pod(ns, str(podRef.name));
      if (!pod) return 'service account token has been invalidated';
      if (pod.metadata.uid !== str(podRef.uid)) return `pod UID (${pod.metadata.uid}) does not match service account pod ref claim (${str(podRef.uid)})`;
      extra['authentication.kubernetes.io/pod-name'] = [str(podRef.name)];
      extra['authentication.kubernetes.io/pod-uid'] = [str(podRef.uid)];
    }
    if (typeof claims.jti === 'string' && claims.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
    return { namespace: ns, name: str(saRef.name), uid: str(saRef.uid), extra };
  }

  private checkLegacy(token: string, claims: Record<string, unknown>, objects: TokenObjects): Identity | string {
    const ns = str(claims['kubernetes.io/serviceaccount/namespace']);
    const secretName = str(claims['kubernetes.io/serviceaccount/secret.name']);
    const name = str(claims['kubernetes.io/serviceaccount/service-account.name']);
    const uid = str(claims['kubernetes.io/serviceaccount/service-account.uid']);
    if (!ns) return 'namespace claim is missing';
    if (!secretName) return 'secretName claim is missing';
    if (!name) return 'serviceAccountName claim is missing';
    if (!uid) return 'serviceAccountUID claim is missing';
    if (claims.sub !== serviceAccountUsername(ns, name)) return 'sub claim is invalid';
    const secret = objects.secret(ns, secretName);
    if (!secret) return 'service account token has been invalidated';
    const stored = Buffer.from(str((secret.data as Record<string, unknown> | undefined)?.token), 'base64');
    const presented = Buffer.from(token.trim());
    if (stored.length !== presented.length || !timingSafeEqual(stored, presented)) return "service account token does not match server's copy";
    const sa = objects.serviceAccount(ns, name);
    if (!sa) return `serviceaccounts "${name}" not found`;
    if (sa.metadata.uid !== uid) return `service account UID (${sa.metadata.uid}) does not match claim (${uid})`;
    return { namespace: ns, name, uid, extra: {} };
  }
}

interface Identity { namespace: string; name: string; uid: string; extra: Record<string, string[]> }
