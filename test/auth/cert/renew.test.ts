/**
 * Renewing a cert-auth token, as Vault does it: the renewing client presents a certificate that
 * still logs in and is the login's identity (subject or authority key id), unless config
 * disable_binding is set; and the entry must still grant the token's policies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, crlRevoking, signClient, startTLSCoffer } from './fixture.js';

const IDS = 'subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n';

test('renewal needs the login\'s certificate identity, a certificate that still logs in, and unchanged policies', async () => {
  const c = await startTLSCoffer();
  try {
    const { port, file: f, admin, dir } = c;
    const ca = f('ca.crt');
    await admin('/v1/sys/auth/cert', 'POST', { type: 'cert' });
    await admin('/v1/auth/cert/certs/web', 'POST', { certificate: ca.toString(), token_policies: 'web' });
    await admin('/v1/auth/cert/certs/partner', 'POST', { certificate: f('other.crt').toString(), token_policies: 'web' });
    const mine = signClient(dir, 'mine', { extfile: IDS });
    const sibling = signClient(dir, 'sibling', { extfile: IDS });
    const stranger = signClient(dir, 'stranger', { extfile: IDS, ca: 'other' });

    const login = await call(port, '/v1/auth/cert/login', { ca, ...mine, method: 'POST', body: {} });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const token = login.body.auth.client_token as string;
    const renew = (cl?: { cert: Buffer; key: Buffer }) => call(port, '/v1/auth/token/renew-self', { ca, ...cl, token, method: 'POST', body: {} });

    assert.equal((await renew(mine)).status, 200);
    assert.equal((await renew(sibling)).status, 200, 'the same issuing CA (authority key id) is the same identity, as in Vault');
    let r = await renew(stranger);
    assert.equal(r.status, 400, 'another CA\'s certificate logs in (partner), but is not this login\'s identity');
    assert.deepEqual(r.body.errors, ['client identity during renewal not matching client identity used during login']);
    r = await renew();
    assert.deepEqual(r.body.errors, ['no client certificate found']);

    // The certificate revoked after login: the token can no longer be renewed with it.
    const pem = crlRevoking(dir, ['mine.crt']);
    assert.equal((await admin('/v1/auth/cert/crls/ca', 'POST', { crl: pem })).status, 204);
    r = await renew(mine);
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.errors, ['invalid certificate or no client certificate supplied']);

    // disable_binding: no certificate needed to renew; the policies still must not have changed.
    assert.equal((await admin('/v1/auth/cert/config', 'POST', { disable_binding: true })).status, 204);
    assert.equal((await renew()).status, 200);
    await admin('/v1/auth/cert/certs/web', 'POST', { token_policies: 'web,admin' });
    r = await renew();
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.errors, ['policies have changed, not renewing']);
  } finally {
    await c.running.stop();
  }
});

test('login: token_bound_cidrs refuse other addresses; enable_identity_alias_metadata puts the login metadata on the entity alias', async () => {
  const c = await startTLSCoffer();
  try {
    const { port, file: f, admin } = c;
    const ca = f('ca.crt');
    await admin('/v1/sys/auth/cert', 'POST', { type: 'cert' });
    await admin('/v1/auth/cert/certs/web', 'POST', { certificate: ca.toString(), token_bound_cidrs: '10.0.0.0/8' });
    const login = () => call(port, '/v1/auth/cert/login', { ca, cert: f('client.crt'), key: f('client.key'), method: 'POST', body: {} });
    let r = await login();
    assert.equal(r.status, 403);
    assert.deepEqual(r.body.errors, ['permission denied']);

    await admin('/v1/auth/cert/certs/web', 'POST', { token_bound_cidrs: '127.0.0.1/32' });
    r = await login();
    assert.equal(r.status, 200);
    const plainAlias = (await admin(`/v1/identity/entity/id/${r.body.auth.entity_id}`, 'GET')).body.data.aliases[0];
    assert.equal(plainAlias.name, 'client.example.com');
    assert.equal(plainAlias.metadata, null);

    assert.equal((await admin('/v1/auth/cert/config', 'POST', { enable_identity_alias_metadata: true })).status, 204);
    r = await login();
    const alias = (await admin(`/v1/identity/entity/id/${r.body.auth.entity_id}`, 'GET')).body.data.aliases[0];
    assert.equal(alias.metadata.cert_name, 'web');
    assert.equal(alias.metadata.common_name, 'client.example.com');
  } finally {
    await c.running.stop();
  }
});
