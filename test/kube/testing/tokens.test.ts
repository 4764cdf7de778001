import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthenticationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { serviceAccountSubject, startKubeTestServer, type KubeTestServer } from '../../../src/kube/testing/index.js';
import { decodeJwt, kubeConfig, raw, statusOf } from './helpers.js';

let server: KubeTestServer;
let reviewerToken: string;

before(async () => {
  server = await startKubeTestServer({ controllerDelayMs: 0 });
  await server.createNamespace('app-namespace');
  await server.createServiceAccount('app-namespace', 'my-sa');
  await server.createNamespace('vault');
  await server.createServiceAccount('vault', 'reviewer');
  await server.bindClusterRole(serviceAccountSubject('vault', 'reviewer'), 'system:auth-delegator', 'vault-tokenreview');
  reviewerToken = await server.createToken('vault', 'reviewer');
});
after(() => server.close());

function review(token: string, audiences?: string[], as = reviewerToken) {
  const authn = kubeConfig(server, as).makeApiClient(AuthenticationV1Api);
  return authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } } });
}

test('TokenRequest signs a bound RS256 token with the kubernetes.io claims; TokenReview authenticates it', async () => {
  const core = kubeConfig(server).makeApiClient(CoreV1Api);
  const tr = await core.createNamespacedServiceAccountToken({
    name: 'my-sa', namespace: 'app-namespace',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['vault'], expirationSeconds: 600 } },
  });
  const token = tr.status!.token;
  const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
  assert.equal(header.alg, 'RS256');
  const claims = decodeJwt(token);
  const sa = await core.readNamespacedServiceAccount({ name: 'my-sa', namespace: 'app-namespace' });
  assert.equal(claims.iss, server.issuer);
  assert.equal(claims.sub, 'system:serviceaccount:app-namespace:my-sa');
  assert.deepEqual(claims.aud, ['vault']);
  assert.equal(claims.exp - claims.iat, 600);
  assert.equal(claims.nbf, claims.iat);
  assert.deepEqual(claims['kubernetes.io'], { namespace: 'app-namespace', serviceaccount: { name: 'my-sa', uid: sa.metadata!.uid } });
  assert.equal(new Date(tr.status!.expirationTimestamp).getTime() / 1000, claims.exp);

  const ok = await review(token, ['vault']);
  assert.equal(ok.status?.authenticated, true);
  assert.equal(ok.status?.user?.username, 'system:serviceaccount:app-namespace:my-sa');
  assert.equal(ok.status?.user?.uid, sa.metadata!.uid);
  assert.deepEqual(ok.status?.user?.groups, ['system:serviceaccounts', 'system:serviceaccounts:app-namespace', 'system:authenticated']);
  assert.deepEqual(ok.status?.audiences, ['vault']);
  assert.equal(ok.status?.user?.extra?.['authentication.kubernetes.io/credential-id']?.[0], `JTI=${claims.jti}`);
});

test('the issuer publishes OIDC discovery and a JWKS that verifies its tokens', async () => {
  await server.bindClusterRole({ kind: 'Group', name: 'system:unauthenticated' }, 'system:service-account-issuer-discovery', 'oidc-anonymous');
  const disco = await raw(server, 'GET', '/.well-known/openid-configuration', { token: null });
  assert.equal(disco.status, 200);
  assert.equal(disco.json.issuer, server.issuer);
  assert.equal(disco.json.jwks_uri, `${server.url}/openid/v1/jwks`);
  assert.deepEqual(disco.json.id_token_signing_alg_values_supported, ['RS256']);
  const jwks = await raw(server, 'GET', '/openid/v1/jwks', { token: null });
  assert.equal(jwks.headers['content-type'], 'application/jwk-set+json');
  assert.equal(jwks.json.keys[0].kty, 'RSA');
  assert.equal(jwks.json.keys[0].use, 'sig');
  const token = await server.createToken('app-namespace', 'my-sa', { audiences: ['https://coffer.example'] });
  const verified = await jwtVerify(token, createLocalJWKSet(jwks.json), { issuer: server.issuer, audience: 'https://coffer.example' });
  assert.equal(verified.payload.sub, 'system:serviceaccount:app-namespace:my-sa');
});

test('TokenReview refuses what a cluster refuses, with its error texts', async () => {
  const bound = await server.createToken('app-namespace', 'my-sa', { audiences: ['vault'] });
  const expired = await server.signToken({
    aud: ['vault'], exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200, iss: server.issuer,
    'kubernetes.io': { namespace: 'app-namespace', serviceaccount: { name: 'my-sa', uid: server.cluster.store.get(server.cluster.kind('serviceaccounts'), 'app-namespace', 'my-sa')!.metadata.uid } },
    sub: 'system:serviceaccount:app-namespace:my-sa',
  });
  const tampered = bound.slice(0, bound.lastIndexOf('.') + 1) + 'AAAA' + bound.slice(bound.lastIndexOf('.') + 5);
  const cases: { name: string; token: string; audiences?: string[]; error: string }[] = [
    { name: 'wrong audience', token: bound, audiences: ['other'], error: '[invalid bearer token, token audiences ["vault"] is invalid for the target audiences ["other"]]' },
    { name: 'no audience requested: the API server audiences apply', token: bound, error: `[invalid bearer token, token audiences ["vault"] is invalid for the target audiences ["${server.issuer}"]]` },
    { name: 'expired', token: expired, audiences: ['vault'], error: '[invalid bearer token, service account token has expired]' },
    { name: 'bad signature', token: tampered, audiences: ['vault'], error: '[invalid bearer token, go-jose/go-jose: error in cryptographic primitive]' },
    { name: 'not a token of this cluster', token: 'abc.def', error: 'invalid bearer token' },
  ];
  for (const c of cases) {
    const r = await review(c.token, c.audiences);
    assert.equal(r.status?.authenticated, undefined, c.name);
    assert.deepEqual({ ...r.status?.user }, {}, c.name);
    assert.equal(r.status?.error, c.error, c.name);
  }
});

test('a reviewer without system:auth-delegator is refused with the 403 a cluster gives', async () => {
  const bound = await server.createToken('app-namespace', 'my-sa', { audiences: ['vault'] });
  const apiToken = await server.createToken('app-namespace', 'my-sa'); // audience: the API server
  const { code, status } = await statusOf(review(bound, ['vault'], apiToken));
  assert.equal(code, 403);
  assert.equal(status.reason, 'Forbidden');
  assert.equal(status.message, 'tokenreviews.authentication.k8s.io is forbidden: User "system:serviceaccount:app-namespace:my-sa" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope');
  assert.deepEqual(status.details, { group: 'authentication.k8s.io', kind: 'tokenreviews' });
});

test('deleting a service account invalidates its tokens: TokenReview says no, and the API answers 401', async () => {
  await server.createServiceAccount('app-namespace', 'short-lived');
  await server.grantRules('app-namespace', serviceAccountSubject('app-namespace', 'short-lived'), [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['list'] }]);
  const token = await server.createToken('app-namespace', 'short-lived');
  assert.equal((await raw(server, 'GET', '/api/v1/namespaces/app-namespace/serviceaccounts', { token })).status, 200);
  await server.deleteServiceAccount('app-namespace', 'short-lived');
  const r = await review(token, [server.issuer]);
  assert.equal(r.status?.authenticated, undefined);
  assert.equal(r.status?.error, '[invalid bearer token, serviceaccounts "short-lived" not found]');
  const after = await raw(server, 'GET', '/api/v1/namespaces/app-namespace/serviceaccounts', { token });
  assert.equal(after.status, 401);
  assert.deepEqual(after.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  // A new account with the same name has a new UID: the old token stays invalid.
  await server.createServiceAccount('app-namespace', 'short-lived');
  assert.match((await review(token, [server.issuer])).status?.error ?? '', /service account UID \(.+\) does not match claim/);
});

test('pod-bound tokens carry the pod and die with it', async () => {
  await server.createPod('app-namespace', 'web-0', 'my-sa');
  const token = await server.createToken('app-namespace', 'my-sa', { audiences: ['vault'], pod: 'web-0' });
  const claims = decodeJwt(token);
  assert.equal(claims['kubernetes.io'].pod.name, 'web-0');
  const ok = await review(token, ['vault']);
  assert.deepEqual(ok.status?.user?.extra?.['authentication.kubernetes.io/pod-name'], ['web-0']);
  assert.deepEqual(ok.status?.user?.extra?.['authentication.kubernetes.io/pod-uid'], [claims['kubernetes.io'].pod.uid]);
  await kubeConfig(server).makeApiClient(CoreV1Api).deleteNamespacedPod({ name: 'web-0', namespace: 'app-namespace' });
  assert.equal((await review(token, ['vault'])).status?.error, '[invalid bearer token, service account token has been invalidated]');
});

test('legacy secret-based tokens: populated by the token controller, no expiry, valid for the API audiences', async () => {
  const core = kubeConfig(server).makeApiClient(CoreV1Api);
  await core.createNamespacedSecret({
    namespace: 'app-namespace',
    body: { metadata: { name: 'my-sa-token', annotations: { 'kubernetes.io/service-account.name': 'my-sa' } }, type: 'kubernetes.io/service-account-token' },
  });
  const secret = await core.readNamespacedSecret({ name: 'my-sa-token', namespace: 'app-namespace' });
  assert.equal(Buffer.from(secret.data!['ca.crt']!, 'base64').toString(), server.caPem);
  assert.equal(Buffer.from(secret.data!.namespace!, 'base64').toString(), 'app-namespace');
  const token = Buffer.from(secret.data!.token!, 'base64').toString();
  const claims = decodeJwt(token);
  assert.equal(claims.iss, 'kubernetes/serviceaccount');
  assert.equal(claims.exp, undefined);
  assert.equal(claims['kubernetes.io/serviceaccount/secret.name'], 'my-sa-token');
  assert.equal(claims['kubernetes.io/serviceaccount/service-account.name'], 'my-sa');
  assert.equal(claims['kubernetes.io/serviceaccount/service-account.uid'], secret.metadata?.annotations?.['kubernetes.io/service-account.uid']);
  const r = await review(token);
  assert.equal(r.status?.authenticated, true);
  assert.deepEqual(r.status?.audiences, [server.issuer]);
  await core.deleteNamespacedSecret({ name: 'my-sa-token', namespace: 'app-namespace' });
  assert.equal((await review(token)).status?.error, '[invalid bearer token, service account token has been invalidated]');
});

test('legacyTokenSecrets: a new service account lists its generated token secret, as before 1.24', async () => {
  const old = await startKubeTestServer({ legacyTokenSecrets: true });
  try {
    await old.createServiceAccount('default', 'my-sa');
    const sa = old.cluster.get(old.cluster.kind('serviceaccounts'), 'default', 'my-sa');
    assert.match(sa.secrets[0].name, /^my-sa-token-[a-z0-9]{5}$/);
    const secret = old.cluster.get(old.cluster.kind('secrets'), 'default', sa.secrets[0].name);
    assert.ok(secret.data.token);
  } finally {
    await old.close();
  }
});

test('TokenRequest validation: minimum lifetime, missing account, pod bound to another account', async () => {
  const core = kubeConfig(server).makeApiClient(CoreV1Api);
  const short = await statusOf(core.createNamespacedServiceAccountToken({ name: 'my-sa', namespace: 'app-namespace', body: { spec: { audiences: [], expirationSeconds: 599 } } }));
  assert.equal(short.code, 422);
  assert.equal(short.status.message, 'TokenRequest.authentication.k8s.io "my-sa" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes');
  const missing = await statusOf(core.createNamespacedServiceAccountToken({ name: 'ghost', namespace: 'app-namespace', body: { spec: { audiences: [] } } }));
  assert.equal(missing.code, 404);
  assert.equal(missing.status.message, 'serviceaccounts "ghost" not found');
  const pod = await server.createPod('app-namespace', 'runs-as-default', 'default');
  const otherPod = await statusOf(core.createNamespacedServiceAccountToken({
    name: 'my-sa', namespace: 'app-namespace',
    body: { spec: { audiences: [], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'runs-as-default', uid: pod.metadata.uid } } },
  }));
  assert.equal(otherPod.code, 400);
  assert.match(otherPod.status.message, /running as serviceaccount "default"/);
  const def = await core.createNamespacedServiceAccountToken({ name: 'my-sa', namespace: 'app-namespace', body: { spec: { audiences: [] } } });
  assert.deepEqual(decodeJwt(def.status!.token).aud, [server.issuer]);
  assert.equal(def.spec.expirationSeconds, 3600);
});

test('anonymous requests are system:anonymous; discovery needs an authenticated user', async () => {
  const r = await raw(server, 'GET', '/api', { token: null });
  assert.equal(r.status, 403);
  assert.equal(r.json.message, 'forbidden: User "system:anonymous" cannot get path "/api"');
  assert.equal((await raw(server, 'GET', '/version', { token: null })).status, 200);
  assert.equal((await raw(server, 'GET', '/api', { token: 'not-a-token' })).status, 401);
  assert.equal((await raw(server, 'GET', '/api', { token: await server.createToken('app-namespace', 'my-sa') })).status, 200);
});
