/**
 * Micro-benchmark: a token with 10 policies of 50 paths each (exact, glob and `+` rules, plus the
 * default policy) checks a path in a few microseconds. Prints ns/op; fails only when an order of
 * magnitude off (the machine is shared), so it stays meaningful without being flaky.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AclCache, DEFAULT_POLICY, compileACL, parsePolicy, type AllowRequest } from '../../../src/core/acl/index.js';

function policyText(i: number): string {
  const out: string[] = [];
  for (let j = 0; j < 50; j++) {
    const team = `team${i}`;
    switch (j % 5) {
      case 0: out.push(`path "secret/data/${team}/app${j}" { capabilities = ["read", "update"] }`); break;
      case 1: out.push(`path "secret/data/${team}/shared${j}/*" { capabilities = ["read", "list"] }`); break;
      case 2: out.push(`path "pki-${team}/issue/role${j}" {\n  capabilities = ["update"]\n  allowed_parameters = { "common_name" = ["*.${team}.example.com"], "ttl" = [] }\n}`); break;
      case 3: out.push(`path "kv/${team}/+/cfg${j}" { capabilities = ["read"] }`); break;
      default: out.push(`path "db-${team}/creds/r${j}*" { policy = "read" }`);
    }
  }
  return out.join('\n');
}

const policies = [...Array.from({ length: 10 }, (_, i) => parsePolicy(`p${i}`, policyText(i))), parsePolicy('default', DEFAULT_POLICY)];
const identity = { entity: { id: 'ent-1', name: 'svc' } };

const requests: [AllowRequest, boolean][] = [
  [{ operation: 'read', path: 'secret/data/team7/app35' }, true],
  [{ operation: 'list', path: 'secret/data/team3/shared41/' }, true],
  [{ operation: 'read', path: 'secret/data/team9/shared46/deep/er/path' }, true],
  [{ operation: 'update', path: 'pki-team2/issue/role12', data: { common_name: 'etcd.team2.example.com', ttl: '24h' } }, true],
  [{ operation: 'update', path: 'pki-team2/issue/role12', data: { common_name: 'evil.com' } }, false],
  [{ operation: 'read', path: 'kv/team5/prod/cfg13' }, true],
  [{ operation: 'read', path: 'db-team1/creds/r44-extra' }, true],
  [{ operation: 'update', path: 'auth/token/renew-self' }, true],
  [{ operation: 'read', path: 'identity/entity/id/ent-1' }, true],
  [{ operation: 'read', path: 'secret/data/other/thing' }, false],
  [{ operation: 'delete', path: 'secret/data/team7/app35' }, false],
];

function nsPerOp(fn: () => void, iterations: number): number {
  for (let i = 0; i < 2000; i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - t0) / iterations;
}

test('ACL check with 10 policies x 50 paths takes a few microseconds', async () => {
  const t0 = process.hrtime.bigint();
  const acl = compileACL(policies, { identity });
  const compileUs = Number(process.hrtime.bigint() - t0) / 1000;
  for (const [r, want] of requests) assert.equal(acl.allowOperation(r).allowed, want, r.path);

  let k = 0;
  const perCheck = nsPerOp(() => {
    acl.allowOperation(requests[k++ % requests.length]![0]);
  }, 200_000);

  const cache = new AclCache((name) => (name === 'default' ? DEFAULT_POLICY : name.startsWith('p') ? policyText(Number(name.slice(1))) : undefined));
  const names = Object.freeze([...Array.from({ length: 10 }, (_, i) => `p${i}`), 'default']);
  await cache.acl(names, identity, 'ent-1');
  let n = 0;
  const cachedLookup = nsPerOp(() => {
    void cache.acl(names, identity, 'ent-1').then(() => n++);
  }, 50_000);
  await new Promise((r) => setImmediate(r));
  const peekLookup = nsPerOp(() => {
    if (!cache.peek(names, identity, 'ent-1')) throw new Error('not cached');
  }, 200_000);

  console.log(`# compile 10x50 paths: ${compileUs.toFixed(0)} µs; allowOperation: ${(perCheck / 1000).toFixed(2)} µs/op; cached ACL lookup: ${(cachedLookup / 1000).toFixed(2)} µs/op (await), ${(peekLookup / 1000).toFixed(2)} µs/op (peek)`);
  assert.ok(n > 0);
  assert.ok(perCheck < 20_000, `allowOperation too slow: ${perCheck} ns/op`);
  assert.ok(cachedLookup < 50_000, `cache lookup too slow: ${cachedLookup} ns/op`);
  assert.ok(peekLookup < 20_000, `cache peek too slow: ${peekLookup} ns/op`);
});
