/**
 * The agent against a real Coffer over HTTP: AppRole auto-auth, a file sink, KV v1 and v2
 * templates, exit_after_auth, and a KV change reaching the file within the render interval.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { agentFromHCL, api, readOr, setupAppRole, tempDir, waitFor, writePolicy } from './helpers.js';

let coffer: TestCoffer;
const policies = ['app'];

before(async () => {
  coffer = await startCoffer();
  await api(coffer, 'POST', 'sys/mounts/kv1', { type: 'kv', options: { version: '1' } });
  await writePolicy(coffer, 'app', 'path "secret/*" { capabilities = ["read", "list"] }\npath "kv1/*" { capabilities = ["read", "list"] }');
  await api(coffer, 'POST', 'secret/data/app/config', { data: { password: 's3cret', user: 'app' } });
  await api(coffer, 'POST', 'kv1/myapp/config', { aws_access_key_id: 'AKIA1', aws_secret_access_key: 'xyz' });
});
after(async () => {
  await coffer.stop();
});

test('approle auto-auth writes the token sink and renders KV v1 and v2, then exits (exit_after_auth)', async () => {
  const dir = tempDir();
  const { roleIdFile, secretIdFile } = await setupAppRole(coffer, dir, policies);
  const hcl = `
exit_after_auth = true
pid_file = "${dir}/pidfile"
auto_auth {
  method "approle" {
    config = {
      role_id_file_path = "${roleIdFile}"
      secret_id_file_path = "${secretIdFile}"
    }
  }
  sink "file" {
    config = {
      path = "${dir}/token"
      mode = 0600
    }
  }
}
template {
  destination = "${dir}/out/env"
  contents = <<EOT
{{- with secret "kv1/myapp/config" }}
export AWS_ACCESS_KEY_ID='{{ .Data.aws_access_key_id }}'
{{- end }}
{{ with secret "secret/app/config" }}password={{ .Data.data.password }} v{{ .Data.metadata.version }}{{ end }}
EOT
  perms = "0640"
}
`;
  const agent = agentFromHCL(hcl, join(dir, 'agent.hcl'), { VAULT_ADDR: coffer.addr });
  const code = await agent.run();
  assert.equal(code, 0);
  assert.equal(readFileSync(join(dir, 'out/env'), 'utf8'), "\nexport AWS_ACCESS_KEY_ID='AKIA1'\npassword=s3cret v1\n");
  assert.equal(statSync(join(dir, 'out/env')).mode & 0o777, 0o640);
  const token = readFileSync(join(dir, 'token'), 'utf8');
  assert.match(token, /^hvs\./);
  assert.equal(statSync(join(dir, 'token')).mode & 0o777, 0o600);
  // The token works and carries the role's policy.
  const self = await api(coffer, 'GET', 'auth/token/lookup-self', undefined, token);
  assert.ok(self.data.policies.includes(policies[0]));
  // The secret ID file is removed after reading; the pid file after exit.
  assert.equal(existsSync(secretIdFile), false);
  assert.equal(existsSync(join(dir, 'pidfile')), false);
});

test('a changed KV v2 value reaches the file within static_secret_render_interval, and the command runs once per change', async () => {
  const dir = tempDir();
  const { roleIdFile, secretIdFile } = await setupAppRole(coffer, dir, policies);
  await api(coffer, 'POST', 'secret/data/rotating', { data: { v: 'one' } });
  const hcl = `
auto_auth {
  method "approle" {
    config = {
      role_id_file_path = "${roleIdFile}"
      secret_id_file_path = "${secretIdFile}"
    }
  }
}
template_config {
  static_secret_render_interval = "1s"
}
template {
  destination = "${dir}/value"
  contents = "{{ with secret \\"secret/data/rotating\\" }}{{ .Data.data.v }}{{ end }}"
  command = "echo x >> ${dir}/runs"
}
`;
  const agent = agentFromHCL(hcl, join(dir, 'agent.hcl'), { VAULT_ADDR: coffer.addr });
  const running = agent.run();
  try {
    await waitFor(() => readOr(join(dir, 'value')) === 'one', 10_000, 'first render');
    await waitFor(() => readOr(join(dir, 'runs')) === 'x\n', 5_000, 'first command');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(readOr(join(dir, 'runs')), 'x\n', 'an unchanged re-read does not run the command');
    await api(coffer, 'POST', 'secret/data/rotating', { data: { v: 'two' } });
    await waitFor(() => readOr(join(dir, 'value')) === 'two', 5_000, 'the rotated value');
    await waitFor(() => readOr(join(dir, 'runs')) === 'x\nx\n', 5_000, 'second command');
  } finally {
    agent.stop(0);
    assert.equal(await running, 0);
  }
});

test('a token that reaches its max TTL is replaced by a new login before it expires', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const { roleIdFile, secretIdFile } = await setupAppRole(coffer, dir, policies, { token_ttl: '3s', token_max_ttl: '6s', secret_id_num_uses: 0 });
  const hcl = `
auto_auth {
  method "approle" {
    config = {
      role_id_file_path = "${roleIdFile}"
      secret_id_file_path = "${secretIdFile}"
    }
  }
  sink "file" { config = { path = "${dir}/token" } }
}
`;
  const agent = agentFromHCL(hcl, join(dir, 'agent.hcl'), { VAULT_ADDR: coffer.addr });
  const running = agent.run();
  try {
    const first = await waitFor(() => readOr(join(dir, 'token')), 10_000, 'first token');
    const started = Date.now();
    const second = await waitFor(() => {
      const t = readOr(join(dir, 'token'));
      return t && t !== first ? t : '';
    }, 15_000, 'a token from a new login');
    assert.ok(Date.now() - started < 6_000 + 500, 'replaced no later than the max TTL');
    assert.equal((await coffer.api('GET', 'auth/token/lookup-self', undefined, second)).status, 200);
  } finally {
    agent.stop(0);
    await running;
  }
});
