/**
 * Seed 001's init container, run as written (paths moved into a temp dir): the kubernetes method
 * at auth/kube-policy logs in with the pod's service-account token (the Kubernetes API test
 * server reviews it), the token lands in the sink, the env file is rendered, the agent exits 0.
 * Also: re-authentication when the token is revoked server-side, with a rotated pod token.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { serviceAccountSubject, startKubeTestServer, type KubeTestServer } from '../../src/kube/testing/index.js';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { agentFromHCL, api, readOr, tempDir, waitFor, writePolicy } from './helpers.js';

let kube: KubeTestServer;
let coffer: TestCoffer;

before(async () => {
  kube = await startKubeTestServer({ controllerDelayMs: 0 });
  // Seed 001 reads secret/data/myapp/config as .Data.<key>: a KV v1 mount at secret/.
  coffer = await startCoffer({ kvVersion: '1' });
  await kube.createNamespace('app-namespace');
  await kube.createServiceAccount('app-namespace', 'my-sa');
  await kube.bindClusterRole(serviceAccountSubject('app-namespace', 'my-sa'), 'system:auth-delegator', 'tokenreview-binding');
  const reviewer = await kube.createToken('app-namespace', 'my-sa', { expirationSeconds: 3600 * 24 });
  await api(coffer, 'POST', 'sys/auth/kube-policy', { type: 'kubernetes' });
  await writePolicy(coffer, 'myappp-policy', 'path "secret/data/myapp/config" {\n  capabilities = ["read", "list"]\n}\n');
  await api(coffer, 'POST', 'auth/kube-policy/config', { token_reviewer_jwt: reviewer, kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem });
  await api(coffer, 'POST', 'auth/kube-policy/role/my-role', {
    bound_service_account_names: 'my-sa', bound_service_account_namespaces: 'app-namespace', policies: 'myappp-policy', ttl: '1h',
  });
  await api(coffer, 'POST', 'secret/data/myapp/config', { aws_access_key_id: 'my-access-key', aws_secret_access_key: 'my-secret-key' });
});
after(async () => {
  await coffer.stop();
  await kube.close();
});

function seed001Config(dir: string): string {
  // The ConfigMap's vault-config.hcl from the article; only the file locations differ.
  return `
exit_after_auth = true
pid_file = "${dir}/pidfile"
auto_auth {
    method "kubernetes" {
        mount_path = "auth/kube-policy"
        config = {
            role = "my-role"
            token_path = "${dir}/sa-token"
        }
    }
    sink "file" {
        config = {
            path = "${dir}/.vault-token"
        }
    }
}
template {
destination = "${dir}/secrets/cloudwatch-secrets"
contents = <<EOT
{{- with secret "secret/data/myapp/config" }}
export AWS_ACCESS_KEY_ID='{{ .Data.aws_access_key_id }}'
export AWS_SECRET_ACCESS_KEY='{{ .Data.aws_secret_access_key }}'
{{ end }}
EOT
}
`;
}

test('seed 001: kubernetes auto-auth at auth/kube-policy, token sink, env file, exit 0', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'sa-token'), await kube.createToken('app-namespace', 'my-sa'));
  const agent = agentFromHCL(seed001Config(dir), join(dir, 'vault-agent-config.hcl'), { VAULT_ADDR: coffer.addr });
  assert.equal(await agent.run(), 0);
  assert.equal(readFileSync(join(dir, 'secrets/cloudwatch-secrets'), 'utf8'), "\nexport AWS_ACCESS_KEY_ID='my-access-key'\nexport AWS_SECRET_ACCESS_KEY='my-secret-key'\n\n");
  const token = readFileSync(join(dir, '.vault-token'), 'utf8');
  const self = await api(coffer, 'GET', 'auth/token/lookup-self', undefined, token);
  assert.equal(self.data.meta.service_account_name, 'my-sa');
  assert.equal(existsSync(join(dir, 'pidfile')), false);
});

test('a token revoked server-side is replaced by a new login (with the rotated pod token)', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'sa-token'), await kube.createToken('app-namespace', 'my-sa'));
  // A KV v1 read is refreshed after its lease_duration, which a "ttl" key in the secret sets.
  await api(coffer, 'POST', 'secret/data/myapp/config', { aws_access_key_id: 'my-access-key', aws_secret_access_key: 'my-secret-key', ttl: '1s' });
  const hcl = seed001Config(dir).replace('exit_after_auth = true', '');
  const agent = agentFromHCL(hcl, join(dir, 'agent.hcl'), { VAULT_ADDR: coffer.addr });
  const running = agent.run();
  try {
    const first = await waitFor(() => readOr(join(dir, '.vault-token')), 10_000, 'first token');
    await waitFor(() => readOr(join(dir, 'secrets/cloudwatch-secrets')).includes('my-access-key'), 10_000, 'first render');
    writeFileSync(join(dir, 'sa-token'), await kube.createToken('app-namespace', 'my-sa'));
    await api(coffer, 'POST', 'auth/token/revoke', { token: first });
    // The next KV re-read gets 403; the agent logs in again at once and writes the new token.
    const second = await waitFor(() => {
      const t = readOr(join(dir, '.vault-token'));
      return t && t !== first ? t : '';
    }, 15_000, 'a new token after revocation');
    const self = await api(coffer, 'GET', 'auth/token/lookup-self', undefined, second);
    assert.equal(self.data.meta.role, 'my-role');
    await api(coffer, 'POST', 'secret/data/myapp/config', { aws_access_key_id: 'rotated-key', aws_secret_access_key: 'x', ttl: '1s' });
    await waitFor(() => readOr(join(dir, 'secrets/cloudwatch-secrets')).includes('rotated-key'), 10_000, 'render with the new token');
  } finally {
    agent.stop(0);
    await running;
  }
});
