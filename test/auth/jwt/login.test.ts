import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { jwtAuthFactory } from '../../../src/auth/jwt/backend.js';
import { CofferError } from '../../../src/lib/errors.js';
import { startKubeTestServer, type KubeTestServer } from '../../../src/kube/testing/index.js';
import { createTestBackend } from '../../support/backend.js';

let kube: KubeTestServer;
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let jwksServer: Server;
let jwksUrl: string;
let served: { keys: unknown[] } = { keys: [] };

async function refused(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CofferError) return { status: e.status, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

const now = () => Math.floor(Date.now() / 1000);
const sign = (claims: Record<string, unknown>, key = keys.privateKey, kid = 'k1') =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key);

before(async () => {
  kube = await startKubeTestServer({ controllerDelayMs: 0 });
  await kube.createNamespace('app-namespace');
  await kube.createServiceAccount('app-namespace', 'my-sa');
  keys = await generateKeyPair('RS256');
  served = { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] };
  jwksServer = createServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(served)); });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/jwks`;
});
after(async () => {
  await kube.close();
  jwksServer.close();
});

test('config: exactly one key source, each checked on write', async () => {
  const b = await createTestBackend(jwtAuthFactory, { type: 'jwt' });
  const pem = await exportSPKI(keys.publicKey);
  const cases: [Record<string, unknown>, string][] = [
    [{}, "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set"],
    [{ jwt_validation_pubkeys: pem, jwks_url: jwksUrl }, "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set"],
    [{ jwt_validation_pubkeys: 'nope' }, 'error parsing public key: data does not contain any valid RSA or ECDSA public keys'],
    [{ jwt_validation_pubkeys: pem, jwt_supported_algs: 'HS256' }, 'invalid jwt_supported_algs: unsupported signing algorithm "HS256"'],
    [{ jwks_url: 'http://127.0.0.1:1/jwks' }, 'error checking jwks URL http://127.0.0.1:1/jwks'],
    // The cluster serves discovery only to service accounts unless it is opened to anonymous users.
    [{ oidc_discovery_url: kube.issuer, oidc_discovery_ca_pem: kube.caPem }, 'error checking oidc discovery URL'],
  ];
  for (const [data, message] of cases) assert.deepEqual(await refused(b.call('update', 'config', data)), { status: 400, message }, message);
  await b.call('update', 'config', { jwt_validation_pubkeys: pem, bound_issuer: 'https://issuer.example' });
  const r = await b.call('read', 'config');
  assert.deepEqual(r?.data?.jwt_validation_pubkeys, [pem]);
  assert.equal(r?.data?.oidc_client_secret, undefined);
});

test('roles: Vault\'s rules (user_claim, bound constraints, oidc roles need redirect URIs)', async () => {
  const b = await createTestBackend(jwtAuthFactory, { type: 'jwt' });
  const cases: [Record<string, unknown>, string][] = [
    [{ role_type: 'jwt', bound_audiences: 'a' }, 'a user claim must be defined on the role'],
    [{ role_type: 'jwt', user_claim: 'sub' }, 'must have at least one bound constraint when creating/updating a role'],
    [{ user_claim: 'sub' }, "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified."],
    [{ role_type: 'saml', user_claim: 'sub' }, "invalid 'role_type': saml"],
    [{ role_type: 'jwt', user_claim: 'sub', bound_audiences: 'a', claim_mappings: { email: 'role' } }, 'metadata key "role" is reserved and may not be a mapping destination'],
    [{ role_type: 'jwt', user_claim: 'sub', bound_audiences: 'a', bound_claims_type: 'regex' }, "invalid 'bound_claims_type': regex"],
  ];
  for (const [data, message] of cases) assert.deepEqual(await refused(b.call('create', 'role/r', data)), { status: 400, message }, message);
  await b.call('create', 'role/r', { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'a', policies: 'p1' });
  const r = await b.call('read', 'role/r');
  assert.equal(r?.data?.role_type, 'jwt');
  assert.deepEqual(r?.data?.token_policies, ['p1']);
  assert.equal(r?.data?.clock_skew_leeway, 0);
});

test('Kubernetes service-account tokens, validated locally through the cluster\'s OIDC discovery', async () => {
  // What users do so Vault-like brokers can fetch the issuer's keys without credentials.
  await kube.bindClusterRole({ kind: 'Group', name: 'system:unauthenticated' }, 'system:service-account-issuer-discovery', 'oidc-reviewer');
  const b = await createTestBackend(jwtAuthFactory, { type: 'jwt' });
  await b.call('update', 'config', { oidc_discovery_url: kube.issuer, oidc_discovery_ca_pem: kube.caPem, bound_issuer: kube.issuer });
  await b.call('create', 'role/pods', {
    role_type: 'jwt', user_claim: 'sub', bound_audiences: 'coffer', policies: 'app',
    bound_claims: { '/kubernetes.io/namespace': 'app-namespace' }, claim_mappings: { '/kubernetes.io/serviceaccount/name': 'service_account_name' },
  });
  const jwt = await kube.createToken('app-namespace', 'my-sa', { audiences: ['coffer'] });
  const before = kube.cluster.store.resourceVersion();
  const r = await b.call('update', 'login', { role: 'pods', jwt });
  assert.equal(r?.auth?.alias?.name, 'system:serviceaccount:app-namespace:my-sa');
  assert.deepEqual(r?.auth?.metadata, { service_account_name: 'my-sa', role: 'pods' });
  assert.deepEqual(r?.auth?.policies, ['app']);
  assert.equal(kube.cluster.store.resourceVersion(), before, 'no TokenReview or other write happened');
  const wrongAud = await refused(b.call('update', 'login', { role: 'pods', jwt: await kube.createToken('app-namespace', 'my-sa', { audiences: ['other'] }) }));
  assert.deepEqual(wrongAud, { status: 400, message: 'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience' });
  await kube.createNamespace('elsewhere');
  await kube.createServiceAccount('elsewhere', 'my-sa');
  const elsewhere = await refused(b.call('update', 'login', { role: 'pods', jwt: await kube.createToken('elsewhere', 'my-sa', { audiences: ['coffer'] }) }));
  assert.deepEqual(elsewhere, { status: 400, message: 'error validating claims: claim "/kubernetes.io/namespace" does not match any associated bound claim values' });
});

test('static keys and JWKS: expiry, subject, glob claims, groups, audience rules', async () => {
  const b = await createTestBackend(jwtAuthFactory, { type: 'jwt' });
  await b.call('update', 'config', { jwks_url: jwksUrl });
  await b.call('create', 'role/dev', {
    role_type: 'jwt', user_claim: 'email', groups_claim: 'groups', bound_subject: 'alice', bound_claims_type: 'glob',
    bound_claims: { team: ['eng-*', 'ops'] }, token_ttl: '10m',
  });
  const good = { sub: 'alice', email: 'alice@example.com', team: 'eng-core', groups: ['admins', 'devs'], iat: now(), exp: now() + 300 };
  const r = await b.call('update', 'login', { role: 'dev', jwt: await sign(good) });
  assert.equal(r?.auth?.displayName, 'alice@example.com');
  assert.deepEqual(r?.auth?.groupAliases, [{ name: 'admins' }, { name: 'devs' }]);
  assert.equal(r?.auth?.ttl, 600);
  const cases: [Record<string, unknown>, string][] = [
    [{ ...good, exp: now() - 3600 }, 'error validating token: invalid expiration time (exp) claim: token is expired'],
    [{ ...good, nbf: now() + 3600 }, 'error validating token: invalid not before (nbf) claim: token not yet valid'],
    [{ ...good, sub: 'mallory' }, 'error validating token: invalid subject (sub) claim'],
    [{ ...good, team: 'sales' }, 'error validating claims: claim "team" does not match any associated bound claim values'],
    [{ ...good, aud: 'x' }, 'audience claim found in JWT but no audiences bound to the role'],
    [{ sub: 'alice', team: 'ops', groups: [], iat: now() }, 'claim "email" not found in token'],
    [{ sub: 'alice', email: 'a', team: 'ops', groups: [] }, 'error validating token: no issued at (iat), not before (nbf), or expiration time (exp) claims in token'],
  ];
  for (const [claims, message] of cases) assert.deepEqual(await refused(b.call('update', 'login', { role: 'dev', jwt: await sign(claims) })), { status: 400, message }, message);
  const stranger = await generateKeyPair('RS256');
  assert.deepEqual(await refused(b.call('update', 'login', { role: 'dev', jwt: await sign(good, stranger.privateKey, 'k1') })),
    { status: 400, message: 'error validating token: error verifying token signature: failed to verify id token signature' });

  // Key rotation: a token with a new kid makes the key set re-fetch the JWKS.
  const rotated = await generateKeyPair('RS256');
  served = { keys: [...served.keys, { ...(await exportJWK(rotated.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' }] };
  await new Promise((res) => setTimeout(res, 5100)); // the key set refreshes at most every 5 s
  assert.ok((await b.call('update', 'login', { role: 'dev', jwt: await sign(good, rotated.privateKey, 'k2') }))?.auth);
});

test('login without a role uses default_role; oidc roles cannot log in with a JWT', async () => {
  const b = await createTestBackend(jwtAuthFactory, { type: 'oidc' });
  await b.call('update', 'config', { jwt_validation_pubkeys: await exportSPKI(keys.publicKey), default_role: 'web' });
  await b.call('create', 'role/web', { user_claim: 'sub', allowed_redirect_uris: 'https://app.example/callback' });
  assert.deepEqual(await refused(b.call('update', 'login', { jwt: 'x' })), { status: 400, message: 'role with oidc role_type is not allowed' });
  assert.deepEqual(await refused(b.call('update', 'login', { role: 'nope', jwt: 'x' })), { status: 400, message: 'role "nope" could not be found' });
});
