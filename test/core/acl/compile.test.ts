import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_ACL, compileACL, parsePolicy, DEFAULT_POLICY, type AllowRequest, type Operation } from '../../../src/core/acl/index.js';

const acl = (...texts: string[]) => compileACL(texts.map((t, i) => parsePolicy(`p${i}`, t)));
const req = (operation: Operation, path: string, extra: Partial<AllowRequest> = {}): AllowRequest => ({ operation, path, ...extra });

type Case = [name: string, policies: string[], request: AllowRequest, allowed: boolean, reason?: RegExp];

const cases: Case[] = [
  // Exact, glob and the lookup order.
  ['exact path', ['path "secret/foo" { capabilities = ["read"] }'], req('read', 'secret/foo'), true],
  ['exact path does not cover children', ['path "secret/foo" { capabilities = ["read"] }'], req('read', 'secret/foo/bar'), false, /no policy grants/],
  ['glob covers children', ['path "secret/*" { capabilities = ["read"] }'], req('read', 'secret/a/b/c'), true],
  ['glob covers the bare prefix', ['path "secret/*" { capabilities = ["read"] }'], req('read', 'secret/'), true],
  ['glob mid-segment', ['path "secret/ap*" { capabilities = ["read"] }'], req('read', 'secret/app1/x'), true],
  ['glob does not cover a shorter path', ['path "secret/*" { capabilities = ["read"] }'], req('read', 'secret'), false],
  ['lone glob covers everything', ['path "*" { capabilities = ["read"] }'], req('read', 'anything/at/all'), true],
  ['leading slash on the request', ['path "secret/foo" { capabilities = ["read"] }'], req('read', '//secret/foo'), true],
  ['missing capability', ['path "secret/*" { capabilities = ["read"] }'], req('update', 'secret/foo'), false, /no "update" capability/],
  ['exact beats glob even when narrower', ['path "secret/*" { capabilities = ["create", "read"] }', 'path "secret/foo" { capabilities = ["list"] }'], req('read', 'secret/foo'), false],
  ['longest glob wins', ['path "secret/*" { capabilities = ["read"] }\npath "secret/super/*" { capabilities = ["deny"] }'], req('read', 'secret/super/x'), false, /explicitly denied/],
  ['longest glob wins the other way', ['path "secret/*" { capabilities = ["deny"] }\npath "secret/ok/*" { capabilities = ["read"] }'], req('read', 'secret/ok/x'), true],
  ['default deny', [], req('read', 'secret/foo'), false, /no policy grants/],
  ['help always allowed', [], req('help', 'secret/foo'), true],
  // Operations and capabilities.
  ['create needs create', ['path "a" { capabilities = ["update"] }'], req('create', 'a'), false],
  ['patch needs patch', ['path "a" { capabilities = ["update"] }'], req('patch', 'a'), false],
  ['patch allowed', ['path "a" { capabilities = ["patch"] }'], req('patch', 'a'), true],
  ['renew rides on update', ['path "sys/leases/renew" { capabilities = ["update"] }'], req('renew', 'sys/leases/renew'), true],
  ['legacy write grants create and delete', ['path "c1/pki/etcd/issue/member" { policy = "write" }'], req('create', 'c1/pki/etcd/issue/member'), true],
  ['legacy write does not grant sudo', ['path "a" { policy = "write" }'], req('update', 'a'), true],
  // LIST and trailing slashes.
  ['list with trailing slash on an exact rule without it', ['path "secret/metadata/app" { capabilities = ["list"] }'], req('list', 'secret/metadata/app/'), true],
  ['list on a + rule without the trailing slash', ['path "+/sys/policies/acl" { capabilities = ["list"] }'], req('list', 'foo/sys/policies/acl/'), true],
  ['read does not get the trailing-slash fallback', ['path "secret/app" { capabilities = ["read"] }'], req('read', 'secret/app/'), false],
  // Merging the same pattern across policies.
  ['union of capabilities', ['path "a" { capabilities = ["read"] }', 'path "a" { capabilities = ["update"] }'], req('update', 'a'), true],
  ['deny in any policy wins', ['path "a" { capabilities = ["read", "update"] }', 'path "a" { capabilities = ["deny"] }'], req('read', 'a'), false, /explicitly denied/],
  ['deny first still wins', ['path "a" { capabilities = ["deny"] }', 'path "a" { capabilities = ["read"] }'], req('read', 'a'), false],
  ['same pattern repeated in one policy merges', ['path "a" { capabilities = ["read"] }\npath "a" { capabilities = ["list"] }'], req('list', 'a'), true],
  ['globs merge with globs only', ['path "a/*" { capabilities = ["read"] }', 'path "a/b" { capabilities = ["list"] }'], req('read', 'a/b'), false],
  // Segment wildcards and priority (Vault's "priority matching" rules).
  ['+ matches one segment', ['path "secret/+/config" { capabilities = ["read"] }'], req('read', 'secret/app/config'), true],
  ['+ does not match two segments', ['path "secret/+/config" { capabilities = ["read"] }'], req('read', 'secret/a/b/config'), false],
  ['+ needs the same segment count', ['path "secret/+" { capabilities = ["read"] }'], req('read', 'secret/a/b'), false],
  ['+ with glob tail', ['path "secret/+/app*" { capabilities = ["read"] }'], req('read', 'secret/team/app-1/x'), true],
  ['lone +', ['path "+" { capabilities = ["read"] }'], req('read', 'foo'), true],
  ['later first wildcard wins: glob after + position', ['path "secret/+/foo" { capabilities = ["deny"] }\npath "secret/a*" { capabilities = ["read"] }'], req('read', 'secret/abc/foo'), true],
  ['later first wildcard wins: + later than glob', ['path "secret/*" { capabilities = ["deny"] }\npath "secret/x/+/y" { capabilities = ["read"] }'], req('read', 'secret/x/1/y'), true],
  ['non-glob beats glob at the same position', ['path "secret/+/bar" { capabilities = ["read"] }\npath "secret/+/ba*" { capabilities = ["deny"] }'], req('read', 'secret/a/bar'), true],
  ['+ beats * at the same position', ['path "foo/+" { capabilities = ["read"] }\npath "foo/*" { capabilities = ["deny"] }'], req('read', 'foo/x'), true],
  ['fewer + segments win', ['path "foo/+/+/baz" { capabilities = ["deny"] }\npath "foo/+/bar/baz" { capabilities = ["read"] }'], req('read', 'foo/a/bar/baz'), true],
  ['longer glob wins after +', ['path "foo/+/bar/b*" { capabilities = ["deny"] }\npath "foo/+/bar/ba*" { capabilities = ["read"] }'], req('read', 'foo/x/bar/baz'), true],
  ['exact beats +', ['path "secret/+/x" { capabilities = ["deny"] }\npath "secret/a/x" { capabilities = ["read"] }'], req('read', 'secret/a/x'), true],
  ['+ patterns merge across policies', ['path "k/+/v" { capabilities = ["read"] }', 'path "k/+/v" { capabilities = ["update"] }'], req('update', 'k/1/v'), true],
  // Parameters.
  ['allowed parameter with any value', ['path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "foo" = [] }\n}'], req('update', 'a', { data: { foo: 'anything' } }), true],
  ['parameter not in allowed list', ['path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "foo" = [] }\n}'], req('update', 'a', { data: { foo: 1, bar: 2 } }), false, /"bar" is not allowed/],
  ['allowed value list', ['path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "foo" = ["zip", "zap"] }\n}'], req('update', 'a', { data: { foo: 'zap' } }), true],
  ['value outside the allowed list', ['path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "foo" = ["zip"] }\n}'], req('update', 'a', { data: { foo: 'zop' } }), false, /value of parameter "foo"/],
  ['allowed value prefix glob', ['path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "cn" = ["*.example.com"] }\n}'], req('update', 'a', { data: { cn: 'etcd.example.com' } }), true],
  ['allowed value suffix glob', ['path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "cn" = ["etcd-*"] }\n}'], req('update', 'a', { data: { cn: 'etcd-3' } }), true],
  ['allowed value infix glob', ['path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "cn" = ["*mid*"] }\n}'], req('update', 'a', { data: { cn: 'amidb' } }), true],
  ['a lone * value is literal (Vault)', ['path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "cn" = ["*"] }\n}'], req('update', 'a', { data: { cn: 'x' } }), false],
  ['* key allows other parameters', ['path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "*" = [], "foo" = ["1"] }\n}'], req('update', 'a', { data: { bar: 'x', foo: '1' } }), true],
  ['* key still checks listed values', ['path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "*" = [], "foo" = ["1"] }\n}'], req('update', 'a', { data: { foo: '2' } }), false],
  ['parameter names are case-insensitive', ['path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "Foo" = [] }\n}'], req('update', 'a', { data: { FOO: 'x' } }), true],
  ['non-string values compare by value', ['path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "n" = [3, true, ["x"]] }\n}'], req('update', 'a', { data: { n: ['x'] } }), true],
  ['denied parameter', ['path "a" {\n  capabilities = ["update"]\n  denied_parameters = { "ttl" = [] }\n}'], req('update', 'a', { data: { ttl: '1h' } }), false, /"ttl" is denied/],
  ['denied value only', ['path "a" {\n  capabilities = ["update"]\n  denied_parameters = { "role" = ["admin*"] }\n}'], req('update', 'a', { data: { role: 'user' } }), true],
  ['denied value matched', ['path "a" {\n  capabilities = ["update"]\n  denied_parameters = { "role" = ["admin*"] }\n}'], req('update', 'a', { data: { role: 'admin-1' } }), false],
  ['all parameters denied', ['path "a" {\n  capabilities = ["update"]\n  denied_parameters = { "*" = [] }\n}'], req('update', 'a', { data: { x: 1 } }), false, /all parameters are denied/],
  ['all denied but no data', ['path "a" {\n  capabilities = ["update"]\n  denied_parameters = { "*" = [] }\n}'], req('update', 'a', { data: {} }), true],
  ['denied beats allowed', ['path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "x" = [] }\n  denied_parameters = { "x" = ["bad"] }\n}'], req('update', 'a', { data: { x: 'bad' } }), false],
  ['required parameter present', ['path "a" {\n  capabilities = ["create"]\n  required_parameters = ["Name"]\n}'], req('create', 'a', { data: { name: 'n' } }), true],
  ['required parameter missing', ['path "a" {\n  capabilities = ["create"]\n  required_parameters = ["name"]\n}'], req('create', 'a', { data: { other: 1 } }), false, /required parameter "name"/],
  ['required parameter and no data', ['path "a" {\n  capabilities = ["create"]\n  required_parameters = ["name"]\n}'], req('create', 'a'), false],
  ['parameters are not checked on delete', ['path "a" {\n  capabilities = ["delete"]\n  required_parameters = ["name"]\n}'], req('delete', 'a'), true],
  ['parameters are checked on read', ['path "a" {\n  capabilities = ["read"]\n  allowed_parameters = { "version" = ["1"] }\n}'], req('read', 'a', { data: { version: '2' } }), false],
  ['merged allowed values', ['path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "x" = ["1"] }\n}', 'path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "x" = ["2"] }\n}'], req('update', 'a', { data: { x: '2' } }), true],
  ['merged empty list allows any value', ['path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "x" = ["1"] }\n}', 'path "a" {\n  capabilities = ["update"]\n  allowed_parameters = { "x" = [] }\n}'], req('update', 'a', { data: { x: '9' } }), true],
  ['merged constraints apply to the union (Vault)', ['path "a" { capabilities = ["update"] }', 'path "a" {\n  capabilities = ["read"]\n  allowed_parameters = { "x" = [] }\n}'], req('update', 'a', { data: { y: 1 } }), false],
  ['merged required parameters', ['path "a" {\n  capabilities = ["update"]\n  required_parameters = ["x"]\n}', 'path "a" {\n  capabilities = ["update"]\n  required_parameters = ["y"]\n}'], req('update', 'a', { data: { x: 1 } }), false],
  // Response wrapping bounds.
  ['max wrapping ttl requires wrapping', ['path "a" {\n  capabilities = ["read"]\n  max_wrapping_ttl = "1h"\n}'], req('read', 'a'), false, /wrapping is required/],
  ['max wrapping ttl respected', ['path "a" {\n  capabilities = ["read"]\n  max_wrapping_ttl = "1h"\n}'], req('read', 'a', { wrapTTL: 3600 }), true],
  ['max wrapping ttl exceeded', ['path "a" {\n  capabilities = ["read"]\n  max_wrapping_ttl = "1h"\n}'], req('read', 'a', { wrapTTL: 3601 }), false, /exceeds max_wrapping_ttl/],
  ['min wrapping ttl', ['path "a" {\n  capabilities = ["read"]\n  min_wrapping_ttl = "5m"\n}'], req('read', 'a', { wrapTTL: 60 }), false, /below min_wrapping_ttl/],
  ['merged wrapping bounds keep the smaller max', ['path "a" {\n  capabilities = ["read"]\n  max_wrapping_ttl = "1h"\n}', 'path "a" {\n  capabilities = ["read"]\n  max_wrapping_ttl = "10m"\n}'], req('read', 'a', { wrapTTL: 1200 }), false],
  ['merged bounds that cross deny everything', ['path "a" {\n  capabilities = ["read"]\n  min_wrapping_ttl = "1h"\n}', 'path "a" {\n  capabilities = ["read"]\n  max_wrapping_ttl = "30m"\n}'], req('read', 'a', { wrapTTL: 1800 }), false],
];

for (const [name, policies, request, allowed, reason] of cases) {
  test(`allowOperation: ${name}`, () => {
    const r = acl(...policies).allowOperation(request);
    assert.equal(r.allowed, allowed, r.reason);
    if (reason) assert.match(r.reason ?? '', reason);
    if (allowed) assert.equal(r.reason, undefined);
  });
}

test('rootPrivs reflects sudo on the matching rule; granting policies are reported', () => {
  const a = acl('path "sys/audit/*" { capabilities = ["create", "update", "sudo"] }', 'path "sys/audit/*" { capabilities = ["read"] }\npath "sys/mounts" { capabilities = ["read"] }');
  const r = a.allowOperation(req('update', 'sys/audit/file'));
  assert.deepEqual([r.allowed, r.rootPrivs], [true, true]);
  assert.deepEqual(r.capabilities, ['create', 'read', 'sudo', 'update']);
  assert.deepEqual(r.grantingPolicies, ['p0']);
  assert.deepEqual(a.allowOperation(req('read', 'sys/audit/file')).grantingPolicies, ['p1']);
  assert.equal(a.allowOperation(req('read', 'sys/mounts')).rootPrivs, false);
  assert.equal(a.hasSudo('sys/audit/file'), true);
  assert.equal(a.hasSudo('sys/mounts'), false);
});

test('root ACL allows everything with sudo', () => {
  for (const a of [ROOT_ACL, compileACL([parsePolicy('root', ''), parsePolicy('default', DEFAULT_POLICY)])]) {
    const r = a.allowOperation(req('delete', 'sys/raw/anything', { data: { x: 1 } }));
    assert.deepEqual([r.allowed, r.rootPrivs, r.isRoot], [true, true, true]);
    assert.deepEqual(a.capabilities('anything'), ['root']);
    assert.equal(a.hasMountAccess('secret/'), true);
  }
});

const capabilityCases: [string[], string, string[]][] = [
  [['path "secret/data/dev/*" { capabilities = ["create", "update", "read", "list"] }'], 'secret/data/dev/', ['create', 'list', 'read', 'update']],
  [['path "a" { capabilities = ["sudo", "read"] }'], 'a', ['read', 'sudo']],
  [['path "a" { capabilities = ["read"] }'], 'b', ['deny']],
  [['path "a" { capabilities = ["deny"] }'], 'a', ['deny']],
  [['path "a" { capabilities = [] }'], 'a', ['deny']],
  [['path "metadata/app" { capabilities = ["list"] }'], 'metadata/app/', ['list']],
  [['path "a/+" { capabilities = ["patch"] }'], '/a/b', ['patch']],
];

for (const [policies, path, want] of capabilityCases) {
  test(`capabilities(${path}) → ${want.join(',')}`, () => {
    assert.deepEqual(acl(...policies).capabilities(path), want);
  });
}

test('capability arrays handed out cannot corrupt the ACL', () => {
  const a = acl('path "a" { capabilities = ["read"] }');
  a.capabilities('a').push('update');
  assert.throws(() => (a.allowOperation(req('read', 'a')).capabilities as string[]).push('update'));
  assert.deepEqual(a.capabilities('a'), ['read']);
});

const mountCases: [string, string[], string, boolean][] = [
  ['exact rule under the mount', ['path "secret/data/app" { capabilities = ["read"] }'], 'secret/', true],
  ['glob under the mount', ['path "secret/data/*" { capabilities = ["read"] }'], 'secret', true],
  ['glob above the mount', ['path "*" { capabilities = ["list"] }'], 'secret/', true],
  ['glob on the mount prefix', ['path "sec*" { capabilities = ["read"] }'], 'secret/', true],
  ['+ rule under the mount', ['path "secret/+/app" { capabilities = ["read"] }'], 'secret/', true],
  ['+ rule spanning the mount', ['path "+/data/app" { capabilities = ["read"] }'], 'secret/', true],
  ['+ rule elsewhere', ['path "other/+/app" { capabilities = ["read"] }'], 'secret/', false],
  ['denied rules do not count', ['path "secret/x" { capabilities = ["deny"] }'], 'secret/', false],
  ['other mount only', ['path "secretive/x" { capabilities = ["read"] }'], 'secret/', false],
  ['nothing', [], 'secret/', false],
];

for (const [name, policies, mount, want] of mountCases) {
  test(`hasMountAccess: ${name}`, () => {
    assert.equal(acl(...policies).hasMountAccess(mount), want);
  });
}

test('templated paths render against the identity; unresolvable ones are skipped', () => {
  const policy = parsePolicy('t', [
    'path "secret/data/{{identity.entity.name}}/*" { capabilities = ["read"] }',
    'path "team/{{identity.groups.names.team-a.id}}/*" { capabilities = ["update"] }',
    'path "k8s/{{identity.entity.aliases.auth_kubernetes_1234.metadata.service_account_namespace}}/*" { capabilities = ["list"] }',
    'path "meta/{{identity.entity.metadata.env}}" { capabilities = ["read"] }',
  ].join('\n'));
  const identity = {
    entity: { id: 'e-1', name: 'alice', metadata: { env: 'prod' }, aliases: [{ name: 'default/app', mountAccessor: 'auth_kubernetes_1234', metadata: { service_account_namespace: 'payments' } }] },
    groups: [{ id: 'g-1', name: 'team-a' }],
  };
  const a = compileACL([policy], { identity });
  assert.equal(a.allowOperation(req('read', 'secret/data/alice/x')).allowed, true);
  assert.equal(a.allowOperation(req('read', 'secret/data/bob/x')).allowed, false);
  assert.equal(a.allowOperation(req('update', 'team/g-1/doc')).allowed, true);
  assert.equal(a.allowOperation(req('list', 'k8s/payments/')).allowed, true);
  assert.equal(a.allowOperation(req('read', 'meta/prod')).allowed, true);
  // No groups: the group path is skipped, the others still apply.
  const noGroups = compileACL([policy], { identity: { entity: identity.entity } });
  assert.equal(noGroups.allowOperation(req('read', 'secret/data/alice/x')).allowed, true);
  assert.equal(noGroups.capabilities('team/g-1/doc').join(), 'deny');
  // No identity at all: every templated path is skipped, never rendered empty.
  const anonymous = compileACL([policy]);
  assert.equal(anonymous.allowOperation(req('read', 'secret/data//x')).allowed, false);
  assert.equal(anonymous.allowOperation(req('read', 'secret/data/{{identity.entity.name}}/x')).allowed, false);
  // A name holding a wildcard cannot widen its own grant.
  const sneaky = compileACL([policy], { identity: { entity: { id: 'e-2', name: '*' } } });
  assert.equal(sneaky.allowOperation(req('read', 'secret/data/alice/x')).allowed, false);
});

test('default policy: entity paths only for the token\'s own entity', () => {
  const def = parsePolicy('default', DEFAULT_POLICY);
  const a = compileACL([def], { identity: { entity: { id: 'e-9', name: 'carol' } } });
  assert.equal(a.allowOperation(req('read', 'identity/entity/id/e-9')).allowed, true);
  assert.equal(a.allowOperation(req('read', 'identity/entity/name/carol')).allowed, true);
  assert.equal(a.allowOperation(req('read', 'identity/entity/id/e-8')).allowed, false);
  assert.equal(a.allowOperation(req('read', 'auth/token/lookup-self')).allowed, true);
  assert.equal(a.allowOperation(req('update', 'auth/token/create')).allowed, false);
  assert.equal(a.allowOperation(req('list', 'cubbyhole/')).allowed, true);
  assert.equal(a.allowOperation(req('update', 'identity/oidc/provider/p1/authorize')).allowed, true);
  assert.equal(a.allowOperation(req('read', 'secret/data/x')).allowed, false);
});

test('expired paths are skipped at compile time', () => {
  const p = parsePolicy('p', 'path "old" {\n  capabilities = ["read"]\n  expiration = "2020-01-01T00:00:00Z"\n}\npath "new" {\n  capabilities = ["read"]\n  expiration = "2099-01-01T00:00:00Z"\n}');
  const a = compileACL([p], { now: Date.UTC(2025, 0, 1) });
  assert.equal(a.allowOperation(req('read', 'old')).allowed, false);
  assert.equal(a.allowOperation(req('read', 'new')).allowed, true);
  assert.equal(compileACL([p], { now: Date.UTC(2019, 0, 1) }).allowOperation(req('read', 'old')).allowed, true);
});

test('seed 002 access design: per-component policies on multi-segment mounts', () => {
  const etcd = parsePolicy('c1/pki/etcd/member', 'path "c1/pki/etcd/issue/member" {       policy = "write"     }');
  const apiserver = parsePolicy('c1/pki/k8s/kube-apiserver', 'path "c1/pki/k8s/issue/kube-apiserver" {       policy = "write"     }     path "secret/c1/k8s/token" {       policy = "read"     }');
  const def = parsePolicy('default', DEFAULT_POLICY);
  const etcdNode = compileACL([etcd, def]);
  assert.equal(etcdNode.allowOperation(req('update', 'c1/pki/etcd/issue/member', { data: { common_name: 'etcd0' } })).allowed, true);
  assert.equal(etcdNode.allowOperation(req('update', 'c1/pki/k8s/issue/kube-apiserver')).allowed, false);
  assert.equal(etcdNode.allowOperation(req('read', 'secret/c1/k8s/token')).allowed, false);
  assert.equal(etcdNode.allowOperation(req('update', 'auth/token/renew-self')).allowed, true);
  const api = compileACL([apiserver, def]);
  assert.equal(api.allowOperation(req('read', 'secret/c1/k8s/token')).allowed, true);
  assert.equal(api.allowOperation(req('update', 'secret/c1/k8s/token')).allowed, false);
  assert.equal(api.allowOperation(req('update', 'c1/pki/etcd/issue/member')).allowed, false);
});
