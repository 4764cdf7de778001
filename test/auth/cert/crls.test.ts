/**
 * cert auth's crls/<name>: CRLs made by `openssl ca`, uploaded as PEM or fetched from a URL;
 * a login whose chain holds a revoked serial is refused. Also the key identifiers in the login
 * metadata.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call, crlRevoking, signClient, startTLSCoffer } from './fixture.js';

const serialOf = (dir: string, file: string) =>
  BigInt('0x' + execFileSync('openssl', ['x509', '-in', file, '-noout', '-serial'], { cwd: dir, encoding: 'utf8' }).trim().split('=')[1]).toString(10);

test('crls: a revoked client certificate is refused until its CRL is deleted; other certificates still log in', async () => {
  const c = await startTLSCoffer();
  try {
    const { port, file: f, admin, dir } = c;
    const ca = f('ca.crt');
    assert.equal((await admin('/v1/sys/auth/cert', 'POST', { type: 'cert' })).status, 204);
    assert.equal((await admin('/v1/auth/cert/certs/web', 'POST', { certificate: ca.toString() })).status, 204);
    const revoked = { cert: f('client.crt'), key: f('client.key') };
    const other = signClient(dir, 'other-client');
    const login = (cl: { cert: Buffer; key: Buffer }) => call(port, '/v1/auth/cert/login', { ca, ...cl, method: 'POST', body: {} });
    assert.equal((await login(revoked)).status, 200);

    const pem = crlRevoking(dir, ['client.crt']);
    assert.equal((await admin('/v1/auth/cert/crls/Corp-CRL', 'POST', { crl: pem })).status, 204);
    let r = await admin('/v1/auth/cert/crls/corp-crl', 'GET');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data.serials, { [serialOf(dir, 'client.crt')]: {} }, 'serials in decimal, the name lowercased');
    assert.deepEqual((await admin('/v1/auth/cert/crls', 'LIST')).body.data.keys, ['corp-crl']);

    r = await login(revoked);
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.errors, ['invalid certificate or no client certificate supplied']);
    assert.equal((await login(other)).status, 200, 'a certificate not on the CRL');

    assert.equal((await admin('/v1/auth/cert/crls/corp-crl', 'DELETE')).status, 204);
    assert.equal((await login(revoked)).status, 200, 'the CRL deleted: accepted again');
    r = await admin('/v1/auth/cert/crls/corp-crl', 'DELETE');
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.errors, ['no such CRL corp-crl']);
    assert.deepEqual((await admin('/v1/auth/cert/crls/corp-crl', 'GET')).body.errors, ['no such CRL corp-crl']);

    r = await admin('/v1/auth/cert/crls/bad', 'POST', { crl: 'not a crl' });
    assert.equal(r.status, 400);
    assert.match(r.body.errors[0], /^failed to parse CRL/);
    r = await admin('/v1/auth/cert/crls/bad', 'POST', {});
    assert.deepEqual(r.body.errors, ["one of 'crl' or 'url' must be provided"]);
    assert.equal((await admin('/v1/auth/cert/crls/bad', 'GET')).status, 400, 'nothing stored');
  } finally {
    await c.running.stop();
  }
});

test('crls with url: fetched from the distribution point; the issuing CA revoked refuses every certificate under it', async () => {
  const c = await startTLSCoffer();
  const http = createServer((_req, res) => res.end(crl));
  let crl = '';
  try {
    const { port, file: f, admin, dir } = c;
    const ca = f('ca.crt');
    await admin('/v1/sys/auth/cert', 'POST', { type: 'cert' });
    await admin('/v1/auth/cert/certs/web', 'POST', { certificate: ca.toString() });
    crl = crlRevoking(dir, ['client.crt']);
    await new Promise<void>((res) => http.listen(0, '127.0.0.1', res));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/ca.crl`;
    assert.equal((await admin('/v1/auth/cert/crls/cdp', 'POST', { url })).status, 204);
    const read = (await admin('/v1/auth/cert/crls/cdp', 'GET')).body.data;
    assert.equal(read.cdp.url, url);
    assert.ok(Date.parse(read.cdp.valid_until) > Date.now(), 'valid_until is the CRL\'s nextUpdate');
    const login = (cert: string, key: string) => call(port, '/v1/auth/cert/login', { ca, cert: f(cert), key: f(key), method: 'POST', body: {} });
    assert.equal((await login('client.crt', 'client.key')).status, 400);

    // A CRL that lists the trusted CA's own serial: every chain through it is refused.
    const caSerial = serialOf(dir, 'ca.crt');
    const self = signClient(dir, 'fresh');
    assert.equal((await call(port, '/v1/auth/cert/login', { ca, ...self, method: 'POST', body: {} })).status, 200);
    crl = crlRevoking(dir, ['ca.crt']);
    await admin('/v1/auth/cert/crls/cdp', 'POST', { url });
    assert.deepEqual(Object.keys((await admin('/v1/auth/cert/crls/cdp', 'GET')).body.data.serials), [caSerial]);
    assert.equal((await call(port, '/v1/auth/cert/login', { ca, ...self, method: 'POST', body: {} })).status, 400);

    const r = await admin('/v1/auth/cert/crls/gone', 'POST', { url: 'http://127.0.0.1:1/none.crl' });
    assert.equal(r.status, 400);
    assert.match(r.body.errors[0], /^error fetching CRL from http:\/\/127\.0\.0\.1:1\/none\.crl/);
  } finally {
    http.close();
    await c.running.stop();
  }
});

test('login metadata carries the client certificate\'s subject and authority key identifiers', async () => {
  const c = await startTLSCoffer();
  try {
    const { port, file: f, admin, dir } = c;
    const ca = f('ca.crt');
    await admin('/v1/sys/auth/cert', 'POST', { type: 'cert' });
    await admin('/v1/auth/cert/certs/web', 'POST', { certificate: ca.toString() });
    const withIds = signClient(dir, 'ids', { extfile: 'subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n' });
    const text = execFileSync('openssl', ['x509', '-in', 'ids.crt', '-noout', '-ext', 'subjectKeyIdentifier,authorityKeyIdentifier'], { cwd: dir, encoding: 'utf8' });
    const [ski, aki] = [...text.matchAll(/^\s+(?:keyid:)?([0-9A-F]{2}(?::[0-9A-F]{2})+)\s*$/gm)].map((m) => m[1]!.toLowerCase());
    assert.ok(ski && aki, text);
    const r = await call(port, '/v1/auth/cert/login', { ca, ...withIds, method: 'POST', body: {} });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.auth.metadata.subject_key_id, ski);
    assert.equal(r.body.auth.metadata.authority_key_id, aki);
    const plain = await call(port, '/v1/auth/cert/login', { ca, cert: f('client.crt'), key: f('client.key'), method: 'POST', body: {} });
    assert.equal(plain.body.auth.metadata.subject_key_id, '', 'no extension: empty, as Vault');
  } finally {
    await c.running.stop();
  }
});
