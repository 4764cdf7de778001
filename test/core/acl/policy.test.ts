import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cap, PolicyError, capabilityNames, parsePolicy, DEFAULT_POLICY, RESPONSE_WRAPPING_POLICY, isCapability } from '../../../src/core/acl/index.js';
import { CofferError } from '../../../src/lib/errors.js';

type RuleView = { path: string; caps: string[]; min?: number; max?: number; allowed?: Record<string, unknown[]>; denied?: Record<string, unknown[]>; required?: string[]; templated?: boolean };

function view(raw: string): RuleView[] {
  return parsePolicy('p', raw).paths.map((r) => {
    const v: RuleView = { path: r.path, caps: capabilityNames(r.capabilities) };
    if (r.minWrappingTTL) v.min = r.minWrappingTTL;
    if (r.maxWrappingTTL) v.max = r.maxWrappingTTL;
    if (r.allowedParameters) v.allowed = Object.fromEntries(r.allowedParameters);
    if (r.deniedParameters) v.denied = Object.fromEntries(r.deniedParameters);
    if (r.requiredParameters.length) v.required = r.requiredParameters;
    if (r.templated) v.templated = true;
    return v;
  });
}

const ok: [string, string, RuleView[]][] = [
  ['capabilities', 'path "secret/*" {\n  capabilities = ["read", "list"]\n}', [{ path: 'secret/*', caps: ['list', 'read'] }]],
  ['every capability', 'path "a" { capabilities = ["create", "read", "update", "patch", "delete", "list", "sudo"] }', [{ path: 'a', caps: ['create', 'delete', 'list', 'patch', 'read', 'sudo', 'update'] }]],
  ['deny wins inside one rule', 'path "a" { capabilities = ["read", "deny", "list"] }', [{ path: 'a', caps: ['deny'] }]],
  ['empty capabilities grant nothing', 'path "a" { capabilities = [] }', [{ path: 'a', caps: ['deny'] }]],
  ['legacy read', 'path "a" { policy = "read" }', [{ path: 'a', caps: ['list', 'read'] }]],
  ['legacy write (seed 002)', 'path "c1/pki/etcd/issue/member" {\n  policy = "write"\n}', [{ path: 'c1/pki/etcd/issue/member', caps: ['create', 'delete', 'list', 'read', 'update'] }]],
  ['legacy sudo', 'path "a" { policy = "sudo" }', [{ path: 'a', caps: ['create', 'delete', 'list', 'read', 'sudo', 'update'] }]],
  ['legacy deny', 'path "a" { policy = "deny" }', [{ path: 'a', caps: ['deny'] }]],
  ['legacy plus capabilities union', 'path "a" {\n  policy = "read"\n  capabilities = ["update"]\n}', [{ path: 'a', caps: ['list', 'read', 'update'] }]],
  ['leading slash stripped', 'path "/secret/a" { capabilities = ["read"] }', [{ path: 'secret/a', caps: ['read'] }]],
  ['several paths, same path twice kept apart', 'path "a" { capabilities = ["read"] }\npath "a" { capabilities = ["list"] }\npath "b/+/c" { capabilities = ["update"] }', [{ path: 'a', caps: ['read'] }, { path: 'a', caps: ['list'] }, { path: 'b/+/c', caps: ['update'] }]],
  ['parameters', 'path "secret/foo" {\n  capabilities = ["create"]\n  allowed_parameters = {\n    "Foo" = []\n    "bar" = ["zip", "zap"]\n  }\n  denied_parameters = { "baz" = ["*x"] }\n  required_parameters = ["Foo"]\n}', [{ path: 'secret/foo', caps: ['create'], allowed: { foo: [], bar: ['zip', 'zap'] }, denied: { baz: ['*x'] }, required: ['Foo'] }]],
  ['parameters in block syntax', 'path "a" {\n  capabilities = ["update"]\n  allowed_parameters {\n    "x" = ["1"]\n  }\n}', [{ path: 'a', caps: ['update'], allowed: { x: ['1'] } }]],
  ['a single value where a list is expected', 'path "a" {\n  capabilities = "read"\n  allowed_parameters = { x = "only" }\n}', [{ path: 'a', caps: ['read'], allowed: { x: ['only'] } }]],
  ['wrapping TTLs as strings and seconds', 'path "a" {\n  capabilities = ["read"]\n  min_wrapping_ttl = "1m"\n  max_wrapping_ttl = 3600\n}', [{ path: 'a', caps: ['read'], min: 60, max: 3600 }]],
  ['deny drops parameter constraints', 'path "a" {\n  capabilities = ["deny"]\n  allowed_parameters = { x = [] }\n}', [{ path: 'a', caps: ['deny'] }]],
  ['templated path', 'path "secret/data/{{identity.entity.name}}/*" { capabilities = ["read"] }', [{ path: 'secret/data/{{identity.entity.name}}/*', caps: ['read'], templated: true }]],
  ['accepted, unenforced keys', 'name = "x"\npath "a" {\n  comment = "hi"\n  capabilities = ["read"]\n  mfa_methods = ["m"]\n  control_group = {\n    factor "f" { identity { group_names = ["g"] } }\n  }\n}', [{ path: 'a', caps: ['read'] }]],
  ['empty document', '# nothing here\n', []],
  ['JSON policy', '{"path": {"secret/*": {"capabilities": ["read"]}, "sys/mounts": {"policy": "read"}}}', [{ path: 'secret/*', caps: ['read'] }, { path: 'sys/mounts', caps: ['list', 'read'] }]],
  ['JSON policy with a list of path objects', '{"path": [{"a": {"capabilities": ["read"]}}, {"a": {"capabilities": ["list"]}}]}', [{ path: 'a', caps: ['read'] }, { path: 'a', caps: ['list'] }]],
];

for (const [name, raw, want] of ok) {
  test(`parse: ${name}`, () => {
    assert.deepEqual(view(raw), want);
  });
}

test('parse: expired paths are kept with their expiry, future ones too', () => {
  const p = parsePolicy('p', 'path "a" {\n  capabilities = ["read"]\n  expiration = "2030-01-02T03:04:05Z"\n}');
  assert.equal(p.paths[0]!.expiresAt, Date.UTC(2030, 0, 2, 3, 4, 5));
});

test('parse: positions and templated flag', () => {
  const p = parsePolicy('p', '\n\npath "a" { capabilities = ["read"] }\n  path "{{identity.entity.id}}" { capabilities = ["read"] }');
  assert.deepEqual(p.paths.map((r) => [r.line, r.column]), [[3, 1], [4, 3]]);
  assert.equal(p.templated, true);
  assert.equal(parsePolicy('p', 'path "a" { capabilities = ["read"] }').templated, false);
});

// Each case: text and the exact message (a 400 naming line and column).
const bad: [string, string, string][] = [
  ['syntax: missing =', 'path "a" {\n  capabilities ["read"]\n}', 'failed to parse policy: At 2:16: expected \'=\' after "capabilities", found \'[\''],
  ['syntax: unterminated list', 'path "a" {\n  capabilities = ["read"\n}', "failed to parse policy: At 3:1: expected ',' or ']' in list, found '}'"],
  ['syntax: unclosed block', 'path "a" {\n  capabilities = ["read"]\n', "failed to parse policy: At 3:1: object expected closing '}'"],
  ['unknown top-level key', 'path "a" { capabilities = ["read"] }\n\npathh "b" { capabilities = ["read"] }', 'failed to parse policy: At 3:1: invalid key "pathh"'],
  ['unknown key in a path', 'path "a" {\n  capabilities = ["read"]\n  capabilites = ["list"]\n}', 'failed to parse policy: At 3:3: path "a": invalid key "capabilites"'],
  ['invalid capability', 'path "a" {\n  capabilities = ["read", "raed"]\n}', 'failed to parse policy: At 2:3: path "a": invalid capability "raed"'],
  ['scan is not a Vault capability', 'path "a" { capabilities = ["scan"] }', 'failed to parse policy: At 1:12: path "a": invalid capability "scan"'],
  ['invalid legacy policy', 'path "a" {\n  policy = "admin"\n}', 'failed to parse policy: At 2:3: path "a": invalid policy "admin"'],
  ['capabilities not strings', 'path "a" { capabilities = [1] }', 'failed to parse policy: At 1:12: path "a": capabilities: expected a list of strings, found number in it'],
  ['path without label', 'path { capabilities = ["read"] }', 'failed to parse policy: At 1:1: block "path" takes 1 label, found 0'],
  ['path with two labels', 'path "a" "b" { capabilities = ["read"] }', 'failed to parse policy: At 1:1: block "path" takes 1 label, found 2'],
  ['path as a string', 'path = "a"', 'failed to parse policy: At 1:1: "path": expected an object, found string'],
  ['+* forbidden', 'path "a/+*" { capabilities = ["read"] }', 'failed to parse policy: At 1:1: path "a/+*": invalid use of wildcards (\'+*\' is forbidden)'],
  ['unbalanced template', 'path "a/{{identity.entity.id" { capabilities = ["read"] }', 'failed to parse policy: At 1:1: failed to validate policy templating: unbalanced templating characters'],
  ['unbalanced template closer', 'path "a/}}x" { capabilities = ["read"] }', 'failed to parse policy: At 1:1: failed to validate policy templating: unbalanced templating characters'],
  ['bad wrapping ttl', 'path "a" {\n  capabilities = ["read"]\n  min_wrapping_ttl = "soon"\n}', 'failed to parse policy: At 3:3: error parsing min_wrapping_ttl: invalid duration "soon"'],
  ['max below min', 'path "a" {\n  capabilities = ["read"]\n  min_wrapping_ttl = "1h"\n  max_wrapping_ttl = "1m"\n}', 'failed to parse policy: At 4:3: max_wrapping_ttl cannot be less than min_wrapping_ttl'],
  ['parameters not a map', 'path "a" {\n  capabilities = ["read"]\n  allowed_parameters = ["x"]\n}', 'failed to parse policy: At 3:3: allowed_parameters: expected a map of parameter names to lists of values, found list'],
  ['required not strings', 'path "a" {\n  capabilities = ["read"]\n  required_parameters = [true]\n}', 'failed to parse policy: At 3:3: required_parameters: expected a list of strings, found boolean in it'],
  ['bad expiration', 'path "a" {\n  capabilities = ["read"]\n  expiration = "next tuesday"\n}', 'failed to parse policy: At 3:3: path "a": invalid expiration time "next tuesday"'],
  ['JSON syntax', '{"path": {"a": {"capabilities": ["read"]}}', "failed to parse policy: At 1:43: object expected closing '}'"],
];

for (const [name, raw, message] of bad) {
  test(`reject: ${name}`, () => {
    assert.throws(() => parsePolicy('p', raw), (e: unknown) => {
      assert.ok(e instanceof PolicyError);
      assert.ok(e instanceof CofferError);
      assert.equal(e.status, 400);
      assert.equal(e.message, message);
      assert.ok(e.line && e.column);
      return true;
    });
  });
}

test('built-in default policy parses to Vault\'s grants', () => {
  const p = parsePolicy('default', DEFAULT_POLICY);
  const grants = Object.fromEntries(p.paths.map((r) => [r.path, capabilityNames(r.capabilities).join(',')]));
  assert.deepEqual(grants, {
    'auth/token/lookup-self': 'read',
    'auth/token/renew-self': 'update',
    'auth/token/revoke-self': 'update',
    'sys/capabilities-self': 'update',
    'identity/entity/id/{{identity.entity.id}}': 'read',
    'identity/entity/name/{{identity.entity.name}}': 'read',
    'sys/internal/ui/resultant-acl': 'read',
    'sys/renew': 'update',
    'sys/leases/renew': 'update',
    'sys/leases/lookup': 'update',
    'cubbyhole/*': 'create,delete,list,read,update',
    'sys/wrapping/wrap': 'update',
    'sys/wrapping/lookup': 'update',
    'sys/wrapping/unwrap': 'update',
    'sys/tools/hash': 'update',
    'sys/tools/hash/*': 'update',
    'sys/control-group/request': 'update',
    'identity/oidc/provider/+/authorize': 'read,update',
  });
  assert.equal(p.templated, true);
  assert.deepEqual(parsePolicy('response-wrapping', RESPONSE_WRAPPING_POLICY).paths.map((r) => [r.path, r.capabilities]), [
    ['cubbyhole/response', Cap.create | Cap.read],
    ['sys/wrapping/unwrap', Cap.update],
  ]);
});

test('capability helpers', () => {
  assert.deepEqual(capabilityNames(0), ['deny']);
  assert.deepEqual(capabilityNames(Cap.deny | Cap.read), ['deny']);
  assert.deepEqual(capabilityNames(Cap.update | Cap.create | Cap.sudo), ['create', 'sudo', 'update']);
  assert.equal(isCapability('patch'), true);
  assert.equal(isCapability('toString'), false);
});
