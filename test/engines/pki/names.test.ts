import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCnValidations, toASCII, validateCommonName, validateNames, type NameRules } from '../../../src/engines/pki/validation/names.js';
import { parseOtherSANs, validateOtherSANs } from '../../../src/engines/pki/validation/sans.js';
import { fillTemplate } from '../../../src/engines/pki/validation/identity-template.js';
import { newPki, makeRoot } from './helpers.js';

const base: NameRules = {
  allow_localhost: true, allow_bare_domains: false, allow_subdomains: false, allow_glob_domains: false, allow_wildcard_certificates: true,
  allow_any_name: false, allow_token_displayname: false, enforce_hostnames: true, cn_validations: ['email', 'hostname'], allowed_domains: [],
};
const rules = (r: Partial<NameRules>): NameRules => ({ ...base, ...r });

test('validateNames: Vault matching rules, case for case', () => {
  const sub = rules({ allowed_domains: ['example.com'], allow_subdomains: true });
  const bare = rules({ allowed_domains: ['example.com'], allow_bare_domains: true });
  const glob = rules({ allowed_domains: ['*.svc.cluster.local', 'node-*'], allow_glob_domains: true });
  const cases: [string, NameRules, string, boolean][] = [
    ['subdomain allowed', sub, 'www.example.com', true],
    ['deep subdomain allowed', sub, 'a.b.example.com', true],
    ['bare rejected without allow_bare_domains', sub, 'example.com', false],
    ['wildcard of allowed domain', sub, '*.example.com', true],
    ['suffix match is case-sensitive', sub, 'www.EXAMPLE.com', false],
    ['bare match is case-insensitive', bare, 'EXAMPLE.COM', true],
    ['bare does not allow subdomains', bare, 'www.example.com', false],
    ['email with bare domain', bare, 'ops@example.com', true],
    ['email with wildcard rejected', sub, 'a@*.example.com', false],
    ['two @ rejected', bare, 'a@b@example.com', false],
    ['glob spans dots', glob, 'api.default.svc.cluster.local', true],
    ['glob anchored', glob, 'api.svc.cluster.local.evil', false],
    ['glob prefix', glob, 'node-12', true],
    ['localhost', base, 'localhost', true],
    ['localdomain', base, 'localdomain', true],
    ['sub.localhost needs allow_subdomains', base, 'a.localhost', false],
    ['sub.localhost with allow_subdomains', rules({ allow_subdomains: true }), 'a.localhost', true],
    ['localhost off', rules({ allow_localhost: false }), 'localhost', false],
    ['any name still enforces hostnames', rules({ allow_any_name: true }), 'bad_name.example.com', false],
    ['any name with enforce_hostnames off', rules({ allow_any_name: true, enforce_hostnames: false }), 'system:node:w1', true],
    ['wildcards forbidden', rules({ allow_any_name: true, allow_wildcard_certificates: false }), '*.example.com', false],
    ['two wildcards', rules({ allow_any_name: true }), '*.*.example.com', false],
    ['wildcard not left-most', rules({ allow_any_name: true }), 'www.*.example.com', false],
    ['partial wildcard label', rules({ allow_any_name: true }), 'ba*.example.com', true],
    ['bad wildcard label', rules({ allow_any_name: true }), 'b_*.example.com', false],
    ['label too long', rules({ allow_any_name: true }), `${'a'.repeat(64)}.example.com`, false],
    ['trailing dot allowed', rules({ allow_any_name: true }), 'example.com.', true],
    ['empty label', rules({ allow_any_name: true }), 'a..example.com', false],
    ['IDN converted', rules({ allowed_domains: ['xn--bcher-kva.example'], allow_bare_domains: true }), 'xn--bcher-kva.example', true],
    ['unicode host with any name', rules({ allow_any_name: true }), 'bücher.example', true],
  ];
  for (const [name, r, value, ok] of cases) assert.equal(validateNames(r, [value]) === '', ok, name);
});

test('validateCommonName honours cn_validations', () => {
  const any = rules({ allow_any_name: true, enforce_hostnames: false });
  assert.equal(validateCommonName({ ...any, cn_validations: ['disabled'] }, 'Jane Doe'), '');
  assert.equal(validateCommonName({ ...rules({}), cn_validations: ['disabled'] }, 'not allowed at all'), '');
  assert.equal(validateCommonName({ ...any, cn_validations: ['hostname'] }, 'jane@example.com'), 'jane@example.com');
  assert.equal(validateCommonName({ ...any, cn_validations: ['email'] }, 'jane@example.com'), '');
  assert.equal(validateCommonName({ ...any, cn_validations: ['email'] }, 'host.example.com'), 'host.example.com');
  assert.deepEqual(checkCnValidations([]), ['email', 'hostname']);
  assert.deepEqual(checkCnValidations(['Hostname']), ['hostname']);
  assert.throws(() => checkCnValidations(['email', 'email']), /`email` specified multiple times/);
});

test('IDNA: only lengths fail, the regex does the rest', () => {
  assert.equal(toASCII('host^123.example.com'), 'host^123.example.com');
  assert.equal(toASCII('bücher.example'), 'xn--bcher-kva.example');
  assert.throws(() => toASCII('a..b'), /idna: invalid label "a..b"/);
});

test('other SANs and identity templates', () => {
  const req = parseOtherSANs(['1.3.6.1.4.1.311.20.2.3;UTF8:devops@example.com']);
  assert.deepEqual(validateOtherSANs(['1.3.6.1.4.1.311.20.2.3;utf-8:*@example.com'], req), ['', '']);
  assert.deepEqual(validateOtherSANs(['1.3.6.1.4.1.311.20.2.3;UTF8:x'], req), ['1.3.6.1.4.1.311.20.2.3', 'devops@example.com']);
  assert.deepEqual(validateOtherSANs(['1.2.3;UTF8:*'], req), ['1.3.6.1.4.1.311.20.2.3', '']);
  assert.deepEqual(validateOtherSANs(['*'], req), ['', '']);
  assert.throws(() => parseOtherSANs(['1.2.3;IA5:x']), /only utf8 other SANs are supported/);
  const identity = {
    entities: new Map([['e1', { id: 'e1', name: 'jane', metadata: { team: 'ops' } }]]),
    groups: new Map([['g1', { id: 'g1', name: 'dev', metadata: null }]]),
    aliasesOf: () => [{ id: 'a1', name: 'jane@corp', metadata: null, mount_accessor: 'auth_userpass_1' }],
    allGroupIds: () => ['g1'],
  };
  assert.equal(fillTemplate('{{identity.entity.name}}.users.example.com', 'e1', identity), 'jane.users.example.com');
  assert.equal(fillTemplate('{{identity.entity.metadata.team}}', 'e1', identity), 'ops');
  assert.equal(fillTemplate('{{identity.entity.aliases.auth_userpass_1.name}}', 'e1', identity), 'jane@corp');
  assert.equal(fillTemplate('{{identity.groups.names.dev.id}}', 'e1', identity), 'g1');
  assert.equal(fillTemplate('{{identity.entity.metadata.missing}}', 'e1', identity), undefined);
  assert.equal(fillTemplate('{{identity.entity.name}}', '', identity), undefined);
});

test('issue: CN and SAN checks in Vault order with Vault messages', async () => {
  const pki = await newPki();
  await makeRoot(pki);
  await pki.ok('update', 'roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', allowed_uri_sans: 'spiffe://cluster/*', allowed_other_sans: '1.3.6.1.4.1.311.20.2.3;UTF8:*@example.com', allowed_serial_numbers: 'sn-*', allowed_user_ids: 'jane' });
  const cases: [Record<string, unknown>, string][] = [
    [{}, 'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false'],
    [{ common_name: 'example.com' }, 'common name example.com not allowed by this role'],
    [{ common_name: 'www.example.com', serial_number: 'other' }, 'serial_number other not allowed by this role'],
    [{ common_name: 'www.example.com', alt_names: 'x.other.org' }, 'subject alternate name x.other.org not allowed by this role'],
    [{ common_name: 'www.example.com', alt_names: 'a@other.org' }, 'email address a@other.org not allowed by this role'],
    [{ common_name: 'www.example.com', other_sans: '1.3.6.1.4.1.311.20.2.3;UTF8:a@b.org' }, 'other SAN a@b.org not allowed for OID 1.3.6.1.4.1.311.20.2.3 by this role'],
    [{ common_name: 'www.example.com', other_sans: '1.2.3;UTF8:x' }, 'other SAN OID 1.2.3 not allowed by this role'],
    [{ common_name: 'www.example.com', other_sans: 'garbage' }, 'could not parse requested other SAN: expected a semicolon in other SAN "garbage"'],
    [{ common_name: 'www.example.com', ip_sans: '10.0.0.300' }, 'the value "10.0.0.300" is not a valid IP address'],
    [{ common_name: 'www.example.com', uri_sans: 'https://evil' }, 'URI Subject Alternative Names were provided via the API which are not valid for this role'],
    [{ common_name: 'www.example.com', user_ids: 'bob' }, 'user_id bob is not allowed by this role'],
    [{ common_name: 'www.example.com', alt_names: 'a..example.com' }, 'idna: invalid label "a..example.com"'],
  ];
  for (const [data, msg] of cases) assert.equal(await pki.fails('update', 'issue/web', data), msg, JSON.stringify(data));
  await pki.ok('update', 'roles/noip', { allow_any_name: true, allow_ip_sans: false, key_type: 'ec' });
  assert.equal(await pki.fails('update', 'issue/noip', { common_name: 'x', ip_sans: '10.0.0.1' }), 'IP Subject Alternative Names are not allowed in this role, but was provided via the API');
  assert.equal(await pki.fails('update', 'issue/noip', { common_name: 'x', uri_sans: 'spiffe://a' }), 'URI Subject Alternative Names are not allowed in this role, but were provided via the API');
  assert.equal(await pki.fails('update', 'issue/nope', { common_name: 'x' }), 'unknown role: nope');
});
