import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import type { Secret } from '../../src/api/client.js';
import { Ui } from '../../src/cli/io.js';
import { outputList, outputSecret, printField } from '../../src/cli/output.js';

function capture(format: string, tty = false, env: NodeJS.ProcessEnv = {}) {
  const out = new PassThrough() as PassThrough & { isTTY?: boolean };
  const err = new PassThrough();
  if (tty) out.isTTY = true;
  let o = '';
  let e = '';
  out.on('data', (c) => { o += c; });
  err.on('data', (c) => { e += c; });
  const ui = new Ui({ env, stdout: out, stderr: err, stdin: Readable.from([]) }, format);
  return { ui, out: () => o, err: () => e };
}

const base: Secret = { request_id: 'r1', lease_id: '', lease_duration: 0, renewable: false, data: null, warnings: null };

test('a dynamic secret shows its lease rows first', () => {
  const c = capture('table');
  outputSecret(c.ui, {
    ...base, lease_id: 'kubernetes/creds/sa/abc', lease_duration: 86400, renewable: false,
    data: { service_account_name: 'v-root-x', service_account_namespace: 'argocd', service_account_token: 'xxxxxx' },
  });
  assert.equal(c.out(), [
    'Key                          Value',
    '---                          -----',
    'lease_id                     kubernetes/creds/sa/abc',
    'lease_duration               24h',
    'lease_renewable              false',
    'service_account_name         v-root-x',
    'service_account_namespace    argocd',
    'service_account_token        xxxxxx',
    '',
  ].join('\n'));
});

test('a TTL without a lease id is a refresh_interval', () => {
  const c = capture('table');
  outputSecret(c.ui, { ...base, lease_duration: 2764800, data: { foo: 'bar' } });
  assert.match(c.out(), /^refresh_interval    768h$/m);
});

test('an auth answer shows the token rows, infinite duration for root', () => {
  const c = capture('table');
  outputSecret(c.ui, {
    ...base,
    auth: { client_token: 'hvs.abc', accessor: 'acc', policies: ['root'], token_policies: ['root'], identity_policies: null, metadata: { user: 'x' }, orphan: true, lease_duration: 0, renewable: false },
  });
  const out = c.out();
  assert.match(out, /^token                hvs\.abc$/m);
  assert.match(out, /^token_duration       ∞$/m);
  assert.match(out, /^token_policies       \["root"\]$/m);
  assert.match(out, /^identity_policies    \[\]$/m);
  assert.match(out, /^token_meta_user      x$/m);
});

test('warnings go to stderr, data to stdout', () => {
  const c = capture('table');
  outputSecret(c.ui, { ...base, data: { a: '1' }, warnings: ['something odd'] });
  assert.match(c.err(), /WARNING! The following warnings were returned from Vault:\n\n {2}\* something odd/);
  assert.doesNotMatch(c.out(), /WARNING/);
});

test('json output has the envelope in vault\'s field order', () => {
  const c = capture('json');
  outputSecret(c.ui, { ...base, data: { b: 1, a: 2 } });
  const text = c.out();
  assert.deepEqual(Object.keys(JSON.parse(text)), ['request_id', 'lease_id', 'lease_duration', 'renewable', 'data', 'warnings']);
  assert.ok(text.indexOf('"a"') < text.indexOf('"b"'));
});

test('lists: sorted Keys column in tables, the bare array in json', () => {
  const t = capture('table');
  outputList(t.ui, { ...base, data: { keys: ['b/', 'a'] } });
  assert.equal(t.out(), 'Keys\n----\na\nb/\n');
  const j = capture('json');
  outputList(j.ui, { ...base, data: { keys: ['b/', 'a'] } });
  assert.deepEqual(JSON.parse(j.out()), ['b/', 'a']);
});

const fieldCases: { name: string; format: string; tty: boolean; secret: Secret; field: string; out: string; code: number }[] = [
  { name: 'piped: no newline', format: 'table', tty: false, secret: { ...base, data: { csr: '-----BEGIN-----' } }, field: 'csr', out: '-----BEGIN-----', code: 0 },
  { name: 'terminal: newline', format: 'table', tty: true, secret: { ...base, data: { csr: 'x' } }, field: 'csr', out: 'x\n', code: 0 },
  { name: 'json of a field', format: 'json', tty: false, secret: { ...base, data: { l: ['a'] } }, field: 'l', out: '[\n  "a"\n]', code: 0 },
  { name: 'token of an auth answer', format: 'table', tty: false, secret: { ...base, auth: { client_token: 'hvs.x', accessor: '', policies: [], token_policies: [], metadata: null, orphan: false, lease_duration: 0, renewable: false } }, field: 'token', out: 'hvs.x', code: 0 },
  { name: 'lease_id of the envelope', format: 'table', tty: false, secret: { ...base, lease_id: 'a/b/c' }, field: 'lease_id', out: 'a/b/c', code: 0 },
  { name: 'missing field', format: 'table', tty: false, secret: { ...base, data: {} }, field: 'nope', out: '', code: 1 },
];

for (const c of fieldCases) {
  test(`-field: ${c.name}`, () => {
    const cap = capture(c.format, c.tty);
    assert.equal(printField(cap.ui, { secret: c.secret }, c.field), c.code);
    assert.equal(cap.out(), c.out);
    if (c.code) assert.match(cap.err(), /Field "nope" not present in secret/);
  });
}

test('NO_COLOR makes a terminal behave like a pipe for raw values', () => {
  const c = capture('table', true, { NO_COLOR: '1' });
  printField(c.ui, { secret: { ...base, data: { a: 'x' } } }, 'a');
  assert.equal(c.out(), 'x');
});
