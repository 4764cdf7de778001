/** The OCSP responder and the unauthenticated endpoints over real HTTP, checked with `openssl ocsp`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startCoffer, type TestCoffer } from '../../support/server.js';
import { opensslAsync, TempDir } from './helpers.js';

const MOUNT = 'cluster-a/pki/etcd';

async function setup(c: TestCoffer, dir: TempDir) {
  assert.equal((await c.api('POST', `sys/mounts/${MOUNT}`, { type: 'pki', config: { max_lease_ttl: '87600h' } })).status, 204);
  const root = (await c.api('POST', `${MOUNT}/root/generate/internal`, { common_name: `${MOUNT}`, ttl: '87600h', key_type: 'ec' })).body.data;
  await c.api('POST', `${MOUNT}/config/urls`, { ocsp_servers: `${c.addr}/v1/${MOUNT}/ocsp`, crl_distribution_points: `${c.addr}/v1/${MOUNT}/crl` });
  assert.equal((await c.api('POST', `${MOUNT}/roles/member`, { allow_any_name: true, max_ttl: '720h', key_type: 'ec' })).status, 200);
  const a = (await c.api('POST', `${MOUNT}/issue/member`, { common_name: 'etcd-0' })).body.data;
  const b = (await c.api('POST', `${MOUNT}/issue/member`, { common_name: 'etcd-1' })).body.data;
  return { root, a, b, rootFile: dir.file('root.pem', `${root.certificate}\n`), aFile: dir.file('a.pem', `${a.certificate}\n`), bFile: dir.file('b.pem', `${b.certificate}\n`) };
}

test('openssl ocsp gets good, then revoked after revoke; GET form; malformed and disabled', async () => {
  const c = await startCoffer();
  const dir = new TempDir();
  try {
    const s = await setup(c, dir);
    const url = `${c.addr}/v1/${MOUNT}/ocsp`;
    const ask = (cert: string) => opensslAsync(['ocsp', '-no_nonce', '-issuer', s.rootFile, '-cert', cert, '-url', url, '-CAfile', s.rootFile]);
    let r = await ask(s.aFile);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /a\.pem: good/);
    assert.match(r.out, /Response verify OK/);
    assert.equal((await c.api('POST', `${MOUNT}/revoke`, { serial_number: s.a.serial_number })).status, 200);
    r = await ask(s.aFile);
    assert.match(r.out, /a\.pem: revoked/);
    assert.match(r.out, /Revocation Time:/);
    assert.match(r.out, /Response verify OK/);
    assert.match((await ask(s.bFile)).out, /b\.pem: good/);

    // GET with the base64 request in the path.
    const reqFile = `${dir.path}/req.der`;
    assert.equal((await opensslAsync(['ocsp', '-no_nonce', '-issuer', s.rootFile, '-cert', s.aFile, '-reqout', reqFile])).status, 0);
    const b64 = readFileSync(reqFile).toString('base64');
    // '+' and '=' percent-encoded, '/' left as is: Coffer's HTTP layer refuses %2F in paths.
    const res = await fetch(`${url}/${b64.replace(/\+/g, '%2B').replace(/=/g, '%3D')}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/ocsp-response');
    const respFile = dir.file('resp.der', Buffer.from(await res.arrayBuffer()));
    const parsed = await opensslAsync(['ocsp', '-respin', respFile, '-issuer', s.rootFile, '-cert', s.aFile, '-CAfile', s.rootFile]);
    assert.match(parsed.out, /a\.pem: revoked/);

    const bad = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: Buffer.from('not der') });
    assert.equal(bad.status, 400);
    assert.deepEqual([...Buffer.from(await bad.arrayBuffer())], [0x30, 0x03, 0x0a, 0x01, 0x01]);

    // A certificate from another CA: this responder does not know its issuer.
    const other = await startCoffer();
    try {
      await other.api('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
      const oroot = (await other.api('POST', 'pki/root/generate/internal', { common_name: 'Other', ttl: '8760h', key_type: 'ec' })).body.data;
      await other.api('POST', 'pki/roles/r', { allow_any_name: true, key_type: 'ec' });
      const ocert = (await other.api('POST', 'pki/issue/r', { common_name: 'x' })).body.data;
      const u = await opensslAsync(['ocsp', '-no_nonce', '-issuer', dir.file('oroot.pem', `${oroot.certificate}\n`), '-cert', dir.file('o.pem', `${ocert.certificate}\n`), '-url', url, '-VAfile', s.rootFile]);
      assert.match(u.out, /o\.pem: unknown/);
    } finally {
      await other.stop();
    }

    await c.api('POST', `${MOUNT}/config/crl`, { ocsp_disable: true });
    const disabled = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: readFileSync(reqFile) });
    assert.equal(disabled.status, 401);
    assert.deepEqual([...Buffer.from(await disabled.arrayBuffer())], [0x30, 0x03, 0x0a, 0x01, 0x06]);
  } finally {
    dir.cleanup();
    await c.stop();
  }
});

test('CA, CRL and issuer certificates are public; issuing needs a token; the AIA URLs point at the mount', async () => {
  const c = await startCoffer();
  const dir = new TempDir();
  try {
    const s = await setup(c, dir);
    for (const [path, type] of [['ca/pem', 'application/pem-certificate-chain'], ['ca', 'application/pkix-cert'], ['crl', 'application/pkix-crl'], ['crl/pem', 'application/x-pem-file'], ['ca_chain', 'application/pkix-cert'], [`issuer/${s.root.issuer_id}/pem`, 'application/pem-certificate-chain'], [`issuer/${s.root.issuer_id}/crl/der`, 'application/pkix-crl']] as const) {
      const res = await fetch(`${c.addr}/v1/${MOUNT}/${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), type, path);
      await res.arrayBuffer();
    }
    const cert = await fetch(`${c.addr}/v1/${MOUNT}/cert/${s.a.serial_number}`);
    assert.equal(cert.status, 200);
    assert.equal((await cert.json()).data.certificate, s.a.certificate);
    const list = await fetch(`${c.addr}/v1/${MOUNT}/issuers?list=true`);
    assert.equal(list.status, 200);
    assert.deepEqual((await list.json()).data.keys, [s.root.issuer_id]);
    for (const [method, path] of [['POST', 'issue/member'], ['LIST', 'certs'], ['POST', 'revoke'], ['GET', 'roles/member'], ['POST', `issuer/${s.root.issuer_id}/issue/member`]]) {
      const res = await fetch(`${c.addr}/v1/${MOUNT}/${path}`, { method, body: method === 'POST' ? '{}' : undefined });
      assert.equal(res.status, 403, `${method} ${path} without a token`);
      await res.arrayBuffer();
    }
    const text = (await opensslAsync(['x509', '-in', s.aFile, '-noout', '-text'])).out;
    assert.ok(text.includes(`OCSP - URI:${c.addr}/v1/${MOUNT}/ocsp`));
    assert.ok(text.includes(`URI:${c.addr}/v1/${MOUNT}/crl`));
    const crlFile = dir.file('crl.der', Buffer.from(await (await fetch(`${c.addr}/v1/${MOUNT}/crl`)).arrayBuffer()));
    assert.match((await opensslAsync(['crl', '-inform', 'DER', '-in', crlFile, '-noout', '-CAfile', s.rootFile])).out, /verify OK/);
  } finally {
    dir.cleanup();
    await c.stop();
  }
});
