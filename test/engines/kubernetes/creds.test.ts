import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { kubernetesSecretsFactory } from '../../../src/engines/kubernetes/backend.js';
import { sweepWal } from '../../../src/engines/kubernetes/wal.js';
import { CofferError } from '../../../src/lib/errors.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { KubeClient } from '../../../src/kube/client.js';
import { serviceAccountSubject, startKubeTestServer, type KubeTestServer } from '../../../src/kube/testing/index.js';
import { createTestBackend, type TestBackend } from '../../support/backend.js';
import { raw } from '../../kube/testing/helpers.js';

let kube: KubeTestServer;
let b: TestBackend;

/** Seed 004's ClusterRole for Vault's own service account (plus get namespaces, for selectors). */
const VAULT_RULES = [
  { apiGroups: [''], resources: ['serviceaccounts', 'serviceaccounts/token'], verbs: ['create', 'update', 'delete'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings', 'clusterrolebindings'], verbs: ['create', 'update', 'delete'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'clusterroles'], verbs: ['bind', 'escalate', 'create', 'update', 'delete'] },
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
];

async function refused(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CofferError) return { status: e.status, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

const get = (plural: string, ns: string | undefined, name: string, group = '') => kube.cluster.store.get(kube.cluster.kind(plural, group), ns, name);
const creds = (role: string, data: Record<string, unknown> = {}) =>
  b.call('update', `creds/${role}`, data, { token: { displayName: 'root' } as never });
const revoke = (internal: Record<string, unknown>) =>
  b.backend.secretType('kube_token')!.revoke({ secret: { leaseId: 'x', type: 'kube_token', internal, issueTime: 0, ttl: 0 } } as never);

before(async () => {
  kube = await startKubeTestServer({ controllerDelayMs: 0, maxTokenExpirationSeconds: 7200 });
  await kube.createNamespace('argocd', { team: 'gitops' });
  await kube.createNamespace('vault');
  await kube.createServiceAccount('vault', 'vault');
  await kube.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'k8s-full-secrets-abilities' }, rules: VAULT_RULES });
  await kube.bindClusterRole(serviceAccountSubject('vault', 'vault'), 'k8s-full-secrets-abilities', 'vault-token-creator-binding');
  b = await createTestBackend(kubernetesSecretsFactory, { type: 'kubernetes', path: 'kubernetes/', defaultLeaseTTL: 3600, maxLeaseTTL: 86400 });
  await b.call('update', 'config', { kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, service_account_jwt: await kube.createToken('vault', 'vault', { expirationSeconds: 86400 }) });
});
after(async () => {
  await b.backend.def.cleanup?.();
  await kube.close();
});

test('config: merged writes; the JWT is never read back', async () => {
  await b.call('update', 'config', { disable_local_ca_jwt: true });
  const r = await b.call('read', 'config');
  assert.deepEqual(r?.data, { disable_local_ca_jwt: true, kubernetes_ca_cert: kube.caPem, kubernetes_host: kube.url });
  const fresh = await createTestBackend(kubernetesSecretsFactory);
  assert.deepEqual(await refused(fresh.call('update', 'config', {})), { status: 400, message: 'kubernetes_host was unset and could not be determined from environment variables' });
  assert.deepEqual(await refused(fresh.call('read', 'check')), { status: 400, message: 'Missing environment variables: KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT_HTTPS' });
});

test('roles: exactly one mode, namespaces required, role type normalized, rules parsed', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ service_account_name: 'x' }, 'one (at least) of allowed_kubernetes_namespaces or allowed_kubernetes_namespace_selector must be set'],
    [{ allowed_kubernetes_namespaces: 'a' }, 'one (and only one) of service_account_name, kubernetes_role_name or generated_role_rules must be set'],
    [{ allowed_kubernetes_namespaces: 'a', service_account_name: 'x', kubernetes_role_name: 'y' }, 'one (and only one) of service_account_name, kubernetes_role_name or generated_role_rules must be set'],
    [{ allowed_kubernetes_namespaces: 'a', kubernetes_role_name: 'y', kubernetes_role_type: 'Group' }, "kubernetes_role_type must be either 'Role' or 'ClusterRole'"],
    [{ allowed_kubernetes_namespaces: 'a', generated_role_rules: 'rules: [' }, "failed to parse 'generated_role_rules' as k8s.io/api/rbac/v1/Policy object"],
    [{ allowed_kubernetes_namespaces: 'a', service_account_name: 'x', token_default_ttl: '2h', token_max_ttl: '1h' }, 'token_default_ttl 2h0m0s cannot be greater than token_max_ttl 1h0m0s'],
    [{ allowed_kubernetes_namespaces: 'a', service_account_name: 'x', name_template: '{{ .DisplayName' }, 'unable to initialize name template: '],
  ];
  for (const [data, message] of cases) {
    const e = await refused(b.call('create', 'roles/bad', data));
    assert.equal(e.status, 400);
    assert.ok(e.message.startsWith(message), `${e.message} / ${message}`);
  }
  await b.call('create', 'roles/viewer', { allowed_kubernetes_namespaces: 'ARGOCD,argocd', kubernetes_role_name: 'view', kubernetes_role_type: 'clusterrole', token_default_ttl: '30m' });
  const r = await b.call('read', 'roles/viewer');
  assert.deepEqual(r?.data?.allowed_kubernetes_namespaces, ['argocd']);
  assert.equal(r?.data?.kubernetes_role_type, 'ClusterRole');
  assert.equal(r?.data?.token_default_ttl, 1800);
});

test('seed 004: generated rules make a Role, RoleBinding and ServiceAccount whose token lists pods in argocd only; revocation removes them', async () => {
  await b.call('create', 'roles/automated-sa-test', {
    allowed_kubernetes_namespaces: 'argocd', extra_labels: { team: 'platform' },
    generated_role_rules: '{"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}]}',
  });
  const r = await creds('automated-sa-test', { kubernetes_namespace: 'argocd' });
  const name = r!.data!.service_account_name as string;
  assert.match(name, /^v-root-automate-\d{10}-[a-z0-9]{24}$/);
  assert.equal(r!.data!.service_account_namespace, 'argocd');
  assert.equal(r!.secret!.type, 'kube_token');
  assert.equal(r!.secret!.renewable, false);
  assert.equal(r!.secret!.ttl, 3600);
  assert.deepEqual(r!.secret!.internal, {
    role: 'automated-sa-test', service_account_namespace: 'argocd', cluster_role_binding: false, created_service_account: name,
    created_role_binding: name, created_role: name, created_role_type: 'Role',
  });

  const role = get('roles', 'argocd', name, 'rbac.authorization.k8s.io')!;
  const binding = get('rolebindings', 'argocd', name, 'rbac.authorization.k8s.io')!;
  const sa = get('serviceaccounts', 'argocd', name)!;
  assert.deepEqual(role.metadata.labels, { team: 'platform', 'app.kubernetes.io/managed-by': 'HashiCorp-Vault', 'app.kubernetes.io/created-by': 'vault-plugin-secrets-kubernetes' });
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name });
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name, namespace: 'argocd' }]);
  assert.equal(sa.metadata.ownerReferences?.[0]?.uid, role.metadata.uid);
  assert.equal(binding.metadata.ownerReferences?.[0]?.uid, role.metadata.uid);

  const token = r!.data!.service_account_token as string;
  assert.equal((await raw(kube, 'GET', '/api/v1/namespaces/argocd/pods', { token })).status, 200);
  assert.equal((await raw(kube, 'GET', '/api/v1/namespaces/default/pods', { token })).status, 403);
  assert.equal((await raw(kube, 'GET', '/api/v1/namespaces/argocd/secrets', { token })).status, 403);

  await revoke(r!.secret!.internal);
  for (const [plural, group] of [['roles', 'rbac.authorization.k8s.io'], ['rolebindings', 'rbac.authorization.k8s.io'], ['serviceaccounts', '']]) {
    assert.equal(get(plural!, 'argocd', name, group), undefined, plural);
  }
  assert.equal((await raw(kube, 'GET', '/api/v1/namespaces/argocd/pods', { token })).status, 401);
  await revoke(r!.secret!.internal); // already gone: still a success
});

test('an existing ClusterRole bound cluster-wide; a Role cannot be bound by a ClusterRoleBinding', async () => {
  const r = await creds('viewer', { cluster_role_binding: true, ttl: '2h' });
  const name = r!.data!.service_account_name as string;
  const crb = get('clusterrolebindings', undefined, name, 'rbac.authorization.k8s.io')!;
  assert.deepEqual(crb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' });
  assert.equal(r!.secret!.ttl, 7200);
  await revoke(r!.secret!.internal);
  assert.equal(get('clusterrolebindings', undefined, name, 'rbac.authorization.k8s.io'), undefined);
  assert.equal(get('serviceaccounts', 'argocd', name), undefined);

  await b.call('create', 'roles/ns-role', { allowed_kubernetes_namespaces: 'argocd', kubernetes_role_name: 'x' });
  assert.deepEqual(await refused(creds('ns-role', { cluster_role_binding: true })), { status: 400, message: 'a ClusterRoleBinding cannot ref a Role' });
});

test('namespaces: not allowed, required when ambiguous, or chosen by label selector', async () => {
  assert.deepEqual(await refused(creds('automated-sa-test', { kubernetes_namespace: 'default' })), {
    status: 400, message: "kubernetes_namespace 'default' is not present in role's allowed_kubernetes_namespaces or does not match role's label selector allowed_kubernetes_namespace_selector",
  });
  await b.call('create', 'roles/by-label', { allowed_kubernetes_namespace_selector: '{"matchLabels": {"team": "gitops"}}', service_account_name: 'default' });
  assert.deepEqual(await refused(creds('by-label')), { status: 400, message: "error verifying namespace: 'kubernetes_namespace' is required unless the Vault role has a single namespace specified" });
  const r = await creds('by-label', { kubernetes_namespace: 'argocd', audiences: 'vault,other' });
  assert.equal(r!.data!.service_account_name, 'default');
  const claims = JSON.parse(Buffer.from((r!.data!.service_account_token as string).split('.')[1]!, 'base64url').toString());
  assert.deepEqual(claims.aud, ['vault', 'other']);
  assert.ok(r!.warnings!.some((w) => /cannot be revoked in Kubernetes/.test(w)));
  assert.deepEqual(r!.secret!.internal.created_service_account, '');
});

test('TTLs: capped by token_max_ttl and the mount, then by what the cluster issued', async () => {
  await b.call('create', 'roles/short', { allowed_kubernetes_namespaces: 'argocd', service_account_name: 'default', token_max_ttl: '1h' });
  const r = await creds('short', { ttl: '3h' });
  assert.equal(r!.secret!.ttl, 3600);
  assert.equal(r!.secret!.maxTTL, 3600);
  assert.ok(r!.warnings!.includes("ttl of 3h0m0s is greater than the role's token_max_ttl of 1h0m0s; capping accordingly"));
  await b.call('create', 'roles/long', { allowed_kubernetes_namespaces: 'argocd', service_account_name: 'default' });
  const long = await creds('long', { ttl: '10h' }); // the cluster's --service-account-max-token-expiration is 2h here
  assert.equal(long!.secret!.ttl, 7200);
  assert.ok(long!.warnings!.includes('the created Kubernetes service accout token TTL 2h0m0s is less than the Vault lease TTL 10h0m0s; capping the lease TTL accordingly'));
});

test('a request that fails half way leaves nothing behind; a failed cleanup is retried by the WAL sweeper', async () => {
  // Take away Vault's right to create service accounts: the role and binding are made, the account is not.
  const crb = get('clusterrolebindings', undefined, 'vault-token-creator-binding', 'rbac.authorization.k8s.io')!;
  await kube.cluster.delete(kube.cluster.kind('clusterrolebindings', 'rbac.authorization.k8s.io'), undefined, 'vault-token-creator-binding');
  await kube.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'no-accounts' }, rules: VAULT_RULES.slice(1) });
  await kube.bindClusterRole(serviceAccountSubject('vault', 'vault'), 'no-accounts', 'vault-no-accounts');
  const managed = () => kube.cluster.store.list(kube.cluster.kind('roles', 'rbac.authorization.k8s.io'), 'argocd').filter((o) => o.metadata.labels?.['app.kubernetes.io/managed-by']);
  const e = await refused(creds('automated-sa-test'));
  assert.equal(e.status, 500);
  assert.match(e.message, /^failed to create service account 'argocd\/v-root-automate-[^']+': serviceaccounts is forbidden: User "system:serviceaccount:vault:vault" cannot create resource "serviceaccounts"/);
  assert.deepEqual(managed(), []);
  assert.deepEqual(kube.cluster.store.list(kube.cluster.kind('rolebindings', 'rbac.authorization.k8s.io'), 'argocd'), []);
  assert.deepEqual(await b.storage.list('wal/'), []);

  // Now it may create roles but neither accounts nor delete anything: the cleanup fails and the WAL entry stays.
  await kube.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'create-only' }, rules: VAULT_RULES.slice(1).map((r) => ({ ...r, verbs: r.verbs.filter((v) => v !== 'delete') })) });
  await kube.cluster.delete(kube.cluster.kind('clusterrolebindings', 'rbac.authorization.k8s.io'), undefined, 'vault-no-accounts');
  await kube.bindClusterRole(serviceAccountSubject('vault', 'vault'), 'create-only', 'vault-create-only');
  await refused(creds('automated-sa-test'));
  assert.equal(managed().length, 1);
  assert.equal((await b.storage.list('wal/')).length, 1);

  // Rights restored; the sweeper (normally every 30 s) deletes the leftover role, and the collector its binding.
  await kube.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'vault-token-creator-binding' }, roleRef: crb.roleRef, subjects: crb.subjects });
  const client = new KubeClient({ host: kube.url, caCert: kube.caPem });
  const bearer = await kube.createToken('vault', 'vault');
  try {
    assert.equal(await sweepWal(b.storage, async () => ({ client, bearer }), silentLogger(), Date.now()), 0, 'not due yet');
    assert.equal(await sweepWal(b.storage, async () => ({ client, bearer }), silentLogger(), Date.now() + 60_000), 1);
  } finally {
    client.close();
  }
  await kube.settle();
  assert.deepEqual(managed(), []);
  assert.deepEqual(kube.cluster.store.list(kube.cluster.kind('rolebindings', 'rbac.authorization.k8s.io'), 'argocd'), []);
  assert.deepEqual(await b.storage.list('wal/'), []);
});
