import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { newPki, makeRoot, opensslOk, TempDir } from './helpers.js';

const hexSerial = (colon: string) => colon.replace(/:/g, '').toUpperCase();

async function setup() {
  const pki = await newPki();
  const root = await makeRoot(pki);
  await pki.ok('update', 'roles/r', { allow_any_name: true, key_type: 'ec' });
  return { pki, root };
}

test('revoke by serial: openssl crl lists it, cert/:serial shows the time, repeat is idempotent', async () => {
  const { pki, root } = await setup();
  const a = await pki.ok('update', 'issue/r', { common_name: 'a' });
  const b = await pki.ok('update', 'issue/r', { common_name: 'b' });
  const r = await pki.ok('update', 'revoke', { serial_number: a.serial_number.toUpperCase().replace(/:/g, '-') });
  assert.equal(r.state, 'revoked');
  assert.ok(Math.abs(r.revocation_time - Date.now() / 1000) < 5);
  assert.match(r.revocation_time_rfc3339, /^\d{4}-\d\d-\d\dT/);
  const again = await pki.ok('update', 'revoke', { serial_number: a.serial_number });
  assert.equal(again.revocation_time, r.revocation_time);
  const crl = (await pki.call('read', 'crl/pem'))!.raw!;
  assert.equal(crl.contentType, 'application/x-pem-file');
  const text = opensslOk(['crl', '-noout', '-text'], crl.body as string);
  assert.match(text, new RegExp(`Serial Number: ${hexSerial(a.serial_number)}`));
  assert.doesNotMatch(text, new RegExp(hexSerial(b.serial_number)));
  assert.match(text, /Version 2/);
  assert.match(text, /X509v3 CRL Number/);
  const dir = new TempDir();
  try {
    const rootFile = dir.file('root.pem', root.certificate);
    assert.match(opensslOk(['crl', '-noout', '-CAfile', rootFile], crl.body as string), /verify OK/);
    const der = (await pki.call('read', 'crl'))!.raw!;
    assert.equal(der.contentType, 'application/pkix-crl');
    assert.match(opensslOk(['crl', '-inform', 'DER', '-noout', '-text'], der.body as Buffer), new RegExp(hexSerial(a.serial_number)));
  } finally {
    dir.cleanup();
  }
  const cert = await pki.ok('read', `cert/${a.serial_number}`);
  assert.equal(cert.revocation_time, r.revocation_time);
  assert.equal(cert.issuer_id, root.issuer_id);
  assert.deepEqual((await pki.ok('list', 'certs/revoked')).keys, [a.serial_number]);
  const viaCert = await pki.ok('read', 'cert/crl');
  assert.match(viaCert.certificate, /^-----BEGIN X509 CRL-----/);
  const issuerCrl = await pki.ok('read', `issuer/${root.issuer_id}/crl`);
  assert.equal(issuerCrl.crl, viaCert.certificate);
});

test('revoke errors and special cases use Vault texts', async () => {
  const { pki, root } = await setup();
  assert.equal(await pki.fails('update', 'revoke', {}), 'The serial number or certificate to revoke must be provided.');
  const a = await pki.ok('update', 'issue/r', { common_name: 'a' });
  assert.equal(await pki.fails('update', 'revoke', { serial_number: a.serial_number, certificate: a.certificate }), 'Must provide either the certificate or the serial to revoke; not both.');
  assert.equal(await pki.fails('update', 'revoke', { serial_number: '01:02' }), 'certificate with serial 01:02 not found.');
  assert.equal(await pki.fails('update', 'revoke', { serial_number: root.serial_number }), `adding issuer (id: ${root.issuer_id}) to its own CRL is not allowed`);
  const other = await newPki();
  await makeRoot(other);
  await other.ok('update', 'roles/r', { allow_any_name: true, key_type: 'ec' });
  const foreign = await other.ok('update', 'issue/r', { common_name: 'x' });
  assert.match(await pki.fails('update', 'revoke', { certificate: foreign.certificate }), /^unable to verify signature on presented cert from any present issuer in this mount/);
  await pki.ok('update', 'roles/ns', { allow_any_name: true, key_type: 'ec', no_store: true });
  const unstored = await pki.ok('update', 'issue/ns', { common_name: 'ns' });
  assert.equal((await pki.ok('update', 'revoke', { certificate: unstored.certificate })).state, 'revoked');
  const short = await pki.ok('update', 'issue/r', { common_name: 'short', ttl: '40s' });
  pki.clock.offset = 60_000;
  const expired = await pki.call('update', 'revoke', { serial_number: short.serial_number });
  assert.deepEqual(expired!.warnings, [`certificate with serial ${short.serial_number} already expired; refusing to add to CRL`]);
  assert.equal(expired!.data, undefined);
});

test('revoke-with-key requires the matching private key', async () => {
  const { pki } = await setup();
  const a = await pki.ok('update', 'issue/r', { common_name: 'a' });
  const b = await pki.ok('update', 'issue/r', { common_name: 'b' });
  assert.equal(await pki.fails('update', 'revoke-with-key', { serial_number: a.serial_number, private_key: 'short' }), 'Provided data for private_key was too short; perhaps a path was passed to the API rather than the contents of a PEM file');
  assert.equal(await pki.fails('update', 'revoke-with-key', { serial_number: a.serial_number, private_key: b.private_key }), "provided private key does not match certificate's public key");
  await pki.ok('update', 'roles/rsa', { allow_any_name: true, key_type: 'rsa' });
  const c = await pki.ok('update', 'issue/rsa', { common_name: 'c' });
  assert.equal(await pki.fails('update', 'revoke-with-key', { serial_number: a.serial_number, private_key: c.private_key }), "provided private key type does not match certificate's public key type");
  assert.equal((await pki.ok('update', 'revoke-with-key', { certificate: a.certificate, private_key: a.private_key })).state, 'revoked');
});

test('CRL per issuer; revoked intermediates go on the parent CRL; rotate, config/crl, disable, delta', async () => {
  const { pki, root } = await setup();
  const int = await newPki();
  const csr = (await int.ok('update', 'intermediate/generate/internal', { common_name: 'Int', key_type: 'ec' })).csr;
  const signed = await pki.ok('update', 'root/sign-intermediate', { csr, ttl: '100h' });
  // Import the intermediate into the root's mount as a keyless issuer, then revoke it there.
  const imp = await pki.ok('update', 'issuers/import/cert', { pem_bundle: signed.certificate });
  const intId = imp.imported_issuers[0];
  const rev = await pki.call('update', `issuer/${intId}/revoke`, {});
  assert.equal(rev!.data!.revoked, true);
  assert.ok(!(rev!.data!.usage as string).includes('issuing-certificates'));
  const crlText = opensslOk(['crl', '-noout', '-text'], (await pki.call('read', 'crl/pem'))!.raw!.body as string);
  assert.match(crlText, new RegExp(hexSerial(signed.serial_number)));

  const n1 = Number(/CRL Number:\s+(\d+)/.exec(crlText)![1]);
  await pki.ok('read', 'crl/rotate');
  const crlText2 = opensslOk(['crl', '-noout', '-text'], (await pki.call('read', 'crl/pem'))!.raw!.body as string);
  assert.equal(Number(/CRL Number:\s+(\d+)/.exec(crlText2)![1]), n1 + 1);

  const cfg = await pki.ok('read', 'config/crl');
  assert.deepEqual({ expiry: cfg.expiry, disable: cfg.disable, ocsp_disable: cfg.ocsp_disable, ocsp_expiry: cfg.ocsp_expiry, auto_rebuild: cfg.auto_rebuild, auto_rebuild_grace_period: cfg.auto_rebuild_grace_period, enable_delta: cfg.enable_delta, delta_rebuild_interval: cfg.delta_rebuild_interval },
    { expiry: '72h', disable: false, ocsp_disable: false, ocsp_expiry: '12h', auto_rebuild: false, auto_rebuild_grace_period: '12h', enable_delta: false, delta_rebuild_interval: '15m' });
  assert.equal(await pki.fails('update', 'config/crl', { enable_delta: true }), 'Delta CRLs cannot be enabled when auto rebuilding is disabled as the complete CRL is always regenerated!');
  assert.equal(await pki.fails('update', 'config/crl', { auto_rebuild: true, auto_rebuild_grace_period: '80h' }), 'CRL auto-rebuilding grace period (80h) must be strictly shorter than CRL expiry (72h) value when auto-rebuilding of CRLs is enabled');
  assert.match(await pki.fails('update', 'config/crl', { expiry: 'tomorrow' }), /^given expiry could not be decoded/);
  await pki.ok('update', 'config/crl', { expiry: '24h' });
  const nextUpdate = new Date(/nextUpdate=(.+)/.exec(opensslOk(['crl', '-noout', '-nextupdate'], (await pki.call('read', 'crl/pem'))!.raw!.body as string))![1]!).getTime();
  assert.ok(Math.abs(nextUpdate - (Date.now() + 24 * 3600e3)) < 10_000);
  await pki.ok('update', 'config/crl', { disable: true });
  assert.doesNotMatch(opensslOk(['crl', '-noout', '-text'], (await pki.call('read', 'crl/pem'))!.raw!.body as string), /Revoked Certificates:\s+Serial/);

  await pki.ok('update', 'config/crl', { disable: false, auto_rebuild: true, enable_delta: true });
  const leaf = await pki.ok('update', 'issue/r', { common_name: 'delta' });
  await pki.ok('update', 'revoke', { serial_number: leaf.serial_number });
  const delta = opensslOk(['crl', '-noout', '-text'], (await pki.call('read', 'crl/delta/pem'))!.raw!.body as string);
  assert.match(delta, /Delta CRL Indicator/);
  assert.match(delta, new RegExp(hexSerial(leaf.serial_number)));
  assert.ok(root.issuer_id);
});

test('tidy removes expired certificates and revocation entries after the safety buffer', async () => {
  const { pki } = await setup();
  const keep = await pki.ok('update', 'issue/r', { common_name: 'keep', ttl: '10h' });
  const old = await pki.ok('update', 'issue/r', { common_name: 'old', ttl: '1h' });
  const oldRevoked = await pki.ok('update', 'issue/r', { common_name: 'old-revoked', ttl: '1h' });
  await pki.ok('update', 'revoke', { serial_number: oldRevoked.serial_number });
  assert.equal((await pki.ok('read', 'tidy-status')).state, 'Inactive');
  const none = await pki.call('update', 'tidy', {});
  assert.match(none!.warnings![0]!, /^Manual tidy requested but no tidy operations were set/);
  assert.equal(await pki.fails('update', 'tidy', { tidy_cert_store: true, safety_buffer: 0 }), 'safety_buffer must be greater than zero');
  pki.clock.offset = 3 * 3600e3;
  const started = await pki.call('update', 'tidy', { tidy_cert_store: true, tidy_revoked_certs: true, safety_buffer: '1h' });
  assert.equal(started!.status, 202);
  assert.deepEqual(started!.warnings, ["Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."]);
  for (let i = 0; i < 100 && (await pki.ok('read', 'tidy-status')).state === 'Running'; i++) await new Promise((r) => setTimeout(r, 10));
  const status = await pki.ok('read', 'tidy-status');
  assert.equal(status.state, 'Finished');
  assert.equal(status.cert_store_deleted_count, 2);
  assert.equal(status.revoked_cert_deleted_count, 1);
  assert.equal(status.tidy_cert_store, true);
  assert.equal(status.safety_buffer, 3600);
  const keys = (await pki.ok('list', 'certs')).keys as string[];
  assert.ok(keys.includes(keep.serial_number));
  assert.ok(!keys.includes(old.serial_number));
  assert.equal(await pki.call('list', 'certs/revoked'), null);
  assert.doesNotMatch(opensslOk(['crl', '-noout', '-text'], (await pki.call('read', 'crl/pem'))!.raw!.body as string), new RegExp(hexSerial(oldRevoked.serial_number)));
  assert.ok(new X509Certificate(keep.certificate));
});

test('auto_rebuild: revocations reach the CRL at the next periodic run, and a CRL near expiry is rebuilt', async () => {
  const pki = await newPki({ periodicMs: 50 });
  try {
    await makeRoot(pki);
    await pki.ok('update', 'roles/r', { allow_any_name: true, key_type: 'ec' });
    await pki.ok('update', 'config/crl', { auto_rebuild: true, expiry: '1h', auto_rebuild_grace_period: '10m' });
    const crlNumber = async () => Number(/CRL Number:\s+(\d+)/.exec(opensslOk(['crl', '-noout', '-text'], (await pki.call('read', 'crl/pem'))!.raw!.body as string))![1]);
    const a = await pki.ok('update', 'issue/r', { common_name: 'a' });
    await pki.ok('update', 'revoke', { serial_number: a.serial_number });
    const has = async () => opensslOk(['crl', '-noout', '-text'], (await pki.call('read', 'crl/pem'))!.raw!.body as string).includes(hexSerial(a.serial_number));
    assert.equal(await has(), false, 'with auto_rebuild the revocation does not rebuild the CRL itself');
    for (let i = 0; i < 100 && !(await has()); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await has(), true, 'the periodic run rebuilt it');
    const n = await crlNumber();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await crlNumber(), n, 'nothing to do: no rebuild');
    pki.clock.offset = 55 * 60_000;
    for (let i = 0; i < 100 && (await crlNumber()) === n; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok((await crlNumber()) > n, 'rebuilt within the grace period before expiry');
  } finally {
    await pki.backend.def.cleanup?.();
  }
});

test('tidy_expired_issuers removes issuers past NotAfter + issuer_safety_buffer, never the default', async () => {
  const pki = await newPki();
  const old = await pki.ok('update', 'root/generate/internal', { common_name: 'Old', key_type: 'ec', ttl: '1h', issuer_name: 'old' });
  const current = await pki.ok('update', 'root/generate/internal', { common_name: 'Current', key_type: 'ec', ttl: '2h', issuer_name: 'current' });
  await pki.ok('update', 'config/issuers', { default: 'current' });
  pki.clock.offset = 5 * 3600e3;
  const r = await pki.call('update', 'tidy', { tidy_expired_issuers: true, issuer_safety_buffer: '1h' });
  assert.equal(r!.status, 202);
  for (let i = 0; i < 100 && (await pki.ok('read', 'tidy-status')).state === 'Running'; i++) await new Promise((res) => setTimeout(res, 10));
  assert.equal((await pki.ok('read', 'tidy-status')).state, 'Finished');
  assert.deepEqual((await pki.ok('list', 'issuers')).keys, [current.issuer_id], 'the expired default stays; the other expired one is gone');
  assert.ok(old.issuer_id);
  assert.equal((await pki.ok('list', 'keys')).keys.length, 2, 'keys are kept');
});
