/**
 * Seed 001 with the CLI, word for word where the article uses vault: enable Kubernetes auth at
 * kube-policy, a policy from a heredoc, the config and role writes, then a pod's login with
 * `login -method=kubernetes` and a read under the resulting token.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { serviceAccountSubject, startKubeTestServer, type KubeTestServer } from '../../src/kube/testing/index.js';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { cliEnv, runCLI, tempHome } from './run-cli.js';

let kube: KubeTestServer;
let c: TestCoffer;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(join(tmpdir(), 'coffer-k8s-cli-'));

before(async () => {
  kube = await startKubeTestServer({ legacyTokenSecrets: true, controllerDelayMs: 0 });
  c = await startCoffer();
  env = cliEnv(c);
  await kube.createNamespace('app-namespace');
  await kube.createServiceAccount('app-namespace', 'my-sa');
  await kube.bindClusterRole(serviceAccountSubject('app-namespace', 'my-sa'), 'system:auth-delegator', 'tokenreview-binding');
});
after(async () => {
  await c.stop();
  await kube.close();
});

test('seed 001 via the CLI: auth enable -path, policy from stdin, config with @ca.crt, role, login', async () => {
  let r = await runCLI(['auth', 'enable', '-path=kube-policy', 'kubernetes'], { env });
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Enabled kubernetes auth method at: kube-policy/\n'], r.stderr);

  r = await runCLI(['policy', 'write', 'myappp-policy', '-'], { env, stdin: 'path "secret/data/top-secret" {\n  capabilities = ["read", "list"]\n}\n' });
  assert.equal(r.code, 0, r.stderr);

  const sa = kube.cluster.get(kube.cluster.kind('serviceaccounts'), 'app-namespace', 'my-sa');
  const secret = kube.cluster.get(kube.cluster.kind('secrets'), 'app-namespace', sa.secrets[0].name as string);
  const saToken = Buffer.from(secret.data.token, 'base64').toString();
  writeFileSync(join(dir, 'ca.crt'), kube.caPem);
  r = await runCLI(['write', 'auth/kube-policy/config', `token_reviewer_jwt=${saToken}`, `kubernetes_host=${kube.url}`, `kubernetes_ca_cert=@${join(dir, 'ca.crt')}`], { env });
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Data written to: auth/kube-policy/config\n'], r.stderr);

  r = await runCLI(['write', 'auth/kube-policy/role/my-role', 'bound_service_account_names=my-sa', 'bound_service_account_namespaces=app-namespace', 'policies=myappp-policy'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^WARNING! The following warnings were returned from Vault:\n\n {2}\* /, 'server warnings go to stderr');

  r = await runCLI(['read', '-format=json', 'auth/kube-policy/role/my-role'], { env });
  assert.deepEqual(JSON.parse(r.stdout).data.bound_service_account_names, ['my-sa']);

  await runCLI(['kv', 'put', 'secret/top-secret', 'aws_access_key_id=my-access-key'], { env });

  const jwtFile = join(dir, 'token');
  writeFileSync(jwtFile, await kube.createToken('app-namespace', 'my-sa'));
  const home = tempHome();
  const pod = { VAULT_ADDR: c.addr, HOME: home };
  r = await runCLI(['login', '-method=kubernetes', '-path=kube-policy', 'role=my-role', `jwt=@${jwtFile}`], { env: pod });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^token_policies +\["default" "myappp-policy"\]$/m);
  assert.match(r.stdout, /^token_meta_service_account_name +my-sa$/m);
  assert.match(readFileSync(join(home, '.vault-token'), 'utf8'), /^hvs\./);

  r = await runCLI(['kv', 'get', '-field=aws_access_key_id', 'secret/top-secret'], { env: pod });
  assert.deepEqual([r.code, r.stdout], [0, 'my-access-key'], r.stderr);
  r = await runCLI(['kv', 'put', 'secret/top-secret', 'x=y'], { env: pod });
  assert.equal(r.code, 2, 'read and list only');

  r = await runCLI(['login', '-method=kubernetes', '-path=kube-policy', '-no-store', 'role=my-role', 'jwt=not-a-jwt'], { env: pod });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Error authenticating: Error making API request\.(.|\n)*Code: 403\. Errors:\n\n\* permission denied\n$/);
  r = await runCLI(['login', '-method=kubernetes', '-non-interactive', 'jwt=x'], { env: pod });
  assert.deepEqual([r.code, r.stderr], [2, "Error authenticating: 'role' must be supplied\n"]);
});
