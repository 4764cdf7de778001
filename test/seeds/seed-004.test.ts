/**
 * Seed 004, "Vault Integration with Kubernetes — Dynamic Kubernetes Credentials", replayed in the
 * article's order: the ClusterRole and binding for Vault's own service account (kubectl apply),
 * `vault secrets enable kubernetes` and `vault write -f kubernetes/config` with nothing else because
 * Vault runs in a pod, the automated-sa-test role with generated rules, the creds call and its table,
 * then the generated service account listing pods in argocd only, and gone once its lease is revoked.
 * The "pod" is this process: KUBERNETES_SERVICE_HOST/PORT_HTTPS and the service-account token and CA
 * files are what a kubelet would give the Vault pod, pointed at the Kubernetes API test server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { serviceAccountMount } from '../../src/kube/in-cluster.js';
import { startKubeTestServer, type KubeTestServer } from '../../src/kube/testing/index.js';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { seedShell, type SeedShell } from './shell.js';

let coffer: TestCoffer;
let kube: KubeTestServer;
let sh: SeedShell;
let creds: { lease: string; name: string; token: string };

before(async () => {
  // The article's cluster evidently caps service-account tokens at 24h (--service-account-max-token-expiration):
  // its creds come back with a 24h lease although Vault asked for its 768h default.
  kube = await startKubeTestServer({ controllerDelayMs: 0, maxTokenExpirationSeconds: 86400 });
  sh = seedShell({ kube });
});
after(async () => {
  await coffer?.stop();
  await kube.close();
});

test('the ClusterRole and binding that let Vault\'s service account manage service accounts and RBAC', async () => {
  await sh.ok(`kubectl create namespace vault
kubectl create namespace argocd
kubectl -n vault create serviceaccount vault
cat <<EOF | kubectl apply -f -
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: k8s-full-secrets-abilities
rules:
- apiGroups: [""]
  resources: ["serviceaccounts", "serviceaccounts/token"]
  verbs: ["create", "update", "delete"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["rolebindings", "clusterrolebindings"]
  verbs: ["create", "update", "delete"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "clusterroles"]
  verbs: ["bind", "escalate", "create", "update", "delete"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: vault-token-creator-binding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: k8s-full-secrets-abilities
subjects:
- kind: ServiceAccount
  name: vault
  namespace: vault
EOF`);
  assert.equal(await sh.ok('kubectl auth can-i create serviceaccounts/token -n argocd --as=system:serviceaccount:vault:vault'), 'yes\n');

  // Coffer starts "in the vault pod": the in-cluster environment and mounted token and CA.
  const podFiles = mkdtempSync(join(tmpdir(), 'coffer-seed004-sa-'));
  writeFileSync(join(podFiles, 'token'), await kube.createToken('vault', 'vault', { expirationSeconds: 3600 }));
  writeFileSync(join(podFiles, 'ca.crt'), kube.caPem);
  serviceAccountMount.dir = podFiles;
  process.env.KUBERNETES_SERVICE_HOST = kube.host;
  process.env.KUBERNETES_SERVICE_PORT_HTTPS = String(kube.port);
  coffer = await startCoffer();
  sh.env.VAULT_ADDR = coffer.addr;
  sh.env.VAULT_TOKEN = coffer.rootToken;
});

test('vault secrets enable kubernetes; vault write -f kubernetes/config (no parameters inside the pod)', async () => {
  const out = await sh.ok('coffer secrets enable kubernetes\ncoffer write -f kubernetes/config');
  assert.equal(out, 'Success! Enabled the kubernetes secrets engine at: kubernetes/\nSuccess! Data written to: kubernetes/config\n');
  // kubernetes/check answers 204 when the pod's environment is complete.
  assert.equal(await sh.ok(`curl -sS -o /dev/null -w '%{http_code}' -H "X-Vault-Token: $VAULT_TOKEN" $VAULT_ADDR/v1/kubernetes/check`), '204');
});

test('the automated-sa-test role with generated role rules', async () => {
  // The article's "\\\\" are its page's escaping of bash's line continuation.
  const out = await sh.ok(`coffer write kubernetes/roles/automated-sa-test \\
allowed_kubernetes_namespaces="argocd" \\
generated_role_rules='
{
"rules": [
{
"apiGroups": [""],
"resources": ["pods"],
"verbs":["list"]
}
]
}'`);
  assert.equal(out, 'Success! Data written to: kubernetes/roles/automated-sa-test\n');
  const role = JSON.parse(await sh.ok('coffer read -format=json kubernetes/roles/automated-sa-test')).data;
  assert.deepEqual(role.allowed_kubernetes_namespaces, ['argocd']);
  assert.equal(role.kubernetes_role_type, 'Role');
  assert.match(role.generated_role_rules, /"verbs":\["list"\]/);
});

test('vault write kubernetes/creds/automated-sa-test kubernetes_namespace=argocd: the article\'s table', async () => {
  const r = await sh.run('coffer write kubernetes/creds/automated-sa-test kubernetes_namespace=argocd');
  assert.equal(r.code, 0, r.stderr);
  const m = /^Key +Value\n--- +-----\nlease_id +(kubernetes\/creds\/automated-sa-test\/[A-Za-z0-9]{24})\nlease_duration +24h\nlease_renewable +false\nservice_account_name +(v-root-automate-\d{10}-[a-z0-9]{24})\nservice_account_namespace +argocd\nservice_account_token +(ey\S+)\n$/.exec(r.stdout);
  assert.ok(m, r.stdout);
  creds = { lease: m[1]!, name: m[2]!, token: m[3]! };
  // The cluster shortened the token, so the lease follows, with Vault's warning.
  assert.match(r.stderr.replace(/\s+/g, ' '), /the created Kubernetes service accout token TTL 24h0m0s is less than the Vault lease TTL 768h0m0s; capping the lease TTL accordingly/);
  const sa = JSON.parse(await sh.ok(`kubectl -n argocd get sa ${creds.name} -o json`));
  assert.equal(sa.metadata.name, creds.name);
});

test('the returned token lists pods in argocd only', async () => {
  const as = `kubectl --token="$SA_TOKEN"`;
  const env = { SA_TOKEN: creds.token };
  const own = await sh.run(`${as} -n argocd get pods`, { env });
  assert.equal(own.code, 0, own.stderr);
  assert.equal(own.stderr, 'No resources found in argocd namespace.\n');
  const other = await sh.run(`${as} -n vault get pods`, { env });
  assert.notEqual(other.code, 0);
  assert.match(other.stderr, new RegExp(`pods is forbidden: User "system:serviceaccount:argocd:${creds.name}" cannot list resource "pods" in API group "" in the namespace "vault"`));
  const del = await sh.run(`${as} -n argocd delete pod anything`, { env });
  assert.match(del.stderr, /cannot delete resource "pods"/);
});

test('revoking the lease removes the service account; the token stops working', async () => {
  const out = await sh.ok(`coffer lease revoke ${creds.lease}`);
  assert.equal(out, 'All revocation operations queued successfully!\n');
  const deadline = Date.now() + 15_000;
  let gone = await sh.run(`kubectl -n argocd get sa ${creds.name}`);
  while (gone.code === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    gone = await sh.run(`kubectl -n argocd get sa ${creds.name}`);
  }
  assert.match(gone.stderr, new RegExp(`serviceaccounts "${creds.name}" not found`));
  const denied = await sh.run('kubectl --token="$SA_TOKEN" -n argocd get pods', { env: { SA_TOKEN: creds.token } });
  assert.match(denied.stderr, /Unauthorized|You must be logged in to the server/);
});
