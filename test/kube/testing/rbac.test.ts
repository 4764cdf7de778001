import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthorizationV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { serviceAccountSubject, startKubeTestServer, type KubeTestServer } from '../../../src/kube/testing/index.js';
import { kubeConfig, raw, statusOf } from './helpers.js';

let server: KubeTestServer;
let token: string;

before(async () => {
  server = await startKubeTestServer({ controllerDelayMs: 0 });
  await server.createNamespace('ns');
  await server.createNamespace('argocd');
  await server.createServiceAccount('ns', 'name');
  token = await server.createToken('ns', 'name');
});
after(() => server.close());

test('RBAC: 403 messages for namespaced, cluster-scoped, named, subresource and non-resource requests', async () => {
  const cases: { method: string; path: string; message: string }[] = [
    { method: 'GET', path: '/api/v1/namespaces/ns/serviceaccounts', message: 'serviceaccounts is forbidden: User "system:serviceaccount:ns:name" cannot list resource "serviceaccounts" in API group "" in the namespace "ns"' },
    { method: 'GET', path: '/api/v1/namespaces/ns/serviceaccounts/default', message: 'serviceaccounts "default" is forbidden: User "system:serviceaccount:ns:name" cannot get resource "serviceaccounts" in API group "" in the namespace "ns"' },
    { method: 'GET', path: '/api/v1/namespaces', message: 'namespaces is forbidden: User "system:serviceaccount:ns:name" cannot list resource "namespaces" in API group "" at the cluster scope' },
    { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles', message: 'clusterroles.rbac.authorization.k8s.io is forbidden: User "system:serviceaccount:ns:name" cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope' },
    { method: 'POST', path: '/api/v1/namespaces/ns/serviceaccounts/default/token', message: 'serviceaccounts "default" is forbidden: User "system:serviceaccount:ns:name" cannot create resource "serviceaccounts/token" in API group "" in the namespace "ns"' },
    { method: 'GET', path: '/api/v1/pods?watch=1', message: 'pods is forbidden: User "system:serviceaccount:ns:name" cannot watch resource "pods" in API group "" at the cluster scope' },
    { method: 'GET', path: '/metrics', message: 'forbidden: User "system:serviceaccount:ns:name" cannot get path "/metrics"' },
  ];
  for (const c of cases) {
    const r = await raw(server, c.method, c.path, { token, body: c.method === 'POST' ? {} : undefined });
    assert.equal(r.status, 403, c.path);
    assert.equal(r.json.reason, 'Forbidden');
    assert.equal(r.json.message, c.message);
  }
});

test('Roles grant verbs on resources in their namespace only; resourceNames narrow them; ClusterRoles via RoleBinding stay namespaced', async () => {
  const me = serviceAccountSubject('ns', 'name');
  await server.grantRules('argocd', me, [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]);
  await server.grantRules('ns', me, [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['allowed'] }]);
  const core = kubeConfig(server, token).makeApiClient(CoreV1Api);
  assert.deepEqual((await core.listNamespacedPod({ namespace: 'argocd' })).items, []);
  assert.equal((await statusOf(core.listNamespacedPod({ namespace: 'ns' }))).code, 403);
  await server.cluster.create(server.cluster.kind('secrets'), 'ns', { metadata: { name: 'allowed' } });
  await server.cluster.create(server.cluster.kind('secrets'), 'ns', { metadata: { name: 'other' } });
  assert.equal((await core.readNamespacedSecret({ name: 'allowed', namespace: 'ns' })).metadata?.name, 'allowed');
  assert.equal((await statusOf(core.readNamespacedSecret({ name: 'other', namespace: 'ns' }))).code, 403);
  assert.equal((await statusOf(core.listNamespacedSecret({ namespace: 'ns' }))).code, 403);

  const rbac = kubeConfig(server).makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRoleBinding({
    namespace: 'ns',
    body: { metadata: { name: 'view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [me] },
  });
  assert.ok((await core.listNamespacedConfigMap({ namespace: 'ns' })).items.length >= 1);
  assert.equal((await statusOf(core.listNamespacedConfigMap({ namespace: 'default' }))).code, 403);
});

test('escalation prevention: roles and bindings need the permissions they grant, or escalate/bind', async () => {
  await server.createServiceAccount('ns', 'manager');
  const manager = serviceAccountSubject('ns', 'manager');
  await server.grantRules('argocd', manager, [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['create', 'delete'] }]);
  const rbac = kubeConfig(server, await server.createToken('ns', 'manager')).makeApiClient(RbacAuthorizationV1Api);
  const podReader = { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] };
  const refused = await statusOf(rbac.createNamespacedRole({ namespace: 'argocd', body: podReader }));
  assert.equal(refused.code, 403);
  assert.equal(refused.status.message, 'roles.rbac.authorization.k8s.io "pod-reader" is forbidden: user "system:serviceaccount:ns:manager" (groups=["system:serviceaccounts" "system:serviceaccounts:ns" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["list"]}');

  // With escalate and bind (what seed 004's ClusterRole grants Vault) it may create and bind them.
  await server.grantRules('argocd', manager, [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate', 'bind'] }]);
  await rbac.createNamespacedRole({ namespace: 'argocd', body: podReader });
  await rbac.createNamespacedRoleBinding({
    namespace: 'argocd',
    body: { metadata: { name: 'pod-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'argocd' }] },
  });
  // Binding cluster-admin is refused: it holds neither the rules nor bind on that ClusterRole.
  const admin = await statusOf(rbac.createNamespacedRoleBinding({
    namespace: 'argocd',
    body: { metadata: { name: 'sneaky' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [manager] },
  }));
  assert.equal(admin.code, 403);
  assert.match(admin.status.message, /^rolebindings\.rbac\.authorization\.k8s\.io "sneaky" is forbidden: user "system:serviceaccount:ns:manager" .* is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/);
});

test('SelfSubjectAccessReview and SubjectAccessReview answer from the same rules', async () => {
  const authz = kubeConfig(server, token).makeApiClient(AuthorizationV1Api);
  const can = await authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { namespace: 'argocd', verb: 'list', resource: 'pods' } } } });
  assert.equal(can.status?.allowed, true);
  const cannot = await authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { namespace: 'kube-system', verb: 'list', resource: 'pods' } } } });
  assert.equal(cannot.status?.allowed, false);
  const sar = await kubeConfig(server).makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
    body: { spec: { user: 'system:serviceaccount:ns:name', groups: ['system:serviceaccounts'], resourceAttributes: { namespace: 'argocd', verb: 'list', resource: 'pods' } } },
  });
  assert.equal(sar.status?.allowed, true);
});
