/**
 * End to end: `coffer k8s injector` serving HTTPS with a test CA, registered with the Kubernetes API
 * test server by a MutatingWebhookConfiguration (caBundle), pods created with kubectl and with the
 * official client, and read back. kubectl comes from Debian's kubernetes-client (CI installs it);
 * outside CI the kubectl test is skipped when it is missing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { request } from 'node:https';
import { CoreV1Api } from '@kubernetes/client-node';
import { runInjectorCommand } from '../../../src/kube/injector/command.js';
import { decodeAgentConfig } from '../../../src/kube/injector/agent-config.js';
import { createClusterPki } from '../../../src/kube/testing/ca.js';
import { startKubeTestServer, type KubeTestServer } from '../../../src/kube/testing/index.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { main } from '../../../src/cli/main.js';
import { kubeConfig, statusOf } from '../testing/helpers.js';

const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const available = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8' }).status === 0;
// CI installs kubectl, so there a missing tool fails the test instead of skipping it.
const skip = process.env.CI ? false : available ? false : 'kubectl not found (install Debian\'s kubernetes-client package)';

let kube: KubeTestServer;
let dir: string;
let caPem: string;
let injectorUrl: string;
let stopInjector: () => void;
let injectorDone: Promise<number>;
const ADDR = 'https://coffer.coffer.svc:8200';

function kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(KUBECTL, ['--kubeconfig', join(dir, 'admin.kubeconfig'), ...args], { env: { PATH: process.env.PATH, HOME: dir }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'coffer-injector-'));
  kube = await startKubeTestServer({ dir });
  const pki = await createClusterPki(['127.0.0.1']);
  caPem = pki.caPem;
  writeFileSync(join(dir, 'tls.crt'), pki.certPem);
  writeFileSync(join(dir, 'tls.key'), pki.keyPem, { mode: 0o600 });
  const stdout = new PassThrough();
  let printed = '';
  stdout.on('data', (d) => { printed += d; });
  const stopped = new Promise<void>((resolve) => { stopInjector = resolve; });
  injectorDone = runInjectorCommand(['-listen=127.0.0.1:0', `-vault-address=${ADDR}`, `-tls-cert-file=${join(dir, 'tls.crt')}`], {
    env: { AGENT_INJECT_TLS_KEY_FILE: join(dir, 'tls.key') }, stdout, stderr: new PassThrough(), stopped, logger: silentLogger(),
  });
  const deadline = Date.now() + 10_000;
  while (!/listening on (https:\/\/\S+)/.test(printed)) {
    if (Date.now() > deadline) throw new Error(`injector did not start: ${printed}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  injectorUrl = /listening on (https:\/\/\S+)/.exec(printed)![1]!;
  await kube.apply({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'coffer-agent-injector-cfg' },
    webhooks: [{
      name: 'vault.hashicorp.com', admissionReviewVersions: ['v1', 'v1beta1'], sideEffects: 'None', failurePolicy: 'Fail',
      clientConfig: { url: `${injectorUrl}/mutate`, caBundle: Buffer.from(caPem).toString('base64') },
      rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    }],
  });
  await kube.createNamespace('app');
  await kube.createServiceAccount('app', 'web');
});
after(async () => {
  stopInjector();
  assert.equal(await injectorDone, 0);
  await kube.close();
  rmSync(dir, { recursive: true, force: true });
});

const annotated = (name: string, annotations: Record<string, string>) => ({
  metadata: { name, annotations: { 'vault.hashicorp.com/agent-inject': 'true', 'vault.hashicorp.com/role': 'web', ...annotations } },
  spec: { serviceAccountName: 'web', containers: [{ name: 'app', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
});

test('a pod created through the official client comes back injected', async () => {
  const core = kubeConfig(kube).makeApiClient(CoreV1Api);
  await core.createNamespacedPod({ namespace: 'app', body: annotated('web-1', { 'vault.hashicorp.com/agent-inject-secret-db': 'database/creds/awesome-db' }) });
  const pod = await core.readNamespacedPod({ namespace: 'app', name: 'web-1' });
  assert.equal(pod.metadata?.annotations?.['vault.hashicorp.com/agent-inject-status'], 'injected');
  assert.deepEqual(pod.spec?.initContainers?.map((c) => c.name), ['vault-agent-init']);
  assert.deepEqual(pod.spec?.containers.map((c) => c.name), ['app', 'vault-agent']);
  const secrets = pod.spec?.volumes?.find((v) => v.name === 'vault-secrets');
  assert.equal(secrets?.emptyDir?.medium, 'Memory');
  assert.ok(pod.spec?.containers[0]!.volumeMounts?.some((m) => m.name === 'vault-secrets' && m.mountPath === '/vault/secrets'));
  const cfg = decodeAgentConfig(pod.spec!.initContainers![0]!.env!.find((e) => e.name === 'VAULT_CONFIG')!.value!);
  assert.equal(cfg.exit_after_auth, true);
  assert.equal(cfg.vault.address, ADDR);
  assert.deepEqual(cfg.auto_auth.method.config, { token_path: '/var/run/secrets/kubernetes.io/serviceaccount/token', role: 'web' });
  assert.equal(cfg.template[0].destination, '/vault/secrets/db');

  const denied = await statusOf(core.createNamespacedPod({ namespace: 'app', body: annotated('web-2', { 'vault.hashicorp.com/agent-pre-populate-only': 'sometimes' }) }));
  assert.equal(denied.code, 400);
  assert.equal(denied.status.message, 'admission webhook "vault.hashicorp.com" denied the request: error creating new agent sidecar: invalid value "sometimes" for annotation vault.hashicorp.com/agent-pre-populate-only: strconv.ParseBool: parsing "sometimes": invalid syntax');
});

test('kubectl apply: injected pod, untouched pod, denied pod', { skip }, async () => {
  const manifest = `apiVersion: v1
kind: Pod
metadata:
  name: orders
  namespace: app
  annotations:
    vault.hashicorp.com/agent-inject: "true"
    vault.hashicorp.com/role: "web"
    vault.hashicorp.com/agent-inject-secret-config.txt: "secret/data/orders"
    vault.hashicorp.com/agent-pre-populate-only: "true"
spec:
  serviceAccountName: web
  containers:
    - name: orders
      image: busybox:1.36
---
apiVersion: v1
kind: Pod
metadata:
  name: plain
  namespace: app
spec:
  serviceAccountName: web
  containers:
    - name: plain
      image: busybox:1.36
`;
  const applied = await kubectl(['apply', '-f', '-'], manifest);
  assert.equal(applied.code, 0, applied.stderr);
  const orders = JSON.parse((await kubectl(['-n', 'app', 'get', 'pod', 'orders', '-o', 'json'])).stdout);
  assert.equal(orders.metadata.annotations['vault.hashicorp.com/agent-inject-status'], 'injected');
  assert.deepEqual(orders.spec.initContainers.map((c: any) => c.name), ['vault-agent-init']);
  assert.deepEqual(orders.spec.containers.map((c: any) => c.name), ['orders'], 'pre-populate-only: no sidecar');
  const env = orders.spec.initContainers[0].env.find((e: any) => e.name === 'VAULT_CONFIG');
  assert.equal(decodeAgentConfig(env.value).template[0].destination, '/vault/secrets/config.txt');

  const plain = JSON.parse((await kubectl(['-n', 'app', 'get', 'pod', 'plain', '-o', 'json'])).stdout);
  assert.deepEqual(Object.keys(plain.metadata.annotations), ['kubectl.kubernetes.io/last-applied-configuration']);
  assert.equal(plain.spec.initContainers, undefined);
  assert.deepEqual(plain.spec.containers.map((c: any) => c.name), ['plain']);
  assert.deepEqual(plain.spec.volumes.map((v: any) => v.name.replace(/-[a-z0-9]{5}$/, '')), ['kube-api-access']);

  const bad = await kubectl(['apply', '-f', '-'], manifest.split('---')[0]!.replace('name: orders', 'name: broken').replace('"true"\n    vault.hashicorp.com/role: "web"', '"true"'));
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /admission webhook "vault\.hashicorp\.com" denied the request: error validating agent configuration: no Vault role found/);
});

test('the webhook answers HTTP errors for what is not an AdmissionReview, and is registered in the CLI', async () => {
  const call = (method: string, path: string, body?: string, type = 'application/json') => new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(`${injectorUrl}${path}`, { method, ca: caPem, headers: body === undefined ? {} : { 'content-type': type } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
  assert.equal((await call('GET', '/health/ready')).status, 204);
  assert.deepEqual(await call('POST', '/mutate', '{}', 'text/plain'), { status: 400, text: 'Invalid content-type: "text/plain"\n' });
  assert.deepEqual(await call('POST', '/mutate', ''), { status: 400, text: 'Empty request body\n' });
  assert.equal((await call('POST', '/mutate', '{"request": 5}')).status, 400);
  const v1beta1 = await call('POST', '/mutate', JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'abc', namespace: 'app', object: { metadata: {} } } }));
  assert.deepEqual(JSON.parse(v1beta1.text), { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', response: { uid: 'abc', allowed: true } });

  let err = '';
  const stderr = new PassThrough();
  stderr.on('data', (d) => { err += d; });
  assert.equal(await main(['k8s', 'injector', '-h'], { stdout: new PassThrough(), stderr, env: {} }), 0);
  assert.match(err, /Usage: coffer k8s injector/);
  err = '';
  assert.equal(await main(['k8s', 'injector', '-tls-cert-file=a', '-tls-key-file=b'], { stdout: new PassThrough(), stderr, env: {} }), 1);
  assert.match(err, /^No Vault \(Coffer\) address given: set -vault-address/);
});
