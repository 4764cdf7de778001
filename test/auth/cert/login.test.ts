import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/lib/logger.js';
import { initDev, startServer } from '../../../src/server/start.js';

function makeCerts(dir: string) {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=test-ca', '-days', '1']);
  run(['req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.crt', '-subj', '/CN=other-ca', '-days', '1']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-copy_extensions', 'copy']);
  for (const [name, ca] of [['client', 'ca'], ['rogue', 'other']]) {
    run(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}.example.com`]);
    run(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '1']);
  }
}

interface Opts { ca: Buffer; cert?: Buffer; key?: Buffer; token?: string; method?: string; body?: unknown }
function call(port: number, path: string, o: Opts): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', ca: o.ca, cert: o.cert, key: o.key,
      headers: o.token ? { 'X-Vault-Token': o.token } : {} }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

test('cert auth: trusted CA login, untrusted cert, no cert, name constraint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-cert-'));
  makeCerts(dir);
  const f = (n: string) => readFileSync(join(dir, n));
  const running = await startServer({
    storage: { type: 'memory', options: {} }, logger: silentLogger(),
    listeners: [{ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: join(dir, 'server.crt'), tlsKeyFile: join(dir, 'server.key'), tlsClientCAFile: join(dir, 'ca.crt') }],
  });
  try {
    const { rootToken } = await initDev(running.core, {});
    const port = Number(new URL(running.addr).port);
    const ca = f('ca.crt');
    const admin = (path: string, method: string, body?: unknown) => call(port, path, { ca, token: rootToken, method, body });
    assert.equal((await admin('/v1/sys/auth/cert', 'POST', { type: 'cert' })).status, 204);
    let r = await admin('/v1/auth/cert/certs/web', 'POST', { certificate: f('ca.crt').toString(), display_name: 'web', token_policies: 'web-pol' });
    assert.equal(r.status, 204);
    r = await admin('/v1/auth/cert/certs/web', 'GET');
    assert.equal(r.body.data.display_name, 'web');
    assert.deepEqual(r.body.data.token_policies, ['web-pol']);
    r = await admin('/v1/auth/cert/certs', 'LIST');
    assert.deepEqual(r.body.data.keys, ['web']);

    const client = { ca, cert: f('client.crt'), key: f('client.key'), method: 'POST', body: {} };
    r = await call(port, '/v1/auth/cert/login', client);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.auth.policies, ['default', 'web-pol']);
    assert.equal(r.body.auth.metadata.cert_name, 'web');
    assert.equal(r.body.auth.metadata.common_name, 'client.example.com');
    assert.match(r.body.auth.metadata.serial_number, /^\d+$/);
    r = await call(port, '/v1/auth/token/lookup-self', { ca, token: r.body.auth.client_token });
    assert.equal(r.status, 200);
    assert.equal(r.body.data.display_name, 'cert-web');

    r = await call(port, '/v1/auth/cert/login', { ...client, cert: f('rogue.crt'), key: f('rogue.key') });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.errors, ['invalid certificate or no client certificate supplied']);

    r = await call(port, '/v1/auth/cert/login', { ca, method: 'POST', body: {} });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.errors, ['client certificate must be supplied']);

    await admin('/v1/auth/cert/certs/web', 'POST', { allowed_common_names: 'db.*' });
    r = await call(port, '/v1/auth/cert/login', client);
    assert.equal(r.status, 400);
    await admin('/v1/auth/cert/certs/web', 'POST', { allowed_common_names: '*.example.com' });
    r = await call(port, '/v1/auth/cert/login', { ...client, body: { name: 'web' } });
    assert.equal(r.status, 200);
  } finally {
    await running.stop();
  }
});
