import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRootToken, randomBase62 } from '../../src/cli/commands/generate-root.js';
import { addPrefixToKVPath, padEqualSigns } from '../../src/cli/commands/kv-paths.js';
import { HCLSyntaxError, formatHCL } from '../../src/cli/hcl-format.js';

const prefixCases: [string, string, string, string][] = [
  ['secret/foo', 'secret/', 'data', 'secret/data/foo'],
  ['secret/a/b/c', 'secret/', 'metadata', 'secret/metadata/a/b/c'],
  ['secret', 'secret/', 'metadata', 'secret/metadata'],
  ['secret/', 'secret/', 'metadata', 'secret/metadata'],
  ['cluster-a/kv/app', 'cluster-a/kv/', 'data', 'cluster-a/kv/data/app'],
  // In a namespace the mount path carries the namespace; the user's path does not.
  ['secret/foo', 'ns1/secret/', 'data', 'secret/data/foo'],
];
for (const [path, mount, prefix, want] of prefixCases) {
  test(`addPrefixToKVPath(${path}, ${mount}, ${prefix}) = ${want}`, () => assert.equal(addPrefixToKVPath(path, mount, prefix), want));
}

test('padEqualSigns centers a title, always even', () => {
  assert.equal(padEqualSigns('Secret Path', 17), '== Secret Path ==');
  assert.equal(padEqualSigns('Data', 3), '== Data ==');
  assert.equal(padEqualSigns('Metadata', 24), '======= Metadata =======');
});

test('root token decoding reverses the server\'s XOR with the OTP', () => {
  const otp = randomBase62(28);
  assert.match(otp, /^[0-9A-Za-z]{28}$/);
  const token = 'hvs.abcdefghijklmnopqrstuvwx';
  const encoded = Buffer.from(Buffer.from(token).map((b, i) => b ^ otp.charCodeAt(i))).toString('base64').replace(/=+$/, '');
  assert.equal(decodeRootToken(encoded, otp), token);
  assert.throws(() => decodeRootToken(encoded, otp.slice(1)), /length of the OTP/);
});

test('policy fmt: seed 002 one-liner becomes a canonical block', () => {
  const src = 'path "c1/pki/k8s/issue/kube-apiserver" {       policy = "write"     }     path "secret/c1/k8s/token" {       policy = "read"     }\n';
  assert.equal(formatHCL(src), [
    'path "c1/pki/k8s/issue/kube-apiserver" {',
    '  policy = "write"',
    '}',
    'path "secret/c1/k8s/token" {',
    '  policy = "read"',
    '}',
    '',
  ].join('\n'));
});

test('policy fmt: aligns =, keeps comments and inline lists, squeezes blank lines', () => {
  const src = [
    '# app policy',
    'path   "secret/data/app/*"{',
    'capabilities=["read","list"]',
    '    min_wrapping_ttl = "1s"  # short',
    '',
    '',
    '  allowed_parameters = {',
    '"ttl" = []',
    '  }',
    '}',
    '',
  ].join('\n');
  assert.equal(formatHCL(src), [
    '# app policy',
    'path "secret/data/app/*" {',
    '  capabilities     = ["read", "list"]',
    '  min_wrapping_ttl = "1s" # short',
    '',
    '  allowed_parameters = {',
    '    "ttl" = []',
    '  }',
    '}',
    '',
  ].join('\n'));
});

test('policy fmt: multi-line lists stay one item per line', () => {
  const src = 'path "a" {\n  capabilities = [\n"read",\n "list"\n]\n}\n';
  assert.equal(formatHCL(src), 'path "a" {\n  capabilities = [\n    "read",\n    "list",\n  ]\n}\n');
});

test('policy fmt: a formatted file is a fixed point', () => {
  const once = formatHCL('path "x" {\n capabilities = ["read"]\n}\n');
  assert.equal(formatHCL(once), once);
});

const badHCL: [string, RegExp][] = [
  ['path "x" {\n  policy = "read"\n', /At 1:10: object expected closing \}/],
  ['path "x {\n}', /At 1:6: literal not terminated/],
  ['path "x" {\n  policy = \n}', /At 2:10: expected a value/],
  ['}', /At 1:1: unexpected \}/],
];
for (const [src, msg] of badHCL) {
  test(`policy fmt rejects ${JSON.stringify(src)}`, () => {
    assert.throws(() => formatHCL(src), (e: unknown) => e instanceof HCLSyntaxError && msg.test(e.message));
  });
}
