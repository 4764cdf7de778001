/**
 * Seed 004 over HTTP: `vault secrets enable kubernetes`, a role with generated rules for argocd,
 * `vault write kubernetes/creds/automated-sa-test kubernetes_namespace=argocd`; the token lists
 * pods in argocd only, and when the lease runs out the objects are deleted from the cluster.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceAccountSubject, startKubeTestServer, type KubeTestServer } from '../../../src/kube/testing/index.js';
import { startCoffer, type TestCoffer } from '../../support/server.js';
import { raw } from '../../kube/testing/helpers.js';

let kube: KubeTestServer;
let coffer: TestCoffer;

before(async () => {
  // A 2 s credential is impossible on a real cluster (TokenRequests last at least 10 minutes); this server allows it.
  kube = await startKubeTestServer({ controllerDelayMs: 0, minTokenExpirationSeconds: 1 });
  coffer = await startCoffer();
  await kube.createNamespace('argocd');
  await kube.createNamespace('vault');
  await kube.createServiceAccount('vault', 'vault');
  await kube.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'k8s-full-secrets-abilities' },
    rules: [
      { apiGroups: [''], resources: ['serviceaccounts', 'serviceaccounts/token'], verbs: ['create', 'update', 'delete'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings', 'clusterrolebindings'], verbs: ['create', 'update', 'delete'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'clusterroles'], verbs: ['bind', 'escalate', 'create', 'update', 'delete'] },
    ],
  });
  await kube.bindClusterRole(serviceAccountSubject('vault', 'vault'), 'k8s-full-secrets-abilities', 'vault-token-creator-binding');
});
after(async () => {
  await coffer.stop();
  await kube.close();
});

test('seed 004: a generated service account lists pods in argocd only, and is gone after the TTL', async () => {
  let r = await coffer.api('POST', 'sys/mounts/kubernetes', { type: 'kubernetes' });
  assert.equal(r.status, 204, JSON.stringify(r.body));
  r = await coffer.api('POST', 'kubernetes/config', {
    kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, service_account_jwt: await kube.createToken('vault', 'vault', { expirationSeconds: 86400 }),
  });
  assert.equal(r.status, 204, JSON.stringify(r.body));
  r = await coffer.api('POST', 'kubernetes/roles/automated-sa-test', {
    allowed_kubernetes_namespaces: 'argocd',
    generated_role_rules: '{\n"rules": [\n{\n"apiGroups": [""],\n"resources": ["pods"],\n"verbs":["list"]\n}\n]\n}',
  });
  assert.equal(r.status, 204, JSON.stringify(r.body));

  r = await coffer.api('POST', 'kubernetes/creds/automated-sa-test', { kubernetes_namespace: 'argocd', ttl: '2s' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const body = r.body as any;
  assert.match(body.lease_id, /^kubernetes\/creds\/automated-sa-test\/\w+$/);
  assert.equal(body.renewable, false);
  assert.equal(body.lease_duration, 2);
  assert.match(body.data.service_account_name, /^v-root-automate-\d+-[a-z0-9]{24}$/);
  assert.equal(body.data.service_account_namespace, 'argocd');
  const name = body.data.service_account_name as string;
  const token = body.data.service_account_token as string;

  assert.equal((await raw(kube, 'GET', '/api/v1/namespaces/argocd/pods', { token })).status, 200);
  const elsewhere = await raw(kube, 'GET', '/api/v1/namespaces/vault/pods', { token });
  assert.equal(elsewhere.status, 403);
  assert.equal(elsewhere.json.message, `pods is forbidden: User "system:serviceaccount:argocd:${name}" cannot list resource "pods" in API group "" in the namespace "vault"`);

  // The lease expires; its revocation deletes the Role, RoleBinding and ServiceAccount.
  const sa = () => kube.cluster.store.get(kube.cluster.kind('serviceaccounts'), 'argocd', name);
  const deadline = Date.now() + 15_000;
  while (sa() && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  assert.equal(sa(), undefined, 'the service account is deleted when the lease ends');
  assert.equal(kube.cluster.store.get(kube.cluster.kind('roles', 'rbac.authorization.k8s.io'), 'argocd', name), undefined);
  assert.equal(kube.cluster.store.get(kube.cluster.kind('rolebindings', 'rbac.authorization.k8s.io'), 'argocd', name), undefined);
  assert.equal((await raw(kube, 'GET', '/api/v1/namespaces/argocd/pods', { token })).status, 401);
  // The lease record goes right after its revocation callback finished; allow for a loaded machine.
  const leaseDeadline = Date.now() + 10_000;
  do {
    r = await coffer.api('POST', 'sys/leases/lookup', { lease_id: body.lease_id });
    if (r.status === 400) break;
    await new Promise((res) => setTimeout(res, 100));
  } while (Date.now() < leaseDeadline);
  assert.equal(r.status, 400);
});
