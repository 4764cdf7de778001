import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { CoreV1Api } from '@kubernetes/client-node';
import { createClusterPki } from '../../../src/kube/testing/ca.js';
import { startKubeTestServer, type KubeTestServer } from '../../../src/kube/testing/index.js';
import { kubeConfig, statusOf } from './helpers.js';

let server: KubeTestServer;
let hookServer: Server;
let hookUrl: string;
let caBundle: string;
const reviews: any[] = [];
let answer: (review: any) => Record<string, unknown> = () => ({});

before(async () => {
  server = await startKubeTestServer();
  const pki = await createClusterPki(['127.0.0.1']);
  caBundle = Buffer.from(pki.caPem).toString('base64');
  hookServer = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const review = JSON.parse(body);
      reviews.push(review);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: review.apiVersion, kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true, ...answer(review) } }));
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  hookUrl = `https://127.0.0.1:${(hookServer.address() as { port: number }).port}/mutate`;
  await server.createNamespace('injected', { 'coffer.dev/inject': 'enabled' });
  await server.createNamespace('plain');
});
after(async () => {
  await server.close();
  hookServer.close();
});

function configure(name: string, overrides: Record<string, unknown> = {}) {
  return server.apply({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name },
    webhooks: [{
      name: `${name}.coffer.dev`, admissionReviewVersions: ['v1'], sideEffects: 'None',
      clientConfig: { url: hookUrl, caBundle },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      namespaceSelector: { matchLabels: { 'coffer.dev/inject': 'enabled' } },
      ...overrides,
    }],
  });
}

const pod = (generateName: string, labels: Record<string, string> = {}) =>
  ({ metadata: { generateName, labels }, spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] } });

test('a mutating webhook gets an AdmissionReview and its JSONPatch is applied to the pod', async () => {
  await configure('injector');
  answer = () => ({
    patchType: 'JSONPatch',
    patch: Buffer.from(JSON.stringify([
      { op: 'add', path: '/metadata/annotations', value: { 'coffer.dev/agent-inject-status': 'injected' } },
      { op: 'add', path: '/spec/initContainers', value: [{ name: 'coffer-agent-init', image: 'coffer:dev' }] },
    ])).toString('base64'),
  });
  const core = kubeConfig(server).makeApiClient(CoreV1Api);
  const created = await core.createNamespacedPod({ namespace: 'injected', body: pod('web-') });
  assert.equal(created.metadata?.annotations?.['coffer.dev/agent-inject-status'], 'injected');
  assert.equal(created.spec?.initContainers?.[0]?.name, 'coffer-agent-init');
  const req = reviews.at(-1).request;
  assert.equal(reviews.at(-1).apiVersion, 'admission.k8s.io/v1');
  assert.equal(req.operation, 'CREATE');
  assert.equal(req.name, ''); // generateName is resolved after admission
  assert.equal(req.namespace, 'injected');
  assert.deepEqual(req.kind, { group: '', version: 'v1', kind: 'Pod' });
  assert.equal(req.userInfo.username, 'kubernetes-admin');
  assert.ok(req.object.spec.volumes.some((v: any) => v.name.startsWith('kube-api-access-')), 'sees the service-account volume');

  const count = reviews.length;
  await core.createNamespacedPod({ namespace: 'plain', body: pod('web-') });
  assert.equal(reviews.length, count, 'the namespace selector skips other namespaces');
});

test('a denial is a 400 with the webhook name; an unreachable webhook follows its failurePolicy', async () => {
  const core = kubeConfig(server).makeApiClient(CoreV1Api);
  answer = () => ({ allowed: false, status: { message: 'pods need an owner label' } });
  const denied = await statusOf(core.createNamespacedPod({ namespace: 'injected', body: pod('web-') }));
  assert.equal(denied.code, 400);
  assert.equal(denied.status.message, 'admission webhook "injector.coffer.dev" denied the request: pods need an owner label');
  answer = () => ({});

  await configure('unreachable', { clientConfig: { url: 'https://127.0.0.1:1/mutate', caBundle }, failurePolicy: 'Fail', objectSelector: { matchLabels: { strict: 'yes' } } });
  const failed = await statusOf(core.createNamespacedPod({ namespace: 'injected', body: pod('strict-', { strict: 'yes' }) }));
  assert.equal(failed.code, 500);
  assert.match(failed.status.message, /^Internal error occurred: failed calling webhook "unreachable\.coffer\.dev": failed to call webhook: Post "https:\/\/127\.0\.0\.1:1\/mutate": .*ECONNREFUSED/);
  // Objects outside the webhook's objectSelector are not sent to it.
  await core.createNamespacedPod({ namespace: 'injected', body: pod('loose-') });

  await configure('ignored', { clientConfig: { url: 'https://127.0.0.1:1/mutate', caBundle }, failurePolicy: 'Ignore' });
  await core.deleteCollectionNamespacedPod({ namespace: 'injected' });
  const ok = await core.createNamespacedPod({ namespace: 'injected', body: pod('tolerant-') });
  assert.match(ok.metadata!.name!, /^tolerant-/);
});
