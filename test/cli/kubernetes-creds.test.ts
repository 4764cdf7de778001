/**
 * Seed 004 with the CLI: the Kubernetes secrets engine's commands as the article types them,
 * the creds table as it shows it (lease rows, then the service account), and `lease revoke`
 * taking the generated service account away.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { serviceAccountSubject, startKubeTestServer, type KubeTestServer } from '../../src/kube/testing/index.js';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { cliEnv, runCLI } from './run-cli.js';

let kube: KubeTestServer;
let c: TestCoffer;
let env: NodeJS.ProcessEnv;

before(async () => {
  kube = await startKubeTestServer({ controllerDelayMs: 0 });
  c = await startCoffer();
  env = cliEnv(c);
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
  await c.stop();
  await kube.close();
});

test('seed 004 via the CLI: enable, config, role with generated rules, creds table, lease revoke', async () => {
  let r = await runCLI(['secrets', 'enable', 'kubernetes'], { env });
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Enabled the kubernetes secrets engine at: kubernetes/\n'], r.stderr);

  // The article runs `vault write -f kubernetes/config` inside the cluster; outside it, the
  // same write names the API server.
  const dir = mkdtempSync(join(tmpdir(), 'coffer-seed004-'));
  writeFileSync(join(dir, 'ca.crt'), kube.caPem);
  const jwt = await kube.createToken('vault', 'vault', { expirationSeconds: 86400 });
  r = await runCLI(['write', 'kubernetes/config', `kubernetes_host=${kube.url}`, `kubernetes_ca_cert=@${join(dir, 'ca.crt')}`, `service_account_jwt=${jwt}`], { env });
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Data written to: kubernetes/config\n'], r.stderr);

  r = await runCLI(['write', 'kubernetes/roles/automated-sa-test', 'allowed_kubernetes_namespaces=argocd',
    'generated_role_rules=\n{\n"rules": [\n{\n"apiGroups": [""],\n"resources": ["pods"],\n"verbs":["list"]\n}\n]\n}'], { env });
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Data written to: kubernetes/roles/automated-sa-test\n'], r.stderr);

  r = await runCLI(['write', 'kubernetes/creds/automated-sa-test', 'kubernetes_namespace=argocd'], { env });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^Key +Value$/);
  assert.match(lines[1]!, /^-+ +-+$/);
  assert.match(lines[2]!, /^lease_id +kubernetes\/creds\/automated-sa-test\/\w+$/);
  assert.match(lines[3]!, /^lease_duration +\d+h$/);
  assert.match(lines[4]!, /^lease_renewable +false$/);
  assert.match(lines[5]!, /^service_account_name +v-root-automate-\d+-[a-z0-9]{24}$/);
  assert.match(lines[6]!, /^service_account_namespace +argocd$/);
  assert.match(lines[7]!, /^service_account_token +\S+$/);
  const leaseId = lines[2]!.split(/ +/)[1]!;
  const name = lines[5]!.split(/ +/)[1]!;
  const sa = () => kube.cluster.store.get(kube.cluster.kind('serviceaccounts'), 'argocd', name);
  assert.ok(sa(), 'the service account exists while the lease lives');

  r = await runCLI(['lease', 'revoke', '-sync', leaseId], { env });
  assert.deepEqual([r.code, r.stdout], [0, `Success! Revoked lease: ${leaseId}\n`], r.stderr);
  assert.equal(sa(), undefined, 'revoking the lease deleted the service account');
});
