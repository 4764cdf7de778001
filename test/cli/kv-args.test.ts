import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { UsageError } from '../../src/cli/flags.js';
import { parseArgsData, stringifyValues } from '../../src/cli/kv-args.js';

const dir = mkdtempSync(join(tmpdir(), 'coffer-kvargs-'));
const keyFile = join(dir, 'token-key');
writeFileSync(keyFile, '-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n');
const jsonFile = join(dir, 'data.json');
writeFileSync(jsonFile, '{"a": 1, "b": {"c": true}}');

const stdin = (s: string) => Readable.from([Buffer.from(s)]);

const cases: { name: string; args: string[]; stdin?: string; want: Record<string, unknown> }[] = [
  { name: 'k=v pairs', args: ['foo=bar', 'n=1'], want: { foo: 'bar', n: '1' } },
  { name: 'value keeps = signs and spaces', args: ['q=a=b c'], want: { q: 'a=b c' } },
  { name: 'empty value', args: ['k='], want: { k: '' } },
  { name: 'k=@file reads the file', args: [`key=@${keyFile}`], want: { key: '-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n' } },
  { name: 'k=\\@x is the literal @x', args: ['k=\\@x'], want: { k: '@x' } },
  { name: 'k=- reads stdin raw', args: ['policy=-'], stdin: 'path "x" {}\n', want: { policy: 'path "x" {}\n' } },
  { name: 'lone - merges JSON from stdin', args: ['-', 'x=y'], stdin: '{"a": [1, 2], "b": "c"}', want: { a: [1, 2], b: 'c', x: 'y' } },
  { name: '@file merges a JSON file', args: [`@${jsonFile}`], want: { a: 1, b: { c: true } } },
  { name: 'repeated key becomes a list', args: ['p=a', 'p=b', 'p=c'], want: { p: ['a', 'b', 'c'] } },
  { name: 'JSON-looking value stays a string', args: ['rules={"a":1}'], want: { rules: '{"a":1}' } },
];

for (const c of cases) {
  test(`parseArgsData: ${c.name}`, async () => {
    assert.deepEqual(await parseArgsData(c.args, stdin(c.stdin ?? '')), c.want);
  });
}

const bad: { name: string; args: string[]; stdin?: string; message: RegExp }[] = [
  { name: 'missing =', args: ['novalue'], message: /format must be key=value/ },
  { name: 'missing file', args: ['k=@/nonexistent/file'], message: /error reading file: open \/nonexistent\/file: no such file or directory/ },
  { name: 'stdin twice', args: ['a=-', 'b=-'], stdin: 'x', message: /stdin already consumed/ },
  { name: 'stdin not an object', args: ['-'], stdin: '[1]', message: /expected an object/ },
  { name: 'stdin not JSON', args: ['-'], stdin: 'nope', message: /error parsing JSON from stdin/ },
];

for (const c of bad) {
  test(`parseArgsData rejects ${c.name}`, async () => {
    await assert.rejects(parseArgsData(c.args, stdin(c.stdin ?? '')), (e: unknown) => e instanceof UsageError && c.message.test(e.message));
  });
}

test('stringifyValues converts the way mapstructure weakly decodes', () => {
  assert.deepEqual(stringifyValues({ a: 'x', b: 2, c: true, d: ['p', 'q'] }), { a: 'x', b: '2', c: '1', d: 'p,q' });
  assert.throws(() => stringifyValues({ m: { x: 1 } }), UsageError);
});
