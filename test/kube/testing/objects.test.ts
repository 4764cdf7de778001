import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AdmissionregistrationV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, VersionApi,
} from '@kubernetes/client-node';
import { startKubeTestServer, type KubeTestServer } from '../../../src/kube/testing/index.js';
import { kubeConfig, raw, statusOf } from './helpers.js';

let server: KubeTestServer;
let core: CoreV1Api;
let rbac: RbacAuthorizationV1Api;

before(async () => {
  server = await startKubeTestServer({ controllerDelayMs: 200 });
  const kc = kubeConfig(server);
  core = kc.makeApiClient(CoreV1Api);
  rbac = kc.makeApiClient(RbacAuthorizationV1Api);
});
after(() => server.close());

test('a fresh cluster has the system namespaces, a default service account in each, and kube-root-ca.crt', async () => {
  const list = await core.listNamespace();
  assert.deepEqual(list.items.map((n) => n.metadata?.name), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  assert.equal(list.items[0]!.metadata?.labels?.['kubernetes.io/metadata.name'], 'default');
  assert.equal(list.items[0]!.status?.phase, 'Active');
  const sa = await core.readNamespacedServiceAccount({ name: 'default', namespace: 'kube-system' });
  assert.match(sa.metadata!.uid!, /^[0-9a-f-]{36}$/);
  const cm = await core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'default' });
  assert.equal(cm.data?.['ca.crt'], server.caPem);
  const roles = await rbac.listClusterRole();
  for (const name of ['cluster-admin', 'system:auth-delegator', 'view', 'edit', 'admin']) assert.ok(roles.items.some((r) => r.metadata?.name === name), name);
});

test('namespaces with labels, list by labelSelector, and service-account CRUD with resourceVersions', async () => {
  await core.createNamespace({ body: { metadata: { name: 'app-namespace', labels: { team: 'payments', env: 'prod' } } } });
  await core.createNamespace({ body: { metadata: { name: 'other', labels: { team: 'search' } } } });
  const selected = await core.listNamespace({ labelSelector: 'team in (payments,billing),env=prod' });
  assert.deepEqual(selected.items.map((n) => n.metadata?.name), ['app-namespace']);
  const notProd = await core.listNamespace({ labelSelector: 'env!=prod,team' });
  assert.deepEqual(notProd.items.map((n) => n.metadata?.name), ['other']);

  const created = await core.createNamespacedServiceAccount({ namespace: 'app-namespace', body: { metadata: { name: 'my-sa', labels: { app: 'web' } } } });
  assert.equal(created.kind, 'ServiceAccount');
  assert.equal(created.metadata?.namespace, 'app-namespace');
  const rv1 = Number(created.metadata?.resourceVersion);
  const list = await core.listNamespacedServiceAccount({ namespace: 'app-namespace' });
  assert.deepEqual(list.items.map((s) => s.metadata?.name), ['default', 'my-sa']);
  assert.ok(Number(list.metadata?.resourceVersion) >= rv1);

  created.automountServiceAccountToken = false;
  const updated = await core.replaceNamespacedServiceAccount({ name: 'my-sa', namespace: 'app-namespace', body: created });
  assert.equal(updated.automountServiceAccountToken, false);
  assert.ok(Number(updated.metadata?.resourceVersion) > rv1);
  assert.equal(updated.metadata?.uid, created.metadata?.uid);

  // A write based on a stale resourceVersion is a 409 Conflict.
  const stale = await statusOf(core.replaceNamespacedServiceAccount({ name: 'my-sa', namespace: 'app-namespace', body: created }));
  assert.equal(stale.code, 409);
  assert.equal(stale.status.reason, 'Conflict');
  assert.equal(stale.status.message, 'Operation cannot be fulfilled on serviceaccounts "my-sa": the object has been modified; please apply your changes to the latest version and try again');

  const merged = await core.patchNamespacedServiceAccount(
    { name: 'my-sa', namespace: 'app-namespace', body: { metadata: { annotations: { owner: 'alice' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  assert.equal(merged.metadata?.annotations?.owner, 'alice');
  const jsonPatched = await core.patchNamespacedServiceAccount(
    { name: 'my-sa', namespace: 'app-namespace', body: [{ op: 'replace', path: '/metadata/labels/app', value: 'api' }] },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
  assert.equal(jsonPatched.metadata?.labels?.app, 'api');
  const strategic = await core.patchNamespacedServiceAccount(
    { name: 'my-sa', namespace: 'app-namespace', body: { metadata: { labels: { app: null, tier: 'back' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  assert.deepEqual(strategic.metadata?.labels, { tier: 'back' });

  const deleted = await core.deleteNamespacedServiceAccount({ name: 'my-sa', namespace: 'app-namespace' });
  assert.equal(deleted.metadata?.name, 'my-sa'); // ServiceAccount deletion answers with the object
});

test('errors are Status objects worded as a cluster words them', async () => {
  const cases: { call: () => Promise<unknown>; code: number; reason: string; message: string; details?: object }[] = [
    {
      call: () => core.readNamespacedServiceAccount({ name: 'x', namespace: 'default' }), code: 404, reason: 'NotFound',
      message: 'serviceaccounts "x" not found', details: { name: 'x', kind: 'serviceaccounts' },
    },
    {
      call: () => rbac.readNamespacedRole({ name: 'nope', namespace: 'default' }), code: 404, reason: 'NotFound',
      message: 'roles.rbac.authorization.k8s.io "nope" not found', details: { name: 'nope', group: 'rbac.authorization.k8s.io', kind: 'roles' },
    },
    {
      call: () => core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'default' } } }), code: 409, reason: 'AlreadyExists',
      message: 'serviceaccounts "default" already exists', details: { name: 'default', kind: 'serviceaccounts' },
    },
    {
      call: () => core.createNamespacedServiceAccount({ namespace: 'missing', body: { metadata: { name: 'a' } } }), code: 404, reason: 'NotFound',
      message: 'namespaces "missing" not found',
    },
    {
      call: () => core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'Bad_Name' } } }), code: 422, reason: 'Invalid',
      message: `ServiceAccount "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    },
    {
      call: () => rbac.createNamespacedRoleBinding({ namespace: 'default', body: { metadata: { name: 'rb' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Secret', name: 'x' }, subjects: [] } }),
      code: 422, reason: 'Invalid', message: 'RoleBinding.rbac.authorization.k8s.io "rb" is invalid: roleRef.kind: Unsupported value: "Secret": supported values: "ClusterRole", "Role"',
    },
  ];
  for (const c of cases) {
    const { code, status } = await statusOf(c.call());
    assert.equal(code, c.code, c.message);
    assert.equal(status.kind, 'Status');
    assert.equal(status.status, 'Failure');
    assert.equal(status.reason, c.reason);
    assert.equal(status.message, c.message);
    if (c.details) assert.deepEqual(status.details, c.details);
  }
  const unknownPath = await raw(server, 'GET', '/api/v1/nosuchthings');
  assert.equal(unknownPath.status, 404);
  assert.equal(unknownPath.json.message, 'the server could not find the requested resource');
});

test('Secrets: stringData becomes base64 data, generateName, pagination with limit and continue', async () => {
  const s = await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { generateName: 'db-' }, stringData: { password: 's3cret' } } });
  assert.match(s.metadata!.name!, /^db-[a-z0-9]{5}$/);
  assert.equal(s.type, 'Opaque');
  assert.deepEqual(s.data, { password: Buffer.from('s3cret').toString('base64') });
  assert.equal((s as any).stringData, undefined);
  await server.createNamespace('paged');
  for (let i = 0; i < 4; i++) await core.createNamespacedConfigMap({ namespace: 'paged', body: { metadata: { name: `cm-${i}` }, data: { i: String(i) } } });
  const page1 = await core.listNamespacedConfigMap({ namespace: 'paged', limit: 4 });
  assert.equal(page1.items.length, 4);
  assert.ok(page1.metadata?._continue);
  assert.equal(page1.metadata?.remainingItemCount, 1);
  const page2 = await core.listNamespacedConfigMap({ namespace: 'paged', limit: 4, _continue: page1.metadata!._continue });
  assert.deepEqual(page2.items.map((c) => c.metadata?.name), ['kube-root-ca.crt']);
  assert.equal(page2.metadata?._continue, undefined);
  // Items of a list carry no apiVersion/kind, as a real server's lists do.
  const rawList = await raw(server, 'GET', '/api/v1/namespaces/default/configmaps');
  assert.equal(rawList.json.kind, 'ConfigMapList');
  assert.equal(rawList.json.items[0].kind, undefined);
});

test('pods get the service-account admission defaults; deleting an owner garbage-collects dependents', async () => {
  await server.createServiceAccount('default', 'web');
  const pod = await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'web-1' }, spec: { serviceAccountName: 'web', containers: [{ name: 'app', image: 'nginx:1.27' }] } } });
  const vol = pod.spec?.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
  assert.ok(vol?.projected?.sources?.some((s) => s.serviceAccountToken?.path === 'token'));
  assert.equal(pod.spec?.containers[0]!.volumeMounts?.[0]?.mountPath, '/var/run/secrets/kubernetes.io/serviceaccount');
  assert.equal(pod.status?.phase, 'Pending');
  const noSa = await statusOf(core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p' }, spec: { serviceAccountName: 'ghost', containers: [{ name: 'c', image: 'x' }] } } }));
  assert.equal(noSa.code, 403);
  assert.equal(noSa.status.message, 'pods "p" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');

  const owner = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'owner' } } });
  await core.createNamespacedSecret({
    namespace: 'default',
    body: { metadata: { name: 'owned', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }] } },
  });
  await core.deleteNamespacedConfigMap({ name: 'owner', namespace: 'default' });
  await server.settle();
  assert.equal((await statusOf(core.readNamespacedSecret({ name: 'owned', namespace: 'default' }))).code, 404);
});

test('deleting a namespace makes it Terminating, then removes it and everything in it', async () => {
  await server.createNamespace('doomed');
  await server.createServiceAccount('doomed', 'a');
  const terminating = await core.deleteNamespace({ name: 'doomed' });
  assert.equal(terminating.status?.phase, 'Terminating');
  const refused = await statusOf(core.createNamespacedServiceAccount({ namespace: 'doomed', body: { metadata: { name: 'b' } } }));
  assert.equal(refused.code, 403);
  assert.equal(refused.status.message, 'serviceaccounts "b" is forbidden: unable to create new content in namespace doomed because it is being terminated');
  await server.settle();
  assert.equal((await statusOf(core.readNamespace({ name: 'doomed' }))).code, 404);
  assert.equal(server.cluster.store.list(server.cluster.kind('serviceaccounts'), 'doomed').length, 0);
});

test('discovery serves /api, /apis, /version and resource lists that generic clients resolve kinds with', async () => {
  const version = await kubeConfig(server).makeApiClient(VersionApi).getCode();
  assert.equal(version.gitVersion, 'v1.32.0');
  const apis = await raw(server, 'GET', '/apis');
  const groups = apis.json.groups.map((g: any) => g.name);
  for (const g of ['rbac.authorization.k8s.io', 'authentication.k8s.io', 'admissionregistration.k8s.io']) assert.ok(groups.includes(g), g);
  const v1 = await raw(server, 'GET', '/api/v1');
  const sa = v1.json.resources.find((r: any) => r.name === 'serviceaccounts');
  assert.deepEqual([sa.kind, sa.namespaced, sa.shortNames], ['ServiceAccount', true, ['sa']]);
  assert.ok(v1.json.resources.some((r: any) => r.name === 'serviceaccounts/token' && r.kind === 'TokenRequest' && r.group === 'authentication.k8s.io'));

  // KubernetesObjectApi finds the plural and scope through discovery, as against a real cluster.
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig(server));
  await objects.create({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'coffer-injector' },
    webhooks: [{
      name: 'inject.coffer.dev', admissionReviewVersions: ['v1'], sideEffects: 'None',
      clientConfig: { url: 'https://127.0.0.1:9443/mutate', caBundle: Buffer.from(server.caPem).toString('base64') },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    }],
  } as any);
  const hooks = await kubeConfig(server).makeApiClient(AdmissionregistrationV1Api).readMutatingWebhookConfiguration({ name: 'coffer-injector' });
  assert.equal(hooks.webhooks?.[0]?.failurePolicy, 'Fail'); // defaulted
  assert.equal(hooks.webhooks?.[0]?.timeoutSeconds, 10);
});

test('protobuf request bodies (client-go 1.32+, kubectl) are decoded like JSON ones', async () => {
  // A hand-encoded k8s protobuf envelope for Namespace{metadata{name, labels{a:b}}}.
  const str = (field: number, s: string) => Buffer.concat([Buffer.from([(field << 3) | 2, Buffer.byteLength(s)]), Buffer.from(s)]);
  const msg = (field: number, body: Buffer) => Buffer.concat([Buffer.from([(field << 3) | 2, body.length]), body]);
  const meta = Buffer.concat([str(1, 'from-proto'), str(2, ''), msg(11, Buffer.concat([str(1, 'a'), str(2, 'b')]))]);
  const ns = msg(1, meta);
  const envelope = Buffer.concat([Buffer.from('k8s\0', 'binary'), msg(1, Buffer.concat([str(1, 'v1'), str(2, 'Namespace')])), msg(2, ns)]);
  const r = await raw(server, 'POST', '/api/v1/namespaces', { body: envelope, contentType: 'application/vnd.kubernetes.protobuf' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.metadata.name, 'from-proto');
  assert.equal(r.json.metadata.generateName, undefined);
  assert.equal(r.json.metadata.labels.a, 'b');
  const bad = await raw(server, 'POST', '/api/v1/namespaces', { body: 'x', contentType: 'application/cbor' });
  assert.equal(bad.status, 415);
});
