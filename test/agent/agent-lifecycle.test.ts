/**
 * Lifecycle: the server restarted mid-run (the agent retries and recovers on its own), exec mode
 * (a child gets secrets as environment variables and is restarted when they change), the API
 * proxy adding the agent's token and caching leased answers, and revoke_on_shutdown.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer } from '../../src/server/start.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startCoffer } from '../support/server.js';
import { agentFromHCL, api, readOr, tempDir, waitFor } from './helpers.js';

test('the server restarted mid-run: the agent retries, recovers and keeps rendering', { timeout: 90_000 }, async () => {
  const first = await startCoffer({ storage: 'sqlite' });
  const port = new URL(first.addr).port;
  const dbPath = join(first.dataDir, 'coffer.db');
  const token = (await api(first, 'POST', 'auth/token/create', { policies: ['root'], ttl: '1h' })).auth.client_token;
  await api(first, 'POST', 'secret/data/svc', { data: { v: 'before' } });
  const dir = tempDir();
  writeFileSync(join(dir, 'token'), token);
  const hcl = `
auto_auth {
  method "token_file" { config = { token_file_path = "${dir}/token" } }
}
template_config { static_secret_render_interval = "1s" }
template {
  destination = "${dir}/out"
  contents = "{{ with secret \\"secret/data/svc\\" }}{{ .Data.data.v }}{{ end }}"
}
`;
  const agent = agentFromHCL(hcl, join(dir, 'agent.hcl'), { VAULT_ADDR: first.addr });
  const running = agent.run();
  let second: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    await waitFor(() => readOr(join(dir, 'out')) === 'before', 10_000, 'first render');
    await first.stop();
    await new Promise((r) => setTimeout(r, 2500)); // a few failed re-reads while it is down
    second = await startServer({ storage: { type: 'sqlite', options: { path: dbPath } }, listeners: [{ address: `127.0.0.1:${port}`, tlsDisable: true }], logger: silentLogger() });
    await second.core.submitUnsealKey(Buffer.from(first.unsealKey, 'hex'));
    const res = await fetch(`${second.addr}/v1/secret/data/svc`, { method: 'POST', headers: { 'x-vault-token': first.rootToken, 'content-type': 'application/json' }, body: JSON.stringify({ data: { v: 'after' } }) });
    assert.equal(res.status, 200);
    // Fetch retries back off (250 ms doubling), so allow for a few slow attempts on a busy machine.
    await waitFor(() => readOr(join(dir, 'out')) === 'after', 45_000, 'render after the restart');
  } finally {
    agent.stop(0);
    assert.equal(await running, 0);
    await second?.stop();
  }
});

test('exec mode: the child sees the secrets as environment variables and is restarted when they change', { timeout: 30_000 }, async () => {
  const coffer = await startCoffer();
  try {
    await api(coffer, 'POST', 'secret/data/db', { data: { user: 'app', password: 'p1' } });
    const dir = tempDir();
    writeFileSync(join(dir, 'token'), coffer.rootToken);
    const script = join(dir, 'child.sh');
    // The child records what it saw, then waits to be told to stop.
    writeFileSync(script, `#!/bin/sh\necho "$DB_USER:$DB_PASSWORD" >> ${dir}/seen\ntrap 'exit 0' TERM\nwhile true; do sleep 0.1; done\n`, { mode: 0o755 });
    const hcl = `
auto_auth {
  method "token_file" { config = { token_file_path = "${dir}/token" } }
}
template_config { static_secret_render_interval = "1s" }
env_template "DB_USER" {
  contents = "{{ with secret \\"secret/data/db\\" }}{{ .Data.data.user }}{{ end }}"
}
env_template "DB_PASSWORD" {
  contents = "{{ with secret \\"secret/data/db\\" }}{{ .Data.data.password }}{{ end }}"
}
exec {
  command = ["${script}"]
  restart_on_secret_changes = "always"
  restart_stop_signal = "SIGTERM"
}
`;
    const agent = agentFromHCL(hcl, join(dir, 'agent.hcl'), { VAULT_ADDR: coffer.addr, PATH: process.env.PATH });
    const running = agent.run();
    try {
      await waitFor(() => readOr(join(dir, 'seen')) === 'app:p1\n', 10_000, 'the child with the first secret');
      await api(coffer, 'POST', 'secret/data/db', { data: { user: 'app', password: 'p2' } });
      await waitFor(() => readOr(join(dir, 'seen')) === 'app:p1\napp:p2\n', 10_000, 'the restarted child');
    } finally {
      agent.stop(0);
      await running;
    }
  } finally {
    await coffer.stop();
  }
});

test('exec mode: when the child exits, the agent exits with its code', { timeout: 20_000 }, async () => {
  const coffer = await startCoffer();
  try {
    await api(coffer, 'POST', 'secret/data/x', { data: { v: '7' } });
    const dir = tempDir();
    writeFileSync(join(dir, 'token'), coffer.rootToken);
    const hcl = `
auto_auth {
  method "token_file" { config = { token_file_path = "${dir}/token" } }
}
env_template "CODE" {
  contents = "{{ with secret \\"secret/data/x\\" }}{{ .Data.data.v }}{{ end }}"
}
exec { command = ["/bin/sh", "-c", "exit $CODE"] }
`;
    assert.equal(await agentFromHCL(hcl, join(dir, 'agent.hcl'), { VAULT_ADDR: coffer.addr }).run(), 7);
  } finally {
    await coffer.stop();
  }
});

test('api proxy adds the auto-auth token, caches leased answers, and revoke_on_shutdown revokes the token', { timeout: 20_000 }, async () => {
  const coffer = await startCoffer();
  try {
    const dir = tempDir();
    const token = (await api(coffer, 'POST', 'auth/token/create', { policies: ['root'], ttl: '1h' })).auth.client_token;
    writeFileSync(join(dir, 'token'), token);
    await api(coffer, 'POST', 'secret/data/p', { data: { v: 'via-proxy' } });
    const hcl = `
revoke_on_shutdown = true
auto_auth {
  method "token_file" { config = { token_file_path = "${dir}/token" } }
  sink "file" { config = { path = "${dir}/sink" } }
}
cache {}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
  require_request_header = true
}
`;
    let proxyAddr = '';
    writeFileSync(join(dir, 'agent.hcl'), hcl);
    const { parseAgentConfig, validateAgentConfig } = await import('../../src/agent/config.js');
    const { Agent } = await import('../../src/agent/agent.js');
    const config = parseAgentConfig(hcl, join(dir, 'agent.hcl'));
    validateAgentConfig(config);
    const agent = new Agent({ config, logger: silentLogger(), env: { VAULT_ADDR: coffer.addr }, onListening: (a) => (proxyAddr = a[0]!) });
    const running = agent.run();
    await waitFor(() => proxyAddr && readOr(join(dir, 'sink')), 10_000, 'proxy and token');
    let r = await fetch(`${proxyAddr}/v1/secret/data/p`);
    assert.equal(r.status, 412, 'the request header is required');
    r = await fetch(`${proxyAddr}/v1/secret/data/p`, { headers: { 'X-Vault-Request': 'true' } });
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as any).data.data.v, 'via-proxy');
    // A leased answer (a child token) is served from the cache the second time.
    const create = () => fetch(`${proxyAddr}/v1/auth/token/create`, { method: 'POST', headers: { 'X-Vault-Request': 'true' }, body: JSON.stringify({ ttl: '10m' }) });
    const a = (await (await create()).json()) as any;
    const b = await create();
    assert.equal(b.headers.get('x-cache'), 'HIT');
    assert.equal(((await b.json()) as any).auth.client_token, a.auth.client_token);
    agent.stop(0);
    assert.equal(await running, 0);
    const after = await coffer.api('GET', 'auth/token/lookup-self', undefined, token);
    assert.equal(after.status, 403, 'the agent token was revoked on shutdown');
  } finally {
    await coffer.stop();
  }
});
