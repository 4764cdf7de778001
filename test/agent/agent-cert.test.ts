/** The agent's cert auto-auth against a TLS Coffer with the cert auth method: the sink gets a working token. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { call, startTLSCoffer } from '../auth/cert/fixture.js';
import { agentFromHCL } from './helpers.js';

// SKIPPED: agent.run() does not return (no output even with AGENT_TEST_LOG=debug) against the TLS Coffer; not yet diagnosed.
test('cert auto-auth logs in with the client certificate and writes the token sink', async () => {
  const c = await startTLSCoffer();
  try {
    await c.admin('/v1/sys/auth/cert', 'POST', { type: 'cert' });
    const r = await c.admin('/v1/auth/cert/certs/agent', 'POST', { certificate: c.file('ca.crt').toString(), token_policies: 'agent-pol' });
    assert.equal(r.status, 204);
    const d = c.dir;
    const hcl = `
exit_after_auth = true
vault {
  address = "${c.running.addr}"
  ca_cert = "${d}/ca.crt"
  client_cert = "${d}/client.crt"
  client_key = "${d}/client.key"
}
auto_auth {
  method "cert" {
    config = { name = "agent" }
  }
  sink "file" { config = { path = "${d}/token" } }
}
`;
    assert.equal(await agentFromHCL(hcl, join(d, 'a.hcl'), {}).run(), 0);
    const token = readFileSync(join(d, 'token'), 'utf8');
    const self = await call(c.port, '/v1/auth/token/lookup-self', { ca: c.file('ca.crt'), token });
    assert.equal(self.status, 200);
    assert.equal(self.body.data.path, 'auth/cert/login');
    assert.deepEqual(self.body.data.policies, ['agent-pol', 'default']);
  } finally {
    await c.running.stop();
  }
});
