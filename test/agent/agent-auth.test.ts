/**
 * The other auto-auth paths against a real Coffer: jwt (a signed JWT file, removed after
 * reading), AppRole with a response-wrapped secret ID, a wrapped login (wrap_ttl: the sink gets
 * the wrapping info), and the runner's error rules (error_on_missing_key with
 * exit_on_retry_failure ends the agent with code 1).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { agentFromHCL, api, readOr, setupAppRole, tempDir, waitFor, writePolicy } from './helpers.js';

let coffer: TestCoffer;
const policies = ['reader'];

before(async () => {
  coffer = await startCoffer();
  await writePolicy(coffer, 'reader', 'path "secret/*" { capabilities = ["read"] }');
  await api(coffer, 'POST', 'secret/data/app', { data: { k: 'v' } });
});
after(async () => {
  await coffer.stop();
});

test('jwt auto-auth logs in with the JWT file and removes it', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  await api(coffer, 'POST', 'sys/auth/jwt', { type: 'jwt' });
  await api(coffer, 'POST', 'auth/jwt/config', { jwt_validation_pubkeys: [await exportSPKI(publicKey)], bound_issuer: 'https://issuer.example' });
  await api(coffer, 'POST', 'auth/jwt/role/dev', { role_type: 'jwt', user_claim: 'sub', bound_audiences: ['coffer'], policies, ttl: '1h' });
  const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://issuer.example').setAudience('coffer').setSubject('build-42').setIssuedAt().setExpirationTime('10m').sign(privateKey);
  const dir = tempDir();
  writeFileSync(join(dir, 'jwt'), jwt);
  const hcl = `
exit_after_auth = true
auto_auth {
  method "jwt" {
    config = {
      path = "${dir}/jwt"
      role = "dev"
    }
  }
  sink "file" { config = { path = "${dir}/token" } }
}
template {
  destination = "${dir}/out"
  contents = "{{ with secret \\"secret/data/app\\" }}{{ .Data.data.k }}{{ end }}"
}
`;
  assert.equal(await agentFromHCL(hcl, join(dir, 'a.hcl'), { VAULT_ADDR: coffer.addr }).run(), 0);
  assert.equal(readFileSync(join(dir, 'out'), 'utf8'), 'v');
  assert.equal(existsSync(join(dir, 'jwt')), false, 'the JWT file is removed after reading');
  const self = await api(coffer, 'GET', 'auth/token/lookup-self', undefined, readFileSync(join(dir, 'token'), 'utf8'));
  assert.equal(self.data.path, 'auth/jwt/login');
});

test('approle with a response-wrapped secret ID: checked against its creation path, unwrapped, used', async () => {
  const dir = tempDir();
  const { roleIdFile, secretIdFile } = await setupAppRole(coffer, dir, policies);
  const wrapped = await coffer.api('POST', 'auth/approle/role/app/secret-id', {}, undefined, { 'X-Vault-Wrap-TTL': '5m' });
  assert.equal(wrapped.status, 200, JSON.stringify(wrapped.body));
  writeFileSync(secretIdFile, (wrapped.body as any).wrap_info.token);
  const hcl = `
exit_after_auth = true
auto_auth {
  method "approle" {
    config = {
      role_id_file_path = "${roleIdFile}"
      secret_id_file_path = "${secretIdFile}"
      secret_id_response_wrapping_path = "auth/approle/role/app/secret-id"
    }
  }
  sink "file" { config = { path = "${dir}/token" } }
}
`;
  assert.equal(await agentFromHCL(hcl, join(dir, 'a.hcl'), { VAULT_ADDR: coffer.addr }).run(), 0);
  const token = readFileSync(join(dir, 'token'), 'utf8');
  assert.equal((await api(coffer, 'GET', 'auth/token/lookup-self', undefined, token)).data.path, 'auth/approle/login');
});

test('wrap_ttl on the method: the sink receives the wrapping info, which unwraps to the token', async () => {
  const dir = tempDir();
  const { roleIdFile, secretIdFile } = await setupAppRole(coffer, dir, policies);
  const hcl = `
exit_after_auth = true
auto_auth {
  method "approle" {
    wrap_ttl = "5m"
    config = {
      role_id_file_path = "${roleIdFile}"
      secret_id_file_path = "${secretIdFile}"
    }
  }
  sink "file" { config = { path = "${dir}/wrapped" } }
}
`;
  assert.equal(await agentFromHCL(hcl, join(dir, 'a.hcl'), { VAULT_ADDR: coffer.addr }).run(), 0);
  const info = JSON.parse(readFileSync(join(dir, 'wrapped'), 'utf8'));
  assert.equal(info.creation_path, 'auth/approle/login');
  const unwrapped = await api(coffer, 'POST', 'sys/wrapping/unwrap', undefined, info.token);
  assert.match(unwrapped.auth.client_token, /^hvs\./);
});

test('a template error with exit_on_retry_failure stops the agent with code 1; without it the agent keeps retrying', { timeout: 20_000 }, async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'token'), coffer.rootToken);
  const hcl = (exitOnFailure: boolean) => `
auto_auth {
  method "token_file" { config = { token_file_path = "${dir}/token" } }
}
template_config { exit_on_retry_failure = ${exitOnFailure} }
template {
  destination = "${dir}/out"
  error_on_missing_key = true
  contents = "{{ with secret \\"secret/data/app\\" }}{{ .Data.data.missing }}{{ end }}"
}
`;
  assert.equal(await agentFromHCL(hcl(true), join(dir, 'a.hcl'), { VAULT_ADDR: coffer.addr }).run(), 1);
  assert.equal(existsSync(join(dir, 'out')), false);
  // Without exit_on_retry_failure the runner restarts with backoff; adding the key fixes it.
  const agent = agentFromHCL(hcl(false), join(dir, 'b.hcl'), { VAULT_ADDR: coffer.addr });
  const running = agent.run();
  try {
    await new Promise((r) => setTimeout(r, 300));
    await api(coffer, 'POST', 'secret/data/app', { data: { k: 'v', missing: 'found' } });
    await waitFor(() => readOr(join(dir, 'out')) === 'found', 10_000, 'render after the fix');
  } finally {
    agent.stop(0);
    assert.equal(await running, 0);
  }
});
