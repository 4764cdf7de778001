import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPki, makeRoot } from './helpers.js';

test('role read returns every field with Vault defaults', async () => {
  const pki = await newPki();
  await makeRoot(pki);
  const w = await pki.call('update', 'roles/web', {});
  assert.equal(w?.warnings, undefined);
  const r = await pki.ok('read', 'roles/web');
  const expected: Record<string, unknown> = {
    ttl: 0, max_ttl: 0, allow_localhost: true, allowed_domains: [], allowed_domains_template: false, allow_bare_domains: false,
    allow_subdomains: false, allow_glob_domains: false, allow_wildcard_certificates: true, allow_any_name: false,
    enforce_hostnames: true, allow_ip_sans: true, allowed_uri_sans: [], allowed_other_sans: [], allowed_serial_numbers: [],
    allowed_user_ids: [], server_flag: true, client_flag: true, code_signing_flag: false, email_protection_flag: false,
    key_type: 'rsa', key_bits: 2048, signature_bits: 256, use_pss: false, key_usage: ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'],
    ext_key_usage: [], ext_key_usage_oids: [], ou: [], organization: [], country: [], locality: [], province: [], street_address: [],
    postal_code: [], use_csr_common_name: true, use_csr_sans: true, require_cn: true, cn_validations: ['email', 'hostname'],
    policy_identifiers: [], basic_constraints_valid_for_non_ca: false, generate_lease: false, no_store: false,
    not_before_duration: 30, not_after: '', issuer_ref: 'default',
  };
  for (const [k, v] of Object.entries(expected)) assert.deepEqual(r[k], v, k);
});

test('durations are returned as seconds and comma strings become lists', async () => {
  const pki = await newPki();
  const r = await pki.ok('update', 'roles/k8s', { ttl: '1h', max_ttl: '720h', allowed_domains: 'a.com, b.com', organization: 'system:masters', key_type: 'ec' });
  assert.equal(r.ttl, 3600);
  assert.equal(r.max_ttl, 720 * 3600);
  assert.deepEqual(r.allowed_domains, ['a.com', 'b.com']);
  assert.deepEqual(r.organization, ['system:masters']);
  assert.equal(r.key_bits, 256);
  assert.equal(r.signature_bits, 0);
});

test('POST overwrites the whole role, PATCH merges', async () => {
  const pki = await newPki();
  await pki.ok('update', 'roles/r', { allowed_domains: 'example.com', allow_subdomains: true, max_ttl: '10h' });
  await pki.ok('patch', 'roles/r', { ttl: '1h' });
  let r = await pki.ok('read', 'roles/r');
  assert.deepEqual(r.allowed_domains, ['example.com']);
  assert.equal(r.allow_subdomains, true);
  assert.equal(r.ttl, 3600);
  await pki.ok('update', 'roles/r', { ttl: '2h' });
  r = await pki.ok('read', 'roles/r');
  assert.deepEqual(r.allowed_domains, []);
  assert.equal(r.allow_subdomains, false);
  assert.equal(r.max_ttl, 0);
  assert.match(await pki.fails('patch', 'roles/missing', { ttl: '1h' }), /Unable to fetch role entry to patch/);
});

test('role validation errors use Vault texts', async () => {
  const pki = await newPki();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ttl: '2h', max_ttl: '1h' }, /^"ttl" value must be less than "max_ttl" value$/],
    [{ key_type: 'rsa', key_bits: 1024 }, /^RSA keys < 2048 bits are unsafe and not supported: got 1024$/],
    [{ key_type: 'rsa', key_bits: 2049 }, /^unsupported bit length for RSA key: 2049$/],
    [{ key_type: 'ec', key_bits: 255 }, /^unsupported bit length for EC key: 255$/],
    [{ key_type: 'dsa' }, /^unknown key type dsa$/],
    [{ signature_bits: 128 }, /^unsupported hash signature algorithm: 128$/],
    [{ ext_key_usage_oids: 'not-an-oid' }, /could not be parsed as a valid oid/],
    [{ allowed_other_sans: '1.2.3;UTF8' }, /^error parsing allowed_other_sans: expected a colon/],
    [{ cn_validations: 'email,disabled' }, /cannot specify `disabled` along with `email` or `hostname`/],
    [{ cn_validations: 'dns' }, /unknown type: `dns`/],
    [{ ttl: 'soon' }, /field "ttl"/],
  ];
  for (const [data, re] of cases) assert.match(await pki.fails('update', 'roles/bad', data), re, JSON.stringify(data));
});

test('warnings: missing default issuer, generate_lease, no_store wins', async () => {
  const pki = await newPki();
  let r = await pki.call('update', 'roles/a', {});
  assert.match(r!.warnings![0]!, /no default issuing certificate/);
  await makeRoot(pki);
  r = await pki.call('update', 'roles/a', { generate_lease: true });
  assert.match(r!.warnings![0]!, /encouraged to disable generate_lease/);
  r = await pki.call('update', 'roles/a', { generate_lease: true, no_store: true });
  assert.equal(r!.data!.generate_lease, false);
  assert.equal(r!.warnings![0], 'mutually exclusive values no_store=true and generate_lease=true were both specified; no_store=true takes priority');
  r = await pki.call('update', 'roles/a', { issuer_ref: 'nope' });
  assert.match(r!.warnings![0]!, /Issuing Certificate was set to nope but no issuing certificate currently has that name/);
});

test('list, delete, policy identifiers', async () => {
  const pki = await newPki();
  assert.equal(await pki.call('list', 'roles'), null);
  await pki.ok('update', 'roles/b', { policy_identifiers: '1.2.3.4,1.3.6.1.4.1.7' });
  await pki.ok('update', 'roles/a', { policy_identifiers: '[{"oid":"1.2.3","cps":"https://cps.example","notice":"hi"}]' });
  assert.deepEqual((await pki.ok('list', 'roles')).keys, ['a', 'b']);
  assert.deepEqual((await pki.ok('read', 'roles/b')).policy_identifiers, ['1.2.3.4', '1.3.6.1.4.1.7']);
  assert.equal(JSON.parse((await pki.ok('read', 'roles/a')).policy_identifiers[0]).cps, 'https://cps.example');
  await pki.call('delete', 'roles/a');
  assert.equal(await pki.call('read', 'roles/a'), null);
  await pki.fails('update', 'roles/bad name!', {}, 404);
});
