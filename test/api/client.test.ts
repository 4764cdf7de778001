/**
 * The client's wire behaviour, checked against a small recording HTTP server (what it sends,
 * how it reads each kind of answer) and with a TLS listener using a throwaway CA.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiError, NetworkError, VaultClient } from '../../src/api/client.js';
import { clientOptionsFromEnv, eraseStoredToken, readStoredToken, storeToken, tokenHelperPath } from '../../src/api/env.js';

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }
const seen: Seen[] = [];
let server: http.Server;
let addr = '';

/** Answers by path so each test can ask for one kind of answer. */
function answer(req: http.IncomingMessage, res: http.ServerResponse, body: string) {
  seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
  const path = new URL(req.url!, 'http://x').pathname;
  const json = (status: number, v: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(v));
  };
  switch (path) {
    case '/v1/ok': return json(200, { request_id: 'r', lease_id: '', lease_duration: 0, renewable: false, data: { echo: body ? JSON.parse(body) : null }, warnings: null });
    case '/v1/empty': res.writeHead(204); return res.end();
    case '/v1/missing': return json(404, { errors: [] });
    case '/v1/no-route': return json(404, { errors: ['no handler for route "no-route"'] });
    case '/v1/deleted': return json(404, { data: { data: null, metadata: { version: 2, deletion_time: 'x' } } });
    case '/v1/denied': return json(403, { errors: ['permission denied'] });
    case '/v1/two-errors': return json(400, { errors: ['first', 'second'] });
    case '/v1/html': res.writeHead(502, { 'content-type': 'text/html' }); return res.end('<html>bad gateway</html>');
    case '/v1/moved': res.writeHead(307, { location: `${addr}/v1/ok` }); return res.end();
    default: return json(404, { errors: [] });
  }
}

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => answer(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  addr = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('sends the token, namespace, wrap TTL and X-Vault-Request headers', async () => {
  const c = new VaultClient({ address: addr, token: 'hvs.tok', namespace: 'team-a/', wrapTTL: '5m' });
  await c.write('ok', { a: 1 });
  const s = seen.at(-1)!;
  assert.equal(s.method, 'PUT');
  assert.equal(s.url, '/v1/ok');
  assert.equal(s.headers['x-vault-token'], 'hvs.tok');
  assert.equal(s.headers['x-vault-namespace'], 'team-a/');
  assert.equal(s.headers['x-vault-wrap-ttl'], '5m');
  assert.equal(s.headers['x-vault-request'], 'true');
  assert.equal(s.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(s.body), { a: 1 });
  await c.request('GET', 'ok', { wrapTTL: null, token: null });
  assert.equal(seen.at(-1)!.headers['x-vault-wrap-ttl'], undefined);
  assert.equal(seen.at(-1)!.headers['x-vault-token'], undefined);
  c.close();
});

test('LIST goes out as GET ?list=true; PATCH as a merge patch', async () => {
  const c = new VaultClient({ address: addr });
  await c.list('ok');
  assert.equal(seen.at(-1)!.method, 'GET');
  assert.equal(seen.at(-1)!.url, '/v1/ok?list=true');
  await c.patch('ok', { data: { a: null } });
  assert.equal(seen.at(-1)!.method, 'PATCH');
  assert.equal(seen.at(-1)!.headers['content-type'], 'application/merge-patch+json');
  await c.read('ok', { version: '2', tags: ['a', 'b'] });
  assert.equal(seen.at(-1)!.url, '/v1/ok?version=2&tags=a&tags=b');
  c.close();
});

test('answers become a Secret, null, or an ApiError as in vault\'s Go client', async () => {
  const c = new VaultClient({ address: addr });
  const s = await c.read('ok');
  assert.equal(s?.request_id, 'r');
  assert.equal(await c.write('empty', {}), null);
  assert.equal(await c.read('missing'), null);
  assert.equal(await c.read('no-route'), null, 'a read of an unknown path reads as nothing');
  await assert.rejects(c.write('no-route', { a: 1 }), (e: unknown) => e instanceof ApiError && e.status === 404);
  assert.equal(await c.delete('empty'), null);
  const deleted = await c.read('deleted');
  assert.equal(deleted?.data?.metadata.version, 2, 'a 404 with data is a secret (soft-deleted KV version)');
  assert.equal((await c.read('moved'))?.request_id, 'r', 'follows a standby\'s redirect');
  c.close();
});

test('ApiError carries the status and errors and reads like vault\'s', async () => {
  const c = new VaultClient({ address: addr });
  await assert.rejects(c.read('denied'), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, 403);
    assert.deepEqual(e.errors, ['permission denied']);
    assert.equal(e.message, `Error making API request.\n\nURL: GET ${addr}/v1/denied\nCode: 403. Errors:\n\n* permission denied`);
    return true;
  });
  await assert.rejects(c.write('two-errors', {}), (e: unknown) => e instanceof ApiError && /\* first\n\* second$/.test(e.message));
  await assert.rejects(c.read('html'), (e: unknown) => e instanceof ApiError && e.rawError && /Code: 502\. Raw Message:\n\n<html>bad gateway<\/html>$/.test(e.message));
  c.close();
});

test('a refused connection is a NetworkError worded like Go\'s', async () => {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const c = new VaultClient({ address: `http://127.0.0.1:${port}` });
  await assert.rejects(c.read('x'), (e: unknown) => e instanceof NetworkError && e.message === `Get "http://127.0.0.1:${port}/v1/x": dial tcp 127.0.0.1:${port}: connect: connection refused`);
});

test('rejects addresses that are not http(s) URLs', () => {
  assert.throws(() => new VaultClient({ address: 'not a url' }), /invalid address/);
  assert.throws(() => new VaultClient({ address: 'ftp://x' }), /unsupported protocol scheme "ftp"/);
});

test('environment: VAULT_* variables and the token helper file', () => {
  const home = mkdtempSync(join(tmpdir(), 'coffer-home-'));
  const env = { HOME: home, VAULT_ADDR: 'http://127.0.0.1:8201', VAULT_SKIP_VERIFY: '1', VAULT_NAMESPACE: 'ns', VAULT_WRAP_TTL: '2m', VAULT_CLIENT_TIMEOUT: '5s' };
  assert.equal(readStoredToken(env), undefined);
  storeToken('hvs.stored\n', env);
  assert.equal(readFileSync(tokenHelperPath(env), 'utf8'), 'hvs.stored');
  assert.equal(statSync(tokenHelperPath(env)).mode & 0o777, 0o600);
  const opts = clientOptionsFromEnv(env);
  assert.deepEqual(opts, { address: 'http://127.0.0.1:8201', skipVerify: true, namespace: 'ns', wrapTTL: '2m', timeoutMs: 5000, token: 'hvs.stored' });
  assert.equal(clientOptionsFromEnv({ ...env, VAULT_TOKEN: 'hvs.env' }).token, 'hvs.env', 'VAULT_TOKEN wins over the file');
  assert.throws(() => clientOptionsFromEnv({ VAULT_SKIP_VERIFY: 'maybe' }), /could not parse VAULT_SKIP_VERIFY/);
  assert.equal(VaultClient.fromEnv(env).address, 'http://127.0.0.1:8201');
  assert.equal(VaultClient.fromEnv({ HOME: home }).address, 'https://127.0.0.1:8200', 'vault\'s default address');
  eraseStoredToken(env);
  assert.equal(readStoredToken(env), undefined);
});

test('TLS: verifies against -ca-cert, presents a client certificate, or skips verification', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-tls-'));
  const sh = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  sh('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test-ca');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  for (const name of ['server', 'client']) {
    sh('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    sh('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', 'ext.cnf');
  }
  const read = (f: string) => readFileSync(join(dir, f));
  let peerCN = '';
  const tls = https.createServer({ key: read('server.key'), cert: read('server.pem'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const cert = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
    peerCN = cert && cert.subject ? String(cert.subject.CN) : '';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: { ok: true } }));
  });
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
  try {
    await assert.rejects(new VaultClient({ address: url }).read('x'), NetworkError, 'an unknown CA is refused');
    const verified = new VaultClient({ address: url, caCert: join(dir, 'ca.pem'), clientCert: join(dir, 'client.pem'), clientKey: join(dir, 'client.key') });
    assert.equal((await verified.read('x'))?.data?.ok, true);
    assert.equal(peerCN, 'client');
    verified.close();
    const byDir = mkdtempSync(join(tmpdir(), 'coffer-capath-'));
    writeFileSync(join(byDir, 'ca.pem'), read('ca.pem'));
    assert.equal((await new VaultClient({ address: url, caPath: byDir }).read('x'))?.data?.ok, true);
    assert.equal((await new VaultClient({ address: url, skipVerify: true }).read('x'))?.data?.ok, true);
    assert.throws(() => new VaultClient({ address: url, clientCert: join(dir, 'client.pem') }), /both a client certificate and a client key/);
  } finally {
    tls.close();
  }
});
