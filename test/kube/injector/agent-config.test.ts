/**
 * The config the injector puts in a pod's VAULT_CONFIG really runs: the init container's shell line
 * (decode with base64, `coffer agent -config=…`) is run as written, with the container's
 * directories (/home/vault, /vault/secrets, the service-account mount) moved into a temp dir, against
 * a real Coffer whose kubernetes auth reviews tokens with the Kubernetes API test server. The files
 * must hold what Vault's injector renders from the same annotations.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSettings } from '../../../src/kube/injector/annotations.js';
import { decodeAgentConfig } from '../../../src/kube/injector/agent-config.js';
import { mutate } from '../../../src/kube/injector/mutate.js';
import { jsonPatch } from '../../../src/kube/testing/patch.js';
import { serviceAccountSubject, startKubeTestServer, type KubeTestServer } from '../../../src/kube/testing/index.js';
import { parseAgentConfig, validateAgentConfig } from '../../../src/agent/config.js';
import { Agent } from '../../../src/agent/agent.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { startCoffer, type TestCoffer } from '../../support/server.js';
import { api, tempDir, waitFor, writePolicy } from '../../agent/helpers.js';
import { cofferBin } from '../../seeds/shell.js';

const SA = '/var/run/secrets/kubernetes.io/serviceaccount';
let kube: KubeTestServer;
let coffer: TestCoffer;
let bin: string;

before(async () => {
  kube = await startKubeTestServer({ controllerDelayMs: 0 });
  coffer = await startCoffer(); // KV v2 at secret/
  bin = cofferBin();
  await kube.createNamespace('app');
  await kube.createServiceAccount('app', 'web');
  await kube.createServiceAccount('app', 'coffer-auth');
  await kube.bindClusterRole(serviceAccountSubject('app', 'coffer-auth'), 'system:auth-delegator', 'coffer-tokenreview');
  const reviewer = await kube.createToken('app', 'coffer-auth', { expirationSeconds: 86400 });
  await api(coffer, 'POST', 'sys/mounts/kv', { type: 'kv', options: { version: '1' } });
  await api(coffer, 'POST', 'sys/auth/kubernetes', { type: 'kubernetes' });
  await api(coffer, 'POST', 'auth/kubernetes/config', { token_reviewer_jwt: reviewer, kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem });
  await writePolicy(coffer, 'web', 'path "secret/data/web" { capabilities = ["read"] }\npath "kv/web" { capabilities = ["read"] }\n');
  await api(coffer, 'POST', 'auth/kubernetes/role/web', { bound_service_account_names: 'web', bound_service_account_namespaces: 'app', policies: 'web', ttl: '1h' });
  await api(coffer, 'POST', 'kv/web', { api_key: 'k-123', region: 'eu-west-1' });
  await api(coffer, 'POST', 'secret/data/web', { data: { username: 'app', password: 's3cr3t' } });
});
after(async () => {
  await coffer.stop();
  await kube.close();
});

/** The pod as the API server hands it to the webhook, injected by our mutate(). */
function injectedPod(annotations: Record<string, string>): any {
  const pod = {
    metadata: { name: 'web', namespace: 'app', annotations: { 'vault.hashicorp.com/agent-inject': 'true', 'vault.hashicorp.com/role': 'web', ...annotations } },
    spec: {
      serviceAccountName: 'web',
      containers: [{ name: 'app', image: 'busybox:1.36', volumeMounts: [{ name: 'kube-api-access-abcde', readOnly: true, mountPath: SA }] }],
      volumes: [{ name: 'kube-api-access-abcde', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }],
    },
    status: { phase: 'Pending' },
  };
  const r = mutate({ uid: 'u', namespace: 'app', object: pod }, defaultSettings({ address: coffer.addr }));
  assert.equal(r.allowed, true, r.status?.message);
  return jsonPatch(structuredClone(pod) as never, JSON.parse(Buffer.from(r.patch!, 'base64').toString('utf8'))) as any;
}

/** A container's file system, rooted in a temp dir: its mounts, with the pod's token in place. */
async function containerRoot(): Promise<{ dir: string; move: (s: string) => string }> {
  const dir = tempDir('injector-pod-');
  for (const d of ['home', 'secrets', 'sa']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'sa', 'token'), await kube.createToken('app', 'web'));
  const move = (s: string) => s.replaceAll(SA, join(dir, 'sa')).replaceAll('/home/vault', join(dir, 'home')).replaceAll('/vault/secrets', join(dir, 'secrets'));
  return { dir, move };
}

function sh(arg: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-ec', arg], { env: { PATH: `${bin}:${process.env.PATH}`, ...env }, timeout: 60_000 }, (err, _out, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
    });
  });
}

test('the init container decodes VAULT_CONFIG, coffer agent logs in and renders what Vault renders', async () => {
  const pod = injectedPod({
    'vault.hashicorp.com/agent-inject-secret-kv.txt': 'kv/web',
    'vault.hashicorp.com/agent-inject-secret-db': 'secret/data/web',
    'vault.hashicorp.com/agent-inject-template-db': '{{- with secret "secret/data/web" -}}\npostgresql://{{ .Data.data.username }}:{{ .Data.data.password }}@db:5432/app\n{{- end }}\n',
    'vault.hashicorp.com/agent-inject-secret-v2': 'secret/data/web',
    'vault.hashicorp.com/agent-inject-token': 'true',
  });
  const init = pod.spec.initContainers[0];
  const { dir, move } = await containerRoot();
  const config = move(JSON.stringify(decodeAgentConfig(init.env.find((e: any) => e.name === 'VAULT_CONFIG').value)));
  const r = await sh(move(init.args[0]), { VAULT_CONFIG: Buffer.from(config).toString('base64') });
  assert.equal(r.code, 0, r.stderr);

  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'home', 'config.json'), 'utf8')), JSON.parse(config));
  // Vault's default ("map") template: one `key: value` line per key of .Data, keys sorted.
  assert.equal(readFileSync(join(dir, 'secrets', 'kv.txt'), 'utf8'), 'api_key: k-123\nregion: eu-west-1\n');
  assert.equal(readFileSync(join(dir, 'secrets', 'db'), 'utf8'), 'postgresql://app:s3cr3t@db:5432/app\n');
  // KV v2's .Data holds data and metadata maps, printed the way Go's fmt prints a map.
  const meta = (await api(coffer, 'GET', 'secret/data/web')).data.metadata;
  assert.equal(readFileSync(join(dir, 'secrets', 'v2'), 'utf8'),
    `data: map[password:s3cr3t username:app]\nmetadata: map[created_time:${meta.created_time} custom_metadata:<nil> deletion_time: destroyed:false version:1]\n`);
  const token = readFileSync(join(dir, 'secrets', 'token'), 'utf8');
  assert.equal(token, readFileSync(join(dir, 'home', '.vault-token'), 'utf8'));
  const self = await api(coffer, 'GET', 'auth/token/lookup-self', undefined, token);
  assert.equal(self.data.meta.service_account_name, 'web');
  assert.equal(self.data.meta.service_account_namespace, 'app');
  assert.deepEqual(self.data.policies, ['default', 'web']);
});

test('the sidecar config (json default template) keeps running after rendering', async () => {
  const pod = injectedPod({ 'vault.hashicorp.com/agent-inject-secret-kv.json': 'kv/web', 'vault.hashicorp.com/agent-inject-default-template': 'json' });
  const sidecar = pod.spec.containers.find((c: any) => c.name === 'vault-agent');
  const { dir, move } = await containerRoot();
  const text = move(JSON.stringify(decodeAgentConfig(sidecar.env.find((e: any) => e.name === 'VAULT_CONFIG').value)));
  const config = parseAgentConfig(text, join(dir, 'home', 'config.json'));
  validateAgentConfig(config);
  assert.deepEqual(config.warnings, []);
  assert.equal(config.exitAfterAuth, false);
  const agent = new Agent({ config, logger: silentLogger(), env: {} });
  let exited: number | undefined;
  const running = agent.run().then((code) => { exited = code; });
  try {
    const out = await waitFor(() => { try { return readFileSync(join(dir, 'secrets', 'kv.json'), 'utf8'); } catch { return ''; } }, 20_000, 'the rendered secret');
    assert.equal(out, '{"api_key":"k-123","region":"eu-west-1"}\n');
    assert.equal(exited, undefined, 'a sidecar does not exit after rendering');
  } finally {
    agent.stop(0);
    await running;
  }
});
