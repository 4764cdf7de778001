import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUDO_PATHS, compileSpecialPaths, isSudoPath } from '../../../src/core/acl/index.js';

const cases: [string, boolean][] = [
  ['sys/auth/userpass', true],
  ['sys/auth/kube-policy/tune', true],
  ['sys/auth', false],
  ['sys/mounts/secret', false],
  ['sys/mounts', false],
  ['sys/policy/admin', false],
  ['sys/policies/acl/admin', false],
  ['sys/audit', true],
  ['sys/audit/file', true],
  ['sys/audit-hash/file', false],
  ['sys/raw/core/mounts', true],
  ['sys/raw', true],
  ['sys/remount', true],
  ['sys/rotate', true],
  ['sys/rotate/keyring', true],
  ['sys/rotate/root', true],
  ['sys/rotate/config', false],
  ['sys/seal', true],
  ['sys/seal-status', false],
  ['sys/step-down', true],
  ['sys/leases', true],
  ['sys/leases/lookup', false],
  ['sys/leases/lookup/', true],
  ['sys/leases/lookup/pki/issue/role/', true],
  ['sys/leases/renew', false],
  ['sys/leases/revoke', false],
  ['sys/leases/revoke-prefix/pki/', true],
  ['sys/leases/revoke-force/pki/', true],
  ['sys/revoke-prefix/x', true],
  ['sys/config/cors', true],
  ['sys/config/auditing/request-headers/x', true],
  ['sys/config/ui/headers/x', true],
  ['sys/plugins/catalog/secret/x', true],
  ['sys/internal/inspect/router', true],
  ['sys/internal/ui/mounts', false],
  ['auth/token/accessors', true],
  ['auth/token/accessors/', true],
  ['auth/token/revoke-orphan/abc', true],
  ['auth/token/revoke-orphan', false],
  ['auth/token/create', false],
  ['auth/token/tidy', false],
  ['/sys/audit/file', true],
  ['secret/sys/audit', false],
  ['auth/userpass/accessors', false],
];

for (const [path, want] of cases) {
  test(`isSudoPath(${path}) = ${want}`, () => assert.equal(isSudoPath(path), want));
}

test('special paths matcher: prefixes, exact entries, longest match decides', () => {
  const m = compileSpecialPaths(['root', 'root/sign-self-issued', 'a/*', 'a/b', 'x*']);
  // `a/bc`: the longest stored prefix is the exact entry `a/b`, which does not match, and Vault's
  // router does not fall back to the shorter `a/*`.
  assert.deepEqual(['root', 'root/', 'root/sign-self-issued', 'root/generate', 'a/', 'a/b', 'a/bc', 'a/c', 'x', 'xyz', 'y'].map(m), [true, false, true, false, true, true, false, true, true, true, false]);
  assert.ok(SUDO_PATHS.includes('sys/auth/*') && SUDO_PATHS.includes('auth/token/accessors*'));
});
