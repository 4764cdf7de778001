import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, startTLSCoffer } from './fixture.js';

test('cert auth: trusted CA login, untrusted cert, no cert, name constraint', async () => {
  const c = await startTLSCoffer();
  try {
    const { port, file: f, admin } = c;
    const ca = f('ca.crt');
    assert.equal((await admin('/v1/sys/auth/cert', 'POST', { type: 'cert' })).status, 204);
    let r = await admin('/v1/auth/cert/certs/web', 'POST', { certificate: f('ca.crt').toString(), display_name: 'web', token_policies: 'web-pol' });
    assert.equal(r.status, 204);
    r = await admin('/v1/auth/cert/certs/web', 'GET');
    assert.equal(r.body.data.display_name, 'web');
    assert.deepEqual(r.body.data.token_policies, ['web-pol']);
    r = await admin('/v1/auth/cert/certs', 'LIST');
    assert.deepEqual(r.body.data.keys, ['web']);
    r = await admin('/v1/auth/cert/certs/bad', 'POST', { certificate: 'not a pem' });
    assert.equal(r.status, 400);

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
    await c.running.stop();
  }
});
