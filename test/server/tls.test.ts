import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/lib/logger.js';
import { startServer } from '../../src/server/start.js';

function makeCerts(dir: string) {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=test-ca', '-days', '1']);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-copy_extensions', 'copy']);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=client']);
  run(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '1']);
}

function get(port: number, path: string, opts: { ca: Buffer; cert?: Buffer; key?: Buffer }): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca: opts.ca, cert: opts.cert, key: opts.key }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('TLS listener: serves HTTPS; client certificates are requested but not required', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-tls-'));
  makeCerts(dir);
  const running = await startServer({
    storage: { type: 'memory', options: {} }, logger: silentLogger(),
    listeners: [{ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: join(dir, 'server.crt'), tlsKeyFile: join(dir, 'server.key'), tlsClientCAFile: join(dir, 'ca.crt') }],
  });
  try {
    assert.match(running.addr, /^https:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(new URL(running.addr).port);
    const ca = readFileSync(join(dir, 'ca.crt'));
    let r = await get(port, '/v1/sys/seal-status', { ca });
    assert.equal(r.status, 200);
    assert.equal(r.body.initialized, false);
    r = await get(port, '/v1/sys/seal-status', { ca, cert: readFileSync(join(dir, 'client.crt')), key: readFileSync(join(dir, 'client.key')) });
    assert.equal(r.status, 200);
  } finally {
    await running.stop();
  }
});
