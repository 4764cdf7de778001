import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { newPki, makeRoot, opensslOk, openssl, TempDir } from './helpers.js';

test('root/generate: internal, exported, existing, kms and bad types', async () => {
  const pki = await newPki();
  assert.equal(await pki.fails('update', 'root/generate/bogus', {}), 'the "exported" path parameter must be "internal", "existing", exported" or "kms"');
  assert.equal(await pki.fails('update', 'root/generate/kms', {}), 'managed keys are supported within enterprise edition only');
  assert.equal(await pki.fails('update', 'root/generate/internal', { key_type: 'rsa', key_bits: 1024 }), 'RSA keys < 2048 bits are unsafe and not supported: got 1024');
  assert.equal(await pki.fails('update', 'root/generate/internal', { issuer_name: 'default' }), "reserved keyword 'default' can not be used as issuer name");
  const r = await pki.call('update', 'root/generate/exported', { common_name: 'Root A', key_type: 'ec', issuer_name: 'root-a', key_name: 'key-a', max_path_length: 0, ttl: '100h' });
  const d = r!.data!;
  assert.equal(d.issuer_name, 'root-a');
  assert.equal(d.key_name, 'key-a');
  assert.equal(d.private_key_type, 'ec');
  assert.equal(d.issuing_ca, d.certificate);
  assert.ok(r!.warnings!.some((w) => w.startsWith("This mount hasn't configured any authority information access")));
  assert.ok(r!.warnings!.includes('Max path length of the generated certificate is zero. This certificate cannot be used to issue intermediate CA certificates.'));
  const text = opensslOk(['x509', '-noout', '-text'], d.certificate as string);
  assert.match(text, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
  assert.match(text, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
  assert.equal(await pki.fails('update', 'root/generate/internal', { issuer_name: 'root-a' }), 'issuer name already in use');
  const again = await pki.ok('update', 'root/generate/existing', { common_name: 'Root A2', key_ref: 'key-a', issuer_name: 'root-a2' });
  assert.equal(again.key_id, d.key_id);
  assert.equal(await pki.fails('update', 'root/generate/existing', { key_type: 'ec' }), 'invalid parameter for the kms/existing path parameter, key_type nor key_bits arguments can be set in this mode');
  assert.deepEqual((await pki.ok('list', 'keys')).keys, [d.key_id]);
  const issuers = await pki.ok('list', 'issuers');
  assert.equal(issuers.keys.length, 2);
  assert.equal(issuers.key_info[d.issuer_id as string].issuer_name, 'root-a');
  assert.equal(issuers.key_info[d.issuer_id as string].is_default, true);
  assert.ok((await pki.ok('list', 'certs')).keys.includes(d.serial_number));
  const empty = await pki.call('update', 'issuers/generate/root/internal', { key_type: 'ec' });
  assert.ok(empty!.warnings!.some((w) => w.includes('generated without a Subject')));
  assert.equal(await pki.fails('delete', 'key/key-a'), 'Unable to delete key as it is in use by one or more issuers.');
});

test('an intermediate in one mount signed by a root in another: chain, default issuer, NotAfter rule', async () => {
  const dir = new TempDir();
  try {
    const rootMount = await newPki({ path: 'root/' });
    const root = await makeRoot(rootMount, { ttl: '200h', key_type: 'rsa' });
    const int = await newPki({ path: 'int/' });
    const gen = await int.call('update', 'intermediate/generate/internal', { common_name: 'Coffer Intermediate', key_type: 'ec', key_bits: 384, ttl: '90000h' });
    assert.match(gen!.data!.csr as string, /^-----BEGIN CERTIFICATE REQUEST-----/);
    assert.equal(gen!.data!.private_key, undefined);
    assert.ok(gen!.warnings!.some((w) => /TTL "90000h0m0s" is longer than permitted maxTTL "87600h0m0s"/.test(w)));
    const signed = await rootMount.ok('update', 'root/sign-intermediate', { csr: gen!.data!.csr, ttl: '100h', use_csr_values: true });
    assert.deepEqual(signed.ca_chain, [signed.certificate, root.certificate]);
    assert.equal(signed.issuing_ca, root.certificate);
    const intText = opensslOk(['x509', '-noout', '-text'], signed.certificate);
    assert.match(intText, /CA:TRUE/);
    assert.match(intText, /Subject: CN = Coffer Intermediate/);
    const set = await int.call('update', 'intermediate/set-signed', { certificate: `${signed.certificate}\n${root.certificate}` });
    const imported = set!.data!.imported_issuers as string[];
    assert.equal(imported.length, 2);
    const mapping = set!.data!.mapping as Record<string, string>;
    const intId = imported.find((id) => mapping[id])!;
    assert.equal(mapping[intId], gen!.data!.key_id);
    assert.equal((await int.ok('read', 'config/issuers')).default, intId);
    // Importing again changes nothing.
    const again = await int.ok('update', 'intermediate/set-signed', { certificate: signed.certificate });
    assert.deepEqual(again.existing_issuers, [intId]);
    assert.equal(again.imported_issuers, null);
    assert.equal(await int.fails('update', 'intermediate/set-signed', {}), "'pem_bundle' and 'certificate' parameters were empty");
    assert.equal(await int.fails('update', 'intermediate/set-signed', { certificate: 'x'.repeat(80) }), 'error when parsing block 1: invalid PEM data');

    await int.ok('update', 'roles/svc', { allowed_domains: 'svc.cluster.local', allow_subdomains: true, key_type: 'ec' });
    const leaf = await int.ok('update', 'issue/svc', { common_name: 'api.default.svc.cluster.local', ttl: '24h' });
    assert.deepEqual(leaf.ca_chain, [signed.certificate, root.certificate]);
    assert.equal(leaf.issuing_ca, signed.certificate);
    const out = opensslOk(['verify', '-CAfile', dir.file('root.pem', root.certificate), '-untrusted', dir.file('int.pem', signed.certificate), dir.file('leaf.pem', leaf.certificate)]);
    assert.match(out, /leaf\.pem: OK/);
    assert.notEqual(openssl(['verify', '-CAfile', dir.file('int-only.pem', signed.certificate), dir.file('leaf2.pem', leaf.certificate)]).status, 0, 'the intermediate alone is no trust anchor');
    assert.match(await int.fails('update', 'issue/svc', { common_name: 'x.svc.cluster.local', ttl: '150h' }), /beyond the expiration of the CA certificate/);
    const chain = await int.call('read', 'ca_chain');
    assert.equal(chain!.raw!.body, `${signed.certificate}\n${root.certificate}`);
    const json = await int.ok('read', 'cert/ca_chain');
    assert.equal(json.ca_chain, `${signed.certificate}\n${root.certificate}`);
    const issuer = await int.ok('read', `issuer/${intId}`);
    assert.equal(issuer.certificate, `${signed.certificate}\n`);
    assert.equal(issuer.ca_chain.length, 2);
    assert.equal(issuer.usage, 'crl-signing,issuing-certificates,ocsp-signing,read-only');
    assert.equal(issuer.leaf_not_after_behavior, 'err');
  } finally {
    dir.cleanup();
  }
});

test('sign-intermediate path length, ttl beyond the root, and sign-self-issued', async () => {
  const a = await newPki();
  const root = await makeRoot(a, { max_path_length: 1, ttl: '50h' });
  const b = await newPki();
  const csr = (await b.ok('update', 'intermediate/generate/internal', { common_name: 'Int', key_type: 'ec' })).csr;
  const r = await a.call('update', 'root/sign-intermediate', { csr, ttl: '100h' });
  assert.ok(r!.warnings!.some((w) => w.startsWith('The expiration time for the signed certificate is after the CA')));
  assert.ok(r!.warnings!.some((w) => w.startsWith('Max path length of the signed certificate is zero')));
  assert.match(opensslOk(['x509', '-noout', '-text'], r!.data!.certificate as string), /CA:TRUE, pathlen:0/);
  await b.ok('update', 'intermediate/set-signed', { certificate: r!.data!.certificate });
  const c = await newPki();
  const csr2 = (await c.ok('update', 'intermediate/generate/internal', { common_name: 'Int2', key_type: 'ec' })).csr;
  assert.equal(await b.fails('update', 'root/sign-intermediate', { csr: csr2 }), 'signing certificate has a max path length of zero, and cannot issue further CA certificates');

  const other = await newPki();
  const selfIssued = await makeRoot(other, { common_name: 'Coffer Test Root' });
  const resigned = await a.ok('update', 'root/sign-self-issued', { certificate: selfIssued.certificate });
  const cert = new X509Certificate(resigned.certificate);
  assert.ok(cert.verify(new X509Certificate(root.certificate).publicKey));
  assert.equal(cert.serialNumber, new X509Certificate(selfIssued.certificate).serialNumber);
  assert.equal(await a.fails('update', 'root/sign-self-issued', { certificate: 'nope' }), 'certificate could not be PEM-decoded');
  const leafMount = await newPki();
  await makeRoot(leafMount);
  await leafMount.ok('update', 'roles/r', { allow_any_name: true, key_type: 'ec' });
  const leaf = await leafMount.ok('update', 'issue/r', { common_name: 'x' });
  assert.equal(await a.fails('update', 'root/sign-self-issued', { certificate: leaf.certificate }), 'given certificate is not a CA certificate');
  assert.equal(await a.fails('update', 'root/sign-self-issued', { certificate: r!.data!.certificate }), 'given certificate is not self-issued');
});

test('several issuers: default, names, issuer/:ref/issue, update, patch, delete, root/replace', async () => {
  const pki = await newPki();
  const first = await makeRoot(pki, { issuer_name: 'old' });
  const second = await pki.ok('update', 'root/rotate/internal', { common_name: 'New Root', key_type: 'ec', ttl: '8760h' });
  assert.equal(second.issuer_name, 'next');
  assert.equal((await pki.ok('read', 'config/issuers')).default, first.issuer_id);
  await pki.ok('update', 'roles/r', { allow_any_name: true, key_type: 'ec' });
  const viaNext = await pki.ok('update', 'issuer/next/issue/r', { common_name: 'x' });
  assert.equal(viaNext.issuing_ca, second.certificate);
  assert.equal((await pki.ok('update', 'issue/r', { common_name: 'x' })).issuing_ca, first.certificate);
  await pki.ok('update', 'root/replace', {});
  assert.equal((await pki.ok('read', 'config/issuers')).default, second.issuer_id);
  assert.equal((await pki.ok('update', 'issue/r', { common_name: 'x' })).issuing_ca, second.certificate);
  await pki.ok('update', 'roles/pinned', { allow_any_name: true, key_type: 'ec', issuer_ref: 'old' });
  assert.equal((await pki.ok('update', 'issue/pinned', { common_name: 'x' })).issuing_ca, first.certificate);

  const patched = await pki.ok('patch', 'issuer/old', { leaf_not_after_behavior: 'truncate' });
  assert.equal(patched.issuer_name, 'old');
  assert.equal(patched.leaf_not_after_behavior, 'truncate');
  const posted = await pki.ok('update', 'issuer/old', { ocsp_servers: 'http://ocsp.example' });
  assert.equal(posted.issuer_name, '', 'POST rewrites every field');
  assert.equal(posted.leaf_not_after_behavior, 'err');
  assert.deepEqual(posted.ocsp_servers, ['http://ocsp.example']);
  assert.equal(await pki.fails('patch', `issuer/${first.issuer_id}`, { leaf_not_after_behavior: 'maybe' }), 'Unknown value for field `leaf_not_after_behavior`. Possible values are `err`, `truncate`, and `permit`.');
  assert.equal(await pki.fails('patch', `issuer/${first.issuer_id}`, { revocation_signature_algorithm: 'MD5WithRSA' }).then((m) => m.split(' - ')[0]), 'Unknown signature algorithm value: MD5WithRSA');
  const leaf = await pki.ok('update', `issuer/${first.issuer_id}/issue/r`, { common_name: 'x' });
  assert.match(opensslOk(['x509', '-noout', '-ext', 'authorityInfoAccess'], leaf.certificate), /OCSP - URI:http:\/\/ocsp\.example/);

  const del = await pki.call('delete', 'issuer/next');
  assert.match(del!.warnings![0]!, /this was configured as the default issuer/);
  assert.equal((await pki.ok('read', 'config/issuers')).default, '');
  assert.match(await pki.fails('update', 'issue/r', { common_name: 'x' }), /no default issuer currently configured/);
  await pki.ok('update', 'config/issuers', { default: first.issuer_id });
  assert.match(await pki.fails('update', 'config/issuers', { default: 'nope' }), /unable to find PKI issuer for reference: nope/);
  const json = await pki.ok('read', `issuer/${first.issuer_id}/json`);
  assert.equal(json.certificate, `${first.certificate}\n`);
  const der = await pki.call('read', `issuer/${first.issuer_id}/der`);
  assert.equal(der!.raw!.contentType, 'application/pkix-cert');
  const del2 = await pki.call('delete', 'root');
  assert.match(del2!.warnings![0]!, /^DELETE \/root deletes all keys and issuers/);
  assert.equal(await pki.call('list', 'issuers'), null);
  assert.equal(await pki.call('list', 'keys'), null);
  assert.equal((await pki.call('read', 'ca'))!.raw!.status, 204);
});

test('config/ca imports a key and certificate; ca, ca/pem and cert/ca answer with the default issuer', async () => {
  const src = await newPki();
  const exported = await src.ok('update', 'root/generate/exported', { common_name: 'Imported Root', key_type: 'ec', ttl: '8760h' });
  const pki = await newPki();
  assert.equal((await pki.call('read', 'ca/pem'))!.raw!.status, 204);
  assert.equal(await pki.fails('update', 'intermediate/set-signed', { certificate: `${exported.private_key}\n${exported.certificate}` }), 'private keys found in the PEM bundle but not allowed by the path; use /issuers/import/bundle');
  const imp = await pki.ok('update', 'config/ca', { pem_bundle: `${exported.private_key}\n${exported.certificate}` });
  assert.equal(imp.imported_keys.length, 1);
  assert.equal(imp.imported_issuers.length, 1);
  const pem = await pki.call('read', 'ca/pem');
  assert.equal(pem!.raw!.contentType, 'application/pem-certificate-chain');
  assert.equal(pem!.raw!.body, exported.certificate);
  const der = await pki.call('read', 'ca');
  assert.ok(Buffer.from(der!.raw!.body).equals(new X509Certificate(exported.certificate).raw));
  assert.equal((await pki.ok('read', 'cert/ca')).certificate, exported.certificate);
  await pki.ok('update', 'roles/r', { allow_any_name: true, key_type: 'ec' });
  const leaf = await pki.ok('update', 'issue/r', { common_name: 'x' });
  assert.ok(new X509Certificate(leaf.certificate).verify(new X509Certificate(exported.certificate).publicKey));
  const leafOnly = await src.ok('update', 'roles/r', { allow_any_name: true, key_type: 'ec' }).then(() => src.ok('update', 'issue/r', { common_name: 'y' }));
  assert.match(await pki.fails('update', 'issuers/import/cert', { pem_bundle: leafOnly.certificate }), /^Error parsing issuer 0: Refusing to import non-CA certificate/);
});

test('keys: generate, import, rename, default', async () => {
  const pki = await newPki();
  const k = await pki.ok('update', 'keys/generate/exported', { key_type: 'ec', key_name: 'k1' });
  assert.equal(k.key_type, 'ec');
  assert.match(k.private_key, /BEGIN EC PRIVATE KEY/);
  assert.equal((await pki.ok('read', 'config/keys')).default, k.key_id);
  const internal = await pki.ok('update', 'keys/generate/internal', { key_type: 'rsa' });
  assert.equal(internal.private_key, undefined);
  const renamed = await pki.ok('update', `key/${internal.key_id}`, { key_name: 'k2' });
  assert.equal(renamed.key_name, 'k2');
  assert.equal((await pki.ok('read', 'key/k2')).key_id, internal.key_id);
  const other = await newPki();
  const exp = await other.ok('update', 'keys/generate/exported', { key_type: 'ed25519' });
  const imported = await pki.ok('update', 'keys/import', { pem_bundle: exp.private_key, key_name: 'k3' });
  assert.equal(imported.key_type, 'ed25519');
  await pki.ok('update', 'config/keys', { default: 'k3' });
  const root = await pki.ok('update', 'root/generate/existing', { common_name: 'From k3' });
  assert.equal(root.key_id, imported.key_id);
  await pki.call('delete', 'key/k2');
  assert.equal((await pki.ok('list', 'keys')).keys.length, 2);
  assert.equal(await pki.fails('update', 'keys/generate/kms', {}), 'managed keys are supported within enterprise edition only');
});
