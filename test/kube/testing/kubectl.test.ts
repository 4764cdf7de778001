/**
 * kubectl against the test server, the way seed 001 uses a cluster. kubectl comes from Debian's
 * `kubernetes-client` package (installed by .ci/run when absent) or any other install; without it
 * these tests are skipped, saying so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceAccountSubject, startKubeTestServer, type KubeTestServer } from '../../../src/kube/testing/index.js';

const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const available = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8' }).status === 0;
// CI installs the tool (.ci/run), so there a missing tool fails the test instead of skipping it.
const skip = process.env.CI ? false : available ? false : `kubectl not found (install Debian's kubernetes-client package)`;

let server: KubeTestServer;
let dir: string;
let admin: string[];

/** Runs kubectl with no ambient kubeconfig; resolves with its exit code and output. */
function kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(KUBECTL, args, { env: { PATH: process.env.PATH, HOME: dir, KUBECONFIG: join(dir, 'none') }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

const withToken = (token: string) => ['--server', server.url, '--token', token, '--certificate-authority', join(dir, 'ca.crt')];

before(async () => {
  if (!available) return;
  dir = mkdtempSync(join(tmpdir(), 'coffer-kubectl-'));
  server = await startKubeTestServer({ dir });
  admin = ['--kubeconfig', join(dir, 'admin.kubeconfig')];
});
after(async () => {
  if (!available) return;
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('kubectl with the admin kubeconfig: create, get, apply, delete', { skip }, async () => {
  assert.equal((await kubectl([...admin, 'create', 'namespace', 'app-namespace'])).stdout.trim(), 'namespace/app-namespace created');
  assert.equal((await kubectl([...admin, '-n', 'app-namespace', 'create', 'serviceaccount', 'my-sa'])).code, 0);
  const sa = JSON.parse((await kubectl([...admin, '-n', 'app-namespace', 'get', 'sa', 'my-sa', '-o', 'json'])).stdout);
  assert.equal(sa.metadata.name, 'my-sa');
  const manifest = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: tokenreview-binding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:auth-delegator
subjects:
- kind: ServiceAccount
  name: my-sa
  namespace: app-namespace
`;
  writeFileSync(join(dir, 'crb.yaml'), manifest);
  const applied = await kubectl([...admin, 'apply', '-f', join(dir, 'crb.yaml')]);
  assert.equal(applied.stdout.trim(), 'clusterrolebinding.rbac.authorization.k8s.io/tokenreview-binding created', applied.stderr);
  assert.match((await kubectl([...admin, 'apply', '-f', join(dir, 'crb.yaml')])).stdout, /unchanged/);
  const table = await kubectl([...admin, 'get', 'clusterrolebinding', 'tokenreview-binding']);
  assert.match(table.stdout, /^NAME\s+ROLE\s+AGE\n/);
  assert.match(table.stdout, /tokenreview-binding\s+ClusterRole\/system:auth-delegator/);
  const missing = await kubectl([...admin, '-n', 'app-namespace', 'get', 'sa', 'nope']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /Error from server \(NotFound\): serviceaccounts "nope" not found/);
  await kubectl([...admin, '-n', 'app-namespace', 'create', 'serviceaccount', 'temp']);
  assert.match((await kubectl([...admin, '-n', 'app-namespace', 'delete', 'sa', 'temp'])).stdout, /serviceaccount "temp" deleted/);
});

test('kubectl --server --token --certificate-authority get sa -n ns, and the RBAC 403 it prints', { skip }, async () => {
  await server.createNamespace('ns');
  await server.createServiceAccount('ns', 'reader');
  const token = await server.createToken('ns', 'reader');
  const refused = await kubectl([...withToken(token), 'get', 'sa', '-n', 'ns']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /Error from server \(Forbidden\): serviceaccounts is forbidden: User "system:serviceaccount:ns:reader" cannot list resource "serviceaccounts" in API group "" in the namespace "ns"/);
  await server.grantRules('ns', serviceAccountSubject('ns', 'reader'), [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list'] }]);
  const listed = await kubectl([...withToken(token), 'get', 'sa', '-n', 'ns', '-o', 'name']);
  assert.equal(listed.stdout, 'serviceaccount/default\nserviceaccount/reader\n', listed.stderr);
  assert.equal((await kubectl([...withToken(token), 'auth', 'can-i', 'list', 'serviceaccounts', '-n', 'ns'])).stdout.trim(), 'yes');
  assert.equal((await kubectl([...withToken(token), 'auth', 'can-i', 'list', 'pods', '-n', 'ns'])).stdout.trim(), 'no');

  // Deleting the account invalidates the token: kubectl is told it is not logged in.
  await server.deleteServiceAccount('ns', 'reader');
  const gone = await kubectl([...withToken(token), 'get', 'sa', '-n', 'ns']);
  assert.match(gone.stderr, /You must be logged in to the server \(Unauthorized\)/);
});

test('kubectl create token, and a TokenReview allowed for an auth-delegator and refused without it', { skip }, async () => {
  await server.createNamespace('vault');
  await server.createServiceAccount('vault', 'reviewer');
  await server.createServiceAccount('vault', 'plain');
  await server.bindClusterRole(serviceAccountSubject('vault', 'reviewer'), 'system:auth-delegator');
  let created = await kubectl([...admin, '-n', 'vault', 'create', 'token', 'plain', '--audience=vault', '--duration=10m']);
  let appToken = created.stdout.trim();
  if (created.code !== 0 && /unknown (command|flag)/.test(created.stderr)) {
    // kubectl before 1.24 (Debian bookworm ships 1.20) has no `create token`: POST the TokenRequest itself.
    writeFileSync(join(dir, 'token-request.json'), '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"audiences":["vault"],"expirationSeconds":600}}');
    created = await kubectl([...admin, 'create', '--raw', '/api/v1/namespaces/vault/serviceaccounts/plain/token', '-f', join(dir, 'token-request.json')]);
    appToken = JSON.parse(created.stdout).status.token;
  }
  assert.match(appToken, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/, created.stderr);
  const review = `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"${appToken}","audiences":["vault"]}}`;
  writeFileSync(join(dir, 'tr.json'), review);
  const allowed = await kubectl([...withToken(await server.createToken('vault', 'reviewer')), 'create', '-f', join(dir, 'tr.json'), '-o', 'json']);
  const status = JSON.parse(allowed.stdout).status;
  assert.equal(status.authenticated, true, allowed.stderr);
  assert.equal(status.user.username, 'system:serviceaccount:vault:plain');
  const refused = await kubectl([...withToken(await server.createToken('vault', 'plain')), 'create', '-f', join(dir, 'tr.json'), '-o', 'json']);
  assert.match(refused.stderr, /Error from server \(Forbidden\).*tokenreviews\.authentication\.k8s\.io is forbidden: User "system:serviceaccount:vault:plain" cannot create resource "tokenreviews" in API group "authentication\.k8s\.io" at the cluster scope/);
});

test('kubectl get -w prints the watch events', { skip }, async () => {
  await server.createNamespace('watched');
  const child = spawn(KUBECTL, [...admin, '-n', 'watched', 'get', 'sa', '-w', '--output-watch-events'], { env: { PATH: process.env.PATH, HOME: dir } });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const waitFor = async (re: RegExp) => {
    const deadline = Date.now() + 10_000;
    while (!re.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, re);
  };
  try {
    await waitFor(/ADDED\s+default/);
    await server.createServiceAccount('watched', 'new-one');
    await waitFor(/ADDED\s+new-one/);
    await server.deleteServiceAccount('watched', 'new-one');
    await waitFor(/DELETED\s+new-one/);
  } finally {
    child.kill();
  }
});
