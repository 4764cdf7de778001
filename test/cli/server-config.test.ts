import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServerConfig } from '../../src/cli/server-config.js';

const HCL = `
storage "sqlite" {
  path = "/var/lib/coffer/coffer.db"
}

listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}

listener "tcp" {
  address            = "0.0.0.0:8201"
  tls_cert_file      = "/etc/coffer/server.crt"
  tls_key_file       = "/etc/coffer/server.key"
  tls_client_ca_file = "/etc/coffer/ca.crt"
}

api_addr          = "https://coffer.internal:8200"
default_lease_ttl = "1h"
max_lease_ttl     = "720h"
disable_mlock     = true
ui                = true
log_level         = "debug"
`;

test('HCL config in Vault\'s schema', () => {
  const c = parseServerConfig(HCL, 'coffer.hcl');
  assert.deepEqual(c.storage, { type: 'sqlite', options: { path: '/var/lib/coffer/coffer.db' } });
  assert.equal(c.listeners.length, 2);
  assert.deepEqual(c.listeners[0], { address: '127.0.0.1:8200', tlsDisable: true });
  assert.equal(c.listeners[1]!.tlsClientCAFile, '/etc/coffer/ca.crt');
  assert.equal(c.apiAddr, 'https://coffer.internal:8200');
  assert.equal(c.defaultLeaseTTL, 3600);
  assert.equal(c.maxLeaseTTL, 720 * 3600);
  assert.equal(c.disableMlock, true);
  assert.equal(c.ui, true);
  assert.equal(c.logLevel, 'debug');
  assert.deepEqual(c.warnings, []);
});

test('JSON config, backend alias and inmem alias', () => {
  const c = parseServerConfig(JSON.stringify({ backend: { inmem: {} }, listener: [{ tcp: { address: '127.0.0.1:0', tls_disable: 'true' } }] }), 'c.json');
  assert.equal(c.storage.type, 'memory');
  assert.equal(c.listeners[0]!.tlsDisable, true);
});

const bad: [string, string, RegExp][] = [
  ['no storage', 'listener "tcp" { tls_disable = true }', /no "storage" stanza/],
  ['unknown storage', 'storage "consul" {}\nlistener "tcp" { tls_disable = true }', /unknown storage type "consul"/],
  ['sqlite without path', 'storage "sqlite" {}\nlistener "tcp" { tls_disable = true }', /"path" is required/],
  ['no listener', 'storage "inmem" {}', /at least one listener/],
  ['tls without cert', 'storage "inmem" {}\nlistener "tcp" { address = "127.0.0.1:8200" }', /tls_cert_file and tls_key_file are required/],
  ['bad ttl names the line', 'storage "inmem" {}\nlistener "tcp" { tls_disable = true }\n\ndefault_lease_ttl = "forever"', /line 4.*default_lease_ttl/],
  ['bad bool', 'storage "inmem" {}\nlistener "tcp" { tls_disable = true }\nui = "maybe"', /line 3.*ui/],
  ['bad address', 'storage "inmem" {}\nlistener "tcp" {\n  address = "nowhere"\n  tls_disable = true\n}', /invalid address/],
  ['default above max', 'storage "inmem" {}\nlistener "tcp" { tls_disable = true }\ndefault_lease_ttl = "2h"\nmax_lease_ttl = "1h"', /cannot be greater/],
  ['syntax error', 'storage "inmem" {\nlistener', /coffer\.hcl/],
];

for (const [name, text, re] of bad) {
  test(`bad config fails start: ${name}`, () => {
    assert.throws(() => parseServerConfig(text, 'coffer.hcl'), re);
  });
}

test('unknown stanzas warn and name the line', () => {
  const c = parseServerConfig('storage "inmem" {}\nlistener "tcp" { tls_disable = true }\nentropy "seal" {}\n', 'coffer.hcl');
  assert.equal(c.warnings.length, 1);
  assert.match(c.warnings[0]!, /entropy.*coffer\.hcl:3/);
});
