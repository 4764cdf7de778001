/** Certificates from the engine in real mutual TLS (node:tls), and the CRL ending a revoked client's access. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { newPki, makeRoot } from './helpers.js';

interface Outcome { ok: boolean; reply?: string; error?: string }

function tryClient(port: number, opts: { key: string; cert: string; ca: string }): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'etcd-0.cluster.local', key: opts.key, cert: opts.cert, ca: [opts.ca] });
    let reply = '';
    socket.on('data', (d) => { reply += d.toString(); });
    socket.on('end', () => resolve({ ok: reply.length > 0, reply }));
    socket.on('error', (e) => resolve({ ok: false, error: e.message }));
    socket.on('secureConnect', () => socket.write('ping'));
  });
}

const serverErrors: string[] = [];

function startServer(opts: { key: string; cert: string; ca: string; crl?: string }): Promise<Server> {
  // rejectUnauthorized is off only so the test can read the reason; unauthorized peers get no service.
  const server = createServer({ key: opts.key, cert: opts.cert, ca: [opts.ca], crl: opts.crl ? [opts.crl] : undefined, requestCert: true, rejectUnauthorized: false }, (s: TLSSocket) => {
    if (!s.authorized) {
      serverErrors.push(String(s.authorizationError));
      s.destroy();
      return;
    }
    s.end(`hello ${s.getPeerCertificate().subject.CN}`);
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

test('mutual TLS with issued certificates and the issuing CA as the only trust anchor; fails after revocation with the CRL', async () => {
  const pki = await newPki();
  const root = await makeRoot(pki, { common_name: 'cluster-a/pki/etcd' });
  await pki.ok('update', 'roles/peer', { allowed_domains: 'cluster.local', allow_subdomains: true, key_type: 'ec', max_ttl: '720h' });
  await pki.ok('update', 'roles/client', { allow_any_name: true, enforce_hostnames: false, server_flag: false, key_type: 'rsa', organization: 'system:masters' });
  const srv = await pki.ok('update', 'issue/peer', { common_name: 'etcd-0.cluster.local', ttl: '1h' });
  const cli = await pki.ok('update', 'issue/client', { common_name: 'kube-apiserver-etcd-client', ttl: '1h' });

  let server = await startServer({ key: srv.private_key, cert: srv.certificate, ca: root.certificate });
  const port = () => (server.address() as AddressInfo).port;
  try {
    const good = await tryClient(port(), { key: cli.private_key, cert: cli.certificate, ca: root.certificate });
    assert.deepEqual(good, { ok: true, reply: 'hello kube-apiserver-etcd-client' });

    // A certificate from another CA is refused.
    const other = await newPki();
    await makeRoot(other, { common_name: 'Some Other CA' });
    await other.ok('update', 'roles/client', { allow_any_name: true, key_type: 'ec' });
    const stranger = await other.ok('update', 'issue/client', { common_name: 'stranger' });
    assert.equal((await tryClient(port(), { key: stranger.private_key, cert: stranger.certificate, ca: root.certificate })).ok, false);
    assert.match(serverErrors.at(-1) ?? '', /^UNABLE_TO_VERIFY_LEAF_SIGNATURE$/);

    // A server-only certificate cannot act as a client (EKU serverAuth only).
    await pki.ok('update', 'roles/server-only', { allowed_domains: 'cluster.local', allow_subdomains: true, client_flag: false, key_type: 'ec' });
    const serverOnly = await pki.ok('update', 'issue/server-only', { common_name: 'x.cluster.local' });
    assert.equal((await tryClient(port(), { key: serverOnly.private_key, cert: serverOnly.certificate, ca: root.certificate })).ok, false);
    assert.match(serverErrors.at(-1) ?? '', /^INVALID_PURPOSE$/);

    await pki.ok('update', 'revoke', { serial_number: cli.serial_number });
    const crl = (await pki.call('read', 'crl/pem'))!.raw!.body as string;
    server.close();
    server = await startServer({ key: srv.private_key, cert: srv.certificate, ca: root.certificate, crl });
    const revoked = await tryClient(port(), { key: cli.private_key, cert: cli.certificate, ca: root.certificate });
    assert.equal(revoked.ok, false, 'a revoked client certificate is refused once the CRL is checked');
    assert.match(serverErrors.at(-1) ?? '', /^CERT_REVOKED$/);
    const fresh = await pki.ok('update', 'issue/client', { common_name: 'kube-apiserver-etcd-client', ttl: '1h' });
    assert.deepEqual(await tryClient(port(), { key: fresh.private_key, cert: fresh.certificate, ca: root.certificate }), { ok: true, reply: 'hello kube-apiserver-etcd-client' });
  } finally {
    server.close();
  }
});
