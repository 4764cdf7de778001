/**
 * Where verification keys come from: PEM public keys or certificates (jwt_validation_pubkeys,
 * pem_keys), a JWKS URL (jwks_url + jwks_ca_pem), or OIDC discovery (oidc_discovery_url +
 * oidc_discovery_ca_pem: the issuer's /.well-known/openid-configuration names its jwks_uri). Remote
 * key sets are cached and re-fetched when a token names a key id they do not have.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { KeySet } from './validator.js';

/** Parses one PEM public key or certificate; RSA, ECDSA and Ed25519 keys are accepted. */
export function parsePublicKeyPEM(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new Error('data does not contain any valid RSA or ECDSA public keys');
  }
  if (!['rsa', 'rsa-pss', 'ec', 'ed25519'].includes(key.asymmetricKeyType ?? '')) {
    throw new Error('data does not contain any valid RSA or ECDSA public keys');
  }
  return key;
}

export class StaticKeySet implements KeySet {
  constructor(private readonly keys: KeyObject[]) {}

  async verify(token: string, algorithms: string[]): Promise<Record<string, unknown>> {
    for (const key of this.keys) {
      try {
        const { payload } = await compactVerify(token, key, { algorithms });
        return JSON.parse(Buffer.from(payload).toString('utf8'));
      } catch { /* try the next key */ }
    }
    throw new Error('no known key successfully validated the token signature');
  }
}

/** GET a JSON document, trusting `caPem` when given (else the system roots). */
export function fetchJson(url: string, caPem?: string, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const send = u.protocol === 'http:' ? httpRequest : httpsRequest;
    const req = send(u, { method: 'GET', headers: { accept: 'application/json' }, ca: caPem || undefined, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) {
          reject(new Error(`${res.statusCode} ${res.statusMessage ?? ''}: ${body.slice(0, 200)}`.trim()));
          return;
        }
        try { resolve(JSON.parse(body)); } catch (e) { reject(new Error(`got Content-Type = ${res.headers['content-type']}, but could not unmarshal as JSON: ${(e as Error).message}`)); }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('context deadline exceeded')));
    req.on('error', reject);
    req.end();
  });
}

/** A remote JWKS, fetched lazily and again when a token's kid is unknown (at most every 5 s). */
export class RemoteKeySet implements KeySet {
  private keys?: ReturnType<typeof createLocalJWKSet>;
  private fetchedAt = 0;
  private inflight?: Promise<void>;

  constructor(private readonly jwksUrl: () => Promise<string>, private readonly caPem?: string, private readonly now: () => number = Date.now) {}

  private refresh(): Promise<void> {
    this.inflight ??= (async () => {
      try {
        const doc = await fetchJson(await this.jwksUrl(), this.caPem) as JSONWebKeySet;
        if (!doc || !Array.isArray(doc.keys)) throw new Error('oidc: failed to decode keys: no "keys" array');
        this.keys = createLocalJWKSet(doc);
        this.fetchedAt = this.now();
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  async verify(token: string, algorithms: string[]): Promise<Record<string, unknown>> {
    if (!this.keys) {
      try { await this.refresh(); } catch (e) { throw new Error(`fetching keys oidc: get keys failed: ${(e as Error).message}`); }
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const { payload } = await compactVerify(token, this.keys!, { algorithms });
        return JSON.parse(Buffer.from(payload).toString('utf8'));
      } catch (e) {
        const noKey = (e as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY' || (e as { code?: string }).code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS';
        if (attempt === 0 && noKey && this.now() - this.fetchedAt > 5_000) {
          try { await this.refresh(); } catch (err) { throw new Error(`fetching keys oidc: get keys failed: ${(err as Error).message}`); }
          continue;
        }
        throw new Error('failed to verify id token signature');
      }
    }
    throw new Error('failed to verify id token signature');
  }
}

export function jwksKeySet(jwksUrl: string, caPem?: string): RemoteKeySet {
  return new RemoteKeySet(async () => jwksUrl, caPem);
}

/** Reads the discovery document; its issuer must be the URL itself, as go-oidc requires. */
export async function discover(issuer: string, caPem?: string): Promise<{ issuer: string; jwks_uri: string }> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const doc = await fetchJson(url, caPem) as Record<string, unknown>;
  if (typeof doc?.jwks_uri !== 'string') throw new Error('failed to decode OIDC discovery document: missing jwks_uri');
  if (doc.issuer !== issuer) throw new Error(`issuer did not match the returned issuer, expected ${JSON.stringify(issuer)} got ${JSON.stringify(doc.issuer)}`);
  return { issuer: String(doc.issuer), jwks_uri: doc.jwks_uri };
}

export function oidcDiscoveryKeySet(issuer: string, caPem?: string): RemoteKeySet {
  let jwksUri: string | undefined;
  return new RemoteKeySet(async () => (jwksUri ??= (await discover(issuer, caPem)).jwks_uri), caPem);
}
