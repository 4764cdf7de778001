import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { kubernetesAuthFactory } from '../../../src/auth/kubernetes/backend.js';
import { CofferError } from '../../../src/lib/errors.js';
import { serviceAccountSubject, startKubeTestServer, type KubeTestServer } from '../../../src/kube/testing/index.js';
import { createTestBackend, type TestBackend } from '../../support/backend.js';

let kube: KubeTestServer;
let b: TestBackend;
let reviewerJwt: string;

async function refused(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CofferError) return { status: e.status, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

const saUid = (ns: string, name: string) => kube.cluster.get(kube.cluster.kind('serviceaccounts'), ns, name).metadata.uid!;

before(async () => {
  kube = await startKubeTestServer({ controllerDelayMs: 0 });
  await kube.createNamespace('app-namespace', { team: 'payments' });
  await kube.createNamespace('other', { team: 'search' });
  await kube.createServiceAccount('app-namespace', 'my-sa');
  await kube.createServiceAccount('app-namespace', 'other-sa');
  await kube.createServiceAccount('other', 'my-sa');
  await kube.createNamespace('vault');
  await kube.createServiceAccount('vault', 'vault-auth');
  await kube.bindClusterRole(serviceAccountSubject('vault', 'vault-auth'), 'system:auth-delegator', 'vault-auth-delegator');
  await kube.bindClusterRole(serviceAccountSubject('vault', 'vault-auth'), 'view', 'vault-auth-view');
  reviewerJwt = await kube.createToken('vault', 'vault-auth');
  b = await createTestBackend(kubernetesAuthFactory, { type: 'kubernetes', path: 'auth/kube-policy/' });
  await b.call('update', 'config', { kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, token_reviewer_jwt: reviewerJwt });
  await b.call('update', 'role/my-role', { bound_service_account_names: 'my-sa', bound_service_account_namespaces: 'app-namespace', policies: 'myapp-policy', ttl: '1h' });
});
after(async () => {
  await b.backend.def.cleanup?.();
  await kube.close();
});

test('config: read hides the reviewer JWT; bad input is refused naming the problem', async () => {
  const r = await b.call('read', 'config');
  assert.equal(r?.data?.kubernetes_host, kube.url);
  assert.equal(r?.data?.token_reviewer_jwt_set, true);
  assert.equal(r?.data?.token_reviewer_jwt, undefined);
  assert.equal(r?.data?.disable_iss_validation, true);
  const fresh = await createTestBackend(kubernetesAuthFactory);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{}, /^no host provided$/],
    [{ kubernetes_host: kube.url, kubernetes_ca_cert: 'not a pem' }, /^The provided CA PEM data contains no valid certificates$/],
    [{ kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, pem_keys: 'nope' }, /^data does not contain any valid RSA or ECDSA public keys$/],
    [{ kubernetes_host: kube.url }, /kubernetes_ca_cert is not set and the local CA certificate .* could not be read .*set kubernetes_ca_cert, or disable_local_ca_jwt=true/],
  ];
  for (const [data, re] of cases) {
    const e = await refused(fresh.call('update', 'config', data));
    assert.equal(e.status, 400);
    assert.match(e.message, re);
  }
  await fresh.call('update', 'config', { kubernetes_host: kube.url, disable_local_ca_jwt: true });
  assert.equal((await fresh.call('read', 'config'))?.data?.token_reviewer_jwt_set, false);
});

test('roles: Vault validation rules and read-back shape', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ bound_service_account_namespaces: 'a' }, '"bound_service_account_names" can not be empty'],
    [{ bound_service_account_names: 'a' }, '"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set'],
    [{ bound_service_account_names: '*,a', bound_service_account_namespaces: 'x' }, 'can not mix "*" with values'],
    [{ bound_service_account_names: 'a', bound_service_account_namespace_selector: '{"matchLabels": ' }, 'invalid "bound_service_account_namespace_selector" configured'],
    [{ bound_service_account_names: 'a', bound_service_account_namespaces: 'x', alias_name_source: 'pod' }, 'invalid alias_name_source, must be one of: serviceaccount_uid, serviceaccount_name'],
    // The shared token_* parser (src/auth/token-fields.ts) refuses this before the role does.
    [{ bound_service_account_names: 'a', bound_service_account_namespaces: 'x', token_ttl: '2h', token_max_ttl: '1h' }, '"token_ttl" cannot be greater than "token_max_ttl"'],
  ];
  for (const [data, message] of cases) {
    const e = await refused(b.call('create', 'role/bad', data));
    assert.equal(e.status, 400, message);
    assert.equal(e.message, message);
  }
  const w = await b.call('create', 'role/Mixed-Case', { bound_service_account_names: 'app-*', bound_service_account_namespaces: '*' });
  assert.match(w?.warnings?.[0] ?? '', /^Role Mixed-Case does not have an audience configured/);
  const r = await b.call('read', 'role/mixed-case');
  assert.deepEqual(r?.data?.bound_service_account_names, ['app-*']);
  assert.equal(r?.data?.alias_name_source, 'serviceaccount_uid');
  assert.equal(r?.data?.audience, undefined);
  const legacy = await b.call('read', 'role/my-role');
  assert.deepEqual(legacy?.data?.token_policies, ['myapp-policy']);
  assert.equal(legacy?.data?.token_ttl, 3600);
  assert.deepEqual((await b.call('list', 'role'))?.data?.keys, ['mixed-case', 'my-role']);
});

test('login: seed 001, a bound service account gets the role policies, metadata and its UID as alias', async () => {
  const jwt = await kube.createToken('app-namespace', 'my-sa');
  const r = await b.call('update', 'login', { role: 'my-role', jwt });
  const auth = r!.auth!;
  assert.deepEqual(auth.policies, ['myapp-policy']);
  assert.equal(auth.ttl, 3600);
  assert.equal(auth.displayName, 'app-namespace-my-sa');
  assert.deepEqual(auth.metadata, {
    service_account_uid: saUid('app-namespace', 'my-sa'), service_account_name: 'my-sa', service_account_namespace: 'app-namespace',
    service_account_secret_name: '', role: 'my-role',
  });
  assert.equal(auth.alias?.name, saUid('app-namespace', 'my-sa'));
  assert.equal(auth.alias?.metadata?.service_account_name, 'my-sa');
  assert.deepEqual(auth.internal, { role: 'my-role' });
  // Renewal re-reads the role, and fails once it is gone.
  const renewed = await b.backend.def.renewAuth!({} as never, auth);
  assert.equal(renewed?.ttl, 3600);
});

test('login refusals carry Vault\'s messages', async () => {
  await b.call('update', 'role/aud-role', { bound_service_account_names: 'my-sa', bound_service_account_namespaces: 'app-namespace', audience: 'vault' });
  const now = Math.floor(Date.now() / 1000);
  const expired = await kube.signToken({
    aud: [kube.issuer], exp: now - 600, iat: now - 4200, nbf: now - 4200, iss: kube.issuer, sub: 'system:serviceaccount:app-namespace:my-sa',
    'kubernetes.io': { namespace: 'app-namespace', serviceaccount: { name: 'my-sa', uid: saUid('app-namespace', 'my-sa') } },
  });
  const cases: { name: string; role: string; jwt: () => Promise<string>; status: number; message: string }[] = [
    { name: 'wrong namespace', role: 'my-role', jwt: () => kube.createToken('other', 'my-sa'), status: 403, message: 'namespace not authorized' },
    { name: 'wrong service account', role: 'my-role', jwt: () => kube.createToken('app-namespace', 'other-sa'), status: 403, message: 'service account name not authorized' },
    { name: 'expired token', role: 'my-role', jwt: async () => expired, status: 403, message: 'invalid expiration time (exp) claim: token is expired' },
    { name: 'wrong audience', role: 'aud-role', jwt: () => kube.createToken('app-namespace', 'my-sa', { audiences: ['not-vault'] }), status: 403, message: 'invalid audience (aud) claim: audience claim does not match any expected audience' },
    { name: 'not a JWT', role: 'my-role', jwt: async () => 'garbage', status: 403, message: 'permission denied' },
    { name: 'unknown role', role: 'nope', jwt: () => kube.createToken('app-namespace', 'my-sa'), status: 400, message: 'invalid role name "nope"' },
  ];
  for (const c of cases) {
    const e = await refused(b.call('update', 'login', { role: c.role, jwt: await c.jwt() }));
    assert.deepEqual(e, { status: c.status, message: c.message }, c.name);
  }
  assert.deepEqual(await refused(b.call('update', 'login', { jwt: 'x' })), { status: 400, message: 'missing role' });
  assert.deepEqual(await refused(b.call('update', 'login', { role: 'my-role' })), { status: 400, message: 'missing jwt' });
  const ok = await b.call('update', 'login', { role: 'aud-role', jwt: await kube.createToken('app-namespace', 'my-sa', { audiences: ['vault'] }) });
  assert.ok(ok?.auth);
});

test('a deleted service account\'s token is refused after the TokenReview', async () => {
  await kube.createServiceAccount('app-namespace', 'temp-sa');
  await b.call('update', 'role/temp', { bound_service_account_names: 'temp-sa', bound_service_account_namespaces: 'app-namespace' });
  const jwt = await kube.createToken('app-namespace', 'temp-sa');
  assert.ok((await b.call('update', 'login', { role: 'temp', jwt }))?.auth);
  await kube.deleteServiceAccount('app-namespace', 'temp-sa');
  assert.deepEqual(await refused(b.call('update', 'login', { role: 'temp', jwt })), { status: 403, message: 'permission denied' });
});

test('globs, namespace selectors (with matchExpressions) and serviceaccount_name aliases', async () => {
  await b.call('update', 'role/glob', {
    bound_service_account_names: 'my-*', bound_service_account_namespace_selector: 'matchExpressions:\n- {key: team, operator: In, values: [payments]}\n',
    alias_name_source: 'serviceaccount_name',
  });
  const r = await b.call('update', 'login', { role: 'glob', jwt: await kube.createToken('app-namespace', 'my-sa') });
  assert.equal(r?.auth?.alias?.name, 'app-namespace/my-sa');
  const e = await refused(b.call('update', 'login', { role: 'glob', jwt: await kube.createToken('other', 'my-sa') }));
  assert.deepEqual(e, { status: 403, message: 'namespace not authorized' });
});

test('without a reviewer JWT the client\'s own token calls TokenReview (so it needs system:auth-delegator)', async () => {
  const own = await createTestBackend(kubernetesAuthFactory);
  try {
    await own.call('update', 'config', { kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, disable_local_ca_jwt: true });
    await own.call('update', 'role/r', { bound_service_account_names: 'my-sa', bound_service_account_namespaces: 'app-namespace' });
    const jwt = await kube.createToken('app-namespace', 'my-sa');
    assert.deepEqual(await refused(own.call('update', 'login', { role: 'r', jwt })), { status: 403, message: 'permission denied' });
    await kube.bindClusterRole(serviceAccountSubject('app-namespace', 'my-sa'), 'system:auth-delegator', 'my-sa-delegator');
    assert.ok((await own.call('update', 'login', { role: 'r', jwt }))?.auth);
  } finally {
    await own.backend.def.cleanup?.();
  }
});

test('pem_keys verify signatures locally; legacy secret tokens log in with their secret name', async () => {
  const signed = await createTestBackend(kubernetesAuthFactory);
  try {
    await signed.call('update', 'config', {
      kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, token_reviewer_jwt: reviewerJwt,
      pem_keys: [kube.cluster.signer.publicKeyPem()], disable_iss_validation: false, issuer: kube.issuer,
    });
    await signed.call('update', 'role/r', { bound_service_account_names: 'my-sa', bound_service_account_namespaces: 'app-namespace' });
    const jwt = await kube.createToken('app-namespace', 'my-sa');
    assert.ok((await signed.call('update', 'login', { role: 'r', jwt }))?.auth);
    const forged = jwt.slice(0, jwt.lastIndexOf('.') + 1) + Buffer.from('forged').toString('base64url');
    assert.deepEqual(await refused(signed.call('update', 'login', { role: 'r', jwt: forged })), { status: 403, message: 'permission denied' });
    const legacy = await kube.createLegacyToken('app-namespace', 'my-sa', 'my-sa-token');
    assert.deepEqual(await refused(signed.call('update', 'login', { role: 'r', jwt: legacy })), { status: 403, message: 'invalid issuer (iss) claim' });
  } finally {
    await signed.backend.def.cleanup?.();
  }
  const legacy = await kube.createLegacyToken('app-namespace', 'my-sa', 'my-sa-token-2');
  const r = await b.call('update', 'login', { role: 'my-role', jwt: legacy });
  assert.equal(r?.auth?.metadata?.service_account_secret_name, 'my-sa-token-2');
});

test('in a pod: an empty CA and reviewer JWT come from the service-account mount', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { serviceAccountMount } = await import('../../../src/kube/in-cluster.js');
  const dir = mkdtempSync(join(tmpdir(), 'coffer-sa-mount-'));
  const saved = serviceAccountMount.dir;
  serviceAccountMount.dir = dir;
  writeFileSync(join(dir, 'token'), reviewerJwt);
  writeFileSync(join(dir, 'ca.crt'), kube.caPem);
  const pod = await createTestBackend(kubernetesAuthFactory);
  try {
    await pod.call('update', 'config', { kubernetes_host: kube.url });
    const c = await pod.call('read', 'config');
    assert.equal(c?.data?.kubernetes_ca_cert, '');
    assert.equal(c?.data?.token_reviewer_jwt_set, false, 'the pod token is read at login, never stored');
    await pod.call('update', 'role/r', { bound_service_account_names: 'my-sa', bound_service_account_namespaces: 'app-namespace' });
    assert.ok((await pod.call('update', 'login', { role: 'r', jwt: await kube.createToken('app-namespace', 'my-sa') }))?.auth);
  } finally {
    serviceAccountMount.dir = saved;
    await pod.backend.def.cleanup?.();
    rmSync(dir, { recursive: true, force: true });
  }
});
