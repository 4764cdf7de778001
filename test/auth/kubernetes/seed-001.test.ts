/**
 * Seed 001 over HTTP: `vault auth enable -path=kube-policy kubernetes`, config with the reviewer JWT
 * read from the service account's token Secret (a pre-1.24 cluster), a role bound to
 * my-sa/app-namespace, a login with the pod's token, and a read of secret/… with the result.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceAccountSubject, startKubeTestServer, type KubeTestServer } from '../../../src/kube/testing/index.js';
import { startCoffer, type TestCoffer } from '../../support/server.js';

let kube: KubeTestServer;
let coffer: TestCoffer;
let clientToken = '';

before(async () => {
  kube = await startKubeTestServer({ legacyTokenSecrets: true, controllerDelayMs: 0 });
  coffer = await startCoffer();
  // Cluster side, as in the article: my-sa may review tokens (system:auth-delegator).
  await kube.createNamespace('app-namespace');
  await kube.createServiceAccount('app-namespace', 'my-sa');
  await kube.createServiceAccount('app-namespace', 'other-sa');
  await kube.bindClusterRole(serviceAccountSubject('app-namespace', 'my-sa'), 'system:auth-delegator', 'tokenreview-binding');
});
after(async () => {
  await coffer.stop();
  await kube.close();
});

test('seed 001: enable at kube-policy, configure with the token secret, bind a role, log in', async () => {
  const sa = kube.cluster.get(kube.cluster.kind('serviceaccounts'), 'app-namespace', 'my-sa');
  const secretName = sa.secrets[0].name as string; // kubectl get sa my-sa -o jsonpath="{.secrets[*]['name']}"
  const secret = kube.cluster.get(kube.cluster.kind('secrets'), 'app-namespace', secretName);
  const saToken = Buffer.from(secret.data.token, 'base64').toString();

  let r = await coffer.api('POST', 'sys/auth/kube-policy', { type: 'kubernetes' });
  assert.equal(r.status, 204, JSON.stringify(r.body));
  r = await coffer.api('POST', 'auth/kube-policy/config', { token_reviewer_jwt: saToken, kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem });
  assert.equal(r.status, 204, JSON.stringify(r.body));
  r = await coffer.api('POST', 'auth/kube-policy/role/my-role', { bound_service_account_names: 'my-sa', bound_service_account_namespaces: 'app-namespace', policies: 'myappp-policy' });
  assert.equal(r.status, 200, JSON.stringify(r.body)); // 200: the "no audience" warning
  assert.match((r.body as any).warnings[0], /does not have an audience configured/);

  // The pod logs in with its projected token; login needs no Coffer token.
  r = await coffer.api('POST', 'auth/kube-policy/login', { role: 'my-role', jwt: await kube.createToken('app-namespace', 'my-sa') }, '');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const auth = (r.body as any).auth;
  assert.match(auth.client_token, /^hvs\./);
  assert.deepEqual(auth.token_policies, ['default', 'myappp-policy']);
  assert.deepEqual(auth.metadata, {
    role: 'my-role', service_account_name: 'my-sa', service_account_namespace: 'app-namespace',
    service_account_secret_name: '', service_account_uid: sa.metadata.uid,
  });
  assert.equal(auth.renewable, true);
  clientToken = auth.client_token;
  r = await coffer.api('POST', 'auth/token/lookup', { token: clientToken });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((r.body as any).data.display_name, 'kube-policy-app-namespace-my-sa');
  assert.equal((r.body as any).data.path, 'auth/kube-policy/login');

});

test('refusals over HTTP carry Vault\'s status and message', async () => {
  await kube.createNamespace('other-namespace');
  await kube.createServiceAccount('other-namespace', 'my-sa');
  await kube.createServiceAccount('app-namespace', 'doomed');
  const r = await coffer.api('POST', 'auth/kube-policy/role/aud-role', { bound_service_account_names: 'my-sa,doomed', bound_service_account_namespaces: 'app-namespace', audience: 'coffer' });
  assert.equal(r.status, 204, JSON.stringify(r.body));
  const now = Math.floor(Date.now() / 1000);
  const uid = kube.cluster.get(kube.cluster.kind('serviceaccounts'), 'app-namespace', 'my-sa').metadata.uid;
  const expired = await kube.signToken({
    aud: ['coffer'], exp: now - 300, iat: now - 900, nbf: now - 900, iss: kube.issuer, sub: 'system:serviceaccount:app-namespace:my-sa',
    'kubernetes.io': { namespace: 'app-namespace', serviceaccount: { name: 'my-sa', uid } },
  });
  const doomedToken = await kube.createToken('app-namespace', 'doomed', { audiences: ['coffer'] });
  await kube.deleteServiceAccount('app-namespace', 'doomed');
  const cases: [string, string, number, string][] = [
    ['wrong namespace', await kube.createToken('other-namespace', 'my-sa', { audiences: ['coffer'] }), 403, 'namespace not authorized'],
    ['wrong service account', await kube.createToken('app-namespace', 'other-sa', { audiences: ['coffer'] }), 403, 'service account name not authorized'],
    ['expired token', expired, 403, 'invalid expiration time (exp) claim: token is expired'],
    ['deleted service account', doomedToken, 403, 'permission denied'],
    ['wrong audience', await kube.createToken('app-namespace', 'my-sa', { audiences: ['someone-else'] }), 403, 'invalid audience (aud) claim: audience claim does not match any expected audience'],
    ['not a JWT', 'not-a-jwt', 403, 'permission denied'],
  ];
  for (const [name, jwt, status, message] of cases) {
    const res = await coffer.api('POST', 'auth/kube-policy/login', { role: 'aud-role', jwt }, '');
    assert.equal(res.status, status, name);
    assert.deepEqual((res.body as any).errors, [message], name);
  }
  const ok = await coffer.api('POST', 'auth/kube-policy/login', { role: 'aud-role', jwt: await kube.createToken('app-namespace', 'my-sa', { audiences: ['coffer'] }) }, '');
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

test('seed 001: the token reads secret/top-secret under its policy, and nothing else', async () => {
  let r = await coffer.api('PUT', 'sys/policies/acl/myappp-policy', { policy: 'path "secret/data/top-secret" {\n  capabilities = ["read", "list"]\n}\n' });
  assert.ok(r.status === 204 || r.status === 200, JSON.stringify(r.body));
  r = await coffer.api('POST', 'secret/data/top-secret', { data: { aws_access_key_id: 'my-access-key', aws_secret_access_key: 'my-secret-key' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await coffer.api('GET', 'secret/data/top-secret', undefined, clientToken);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((r.body as any).data.data.aws_access_key_id, 'my-access-key');
  r = await coffer.api('GET', 'secret/data/other', undefined, clientToken);
  assert.equal(r.status, 403);
});
