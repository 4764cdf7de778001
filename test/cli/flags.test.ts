import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FlagSpec, UsageError, parseFlags, trailingFlags, wantsHelp } from '../../src/cli/flags.js';

const specs: FlagSpec[] = [
  { name: 'address', kind: 'string', env: 'VAULT_ADDR', default: 'https://127.0.0.1:8200', usage: '' },
  { name: 'field', kind: 'string', usage: '' },
  { name: 'force', aliases: ['f'], kind: 'bool', usage: '' },
  { name: 'tls-skip-verify', kind: 'bool', env: 'VAULT_SKIP_VERIFY', usage: '' },
  { name: 'version', kind: 'int', default: 0, usage: '' },
  { name: 'cas', kind: 'int', default: -1, usage: '' },
  { name: 'ttl', kind: 'duration', usage: '' },
  { name: 'policy', kind: 'strings', usage: '' },
  { name: 'metadata', kind: 'map', usage: '' },
  { name: 'cas-required', kind: 'optionalBool', usage: '' },
];

const cases: { name: string; argv: string[]; env?: NodeJS.ProcessEnv; flags?: Record<string, unknown>; args?: string[]; set?: string[] }[] = [
  { name: 'defaults', argv: ['secret/foo'], flags: { address: 'https://127.0.0.1:8200', force: false, version: 0, cas: -1, ttl: 0, policy: [], metadata: {}, 'cas-required': undefined }, args: ['secret/foo'] },
  { name: 'single dash with =', argv: ['-field=csr', 'pki/x'], flags: { field: 'csr' }, args: ['pki/x'], set: ['field'] },
  { name: 'double dash with =', argv: ['--field=csr', 'pki/x'], flags: { field: 'csr' }, args: ['pki/x'] },
  { name: 'value as next argument', argv: ['-address', 'http://127.0.0.1:9', 'status'], flags: { address: 'http://127.0.0.1:9' }, args: ['status'] },
  { name: 'value may start with a dash', argv: ['-field', '-x', 'p'], flags: { field: '-x' }, args: ['p'] },
  { name: 'empty value with =', argv: ['-field=', 'p'], flags: { field: '' }, args: ['p'] },
  { name: 'value keeps later = signs', argv: ['-field=a=b', 'p'], flags: { field: 'a=b' } },
  { name: 'bool alone is true', argv: ['-f', 'kubernetes/config'], flags: { force: true }, args: ['kubernetes/config'] },
  { name: 'bool alias', argv: ['--force'], flags: { force: true }, args: [] },
  { name: 'bool with =false', argv: ['-force=false', 'x'], flags: { force: false }, args: ['x'] },
  { name: 'bool does not take the next argument', argv: ['-force', 'false'], flags: { force: true }, args: ['false'] },
  { name: 'bool Go spellings', argv: ['-force=T'], flags: { force: true } },
  { name: 'int', argv: ['-version=3', 'k'], flags: { version: 3 } },
  { name: 'negative int', argv: ['-cas', '-1', 'k'], flags: { cas: -1 }, args: ['k'] },
  { name: 'duration Go syntax', argv: ['-ttl=1h30m'], flags: { ttl: 5400 } },
  { name: 'duration plain seconds', argv: ['-ttl', '90'], flags: { ttl: 90 } },
  { name: 'duration "system"', argv: ['-ttl=system'], flags: { ttl: -1 } },
  { name: 'repeatable strings', argv: ['-policy=a', '-policy', 'b,c'], flags: { policy: ['a', 'b,c'] } },
  { name: 'map flag', argv: ['-metadata=owner=team-a', '-metadata', 'env=prod'], flags: { metadata: { owner: 'team-a', env: 'prod' } } },
  { name: 'optional bool set', argv: ['-cas-required'], flags: { 'cas-required': true } },
  { name: 'optional bool false', argv: ['-cas-required=false'], flags: { 'cas-required': false } },
  { name: 'flags stop at first positional', argv: ['secret/foo', '-field=x'], flags: { field: '' }, args: ['secret/foo', '-field=x'] },
  { name: '-- ends flags', argv: ['-f', '--', '-field=x'], flags: { force: true, field: '' }, args: ['-field=x'] },
  { name: 'lone dash is positional', argv: ['-', 'x'], args: ['-', 'x'] },
  { name: 'env supplies the default', argv: [], env: { VAULT_ADDR: 'http://10.0.0.1:8200', VAULT_SKIP_VERIFY: 'true' }, flags: { address: 'http://10.0.0.1:8200', 'tls-skip-verify': true } },
  { name: 'flag beats env', argv: ['-address=http://a:1'], env: { VAULT_ADDR: 'http://b:2' }, flags: { address: 'http://a:1' } },
  { name: 'unparsable env bool is ignored', argv: [], env: { VAULT_SKIP_VERIFY: 'maybe' }, flags: { 'tls-skip-verify': false } },
];

for (const c of cases) {
  test(`parseFlags: ${c.name}`, () => {
    const p = parseFlags(c.argv, specs, c.env ?? {});
    for (const [k, v] of Object.entries(c.flags ?? {})) assert.deepEqual(p.flags[k], v, k);
    if (c.args) assert.deepEqual(p.args, c.args);
    if (c.set) assert.deepEqual([...p.set], c.set);
  });
}

const errors: { argv: string[]; message: string }[] = [
  { argv: ['-nope'], message: 'flag provided but not defined: -nope' },
  { argv: ['--nope=1'], message: 'flag provided but not defined: -nope' },
  { argv: ['-field'], message: 'flag needs an argument: -field' },
  { argv: ['-version=abc'], message: 'invalid value "abc" for flag -version: parse error' },
  { argv: ['-force=yes'], message: 'invalid boolean value "yes" for -force: parse error' },
  { argv: ['-ttl=5x'], message: 'invalid value "5x" for flag -ttl: time: invalid duration "5x"' },
  { argv: ['-metadata=novalue'], message: 'invalid value "novalue" for flag -metadata: missing = in KV pair: "novalue"' },
  { argv: ['---x'], message: 'bad flag syntax: ---x' },
  { argv: ['-=x'], message: 'bad flag syntax: -=x' },
];

for (const c of errors) {
  test(`parseFlags rejects ${c.argv.join(' ')}`, () => {
    assert.throws(() => parseFlags(c.argv, specs, {}), (e: unknown) => e instanceof UsageError && e.message === c.message);
  });
}

test('wantsHelp finds -h anywhere before --', () => {
  assert.equal(wantsHelp(['secret/foo', '-help']), true);
  assert.equal(wantsHelp(['--help']), true);
  assert.equal(wantsHelp(['-h']), true);
  assert.equal(wantsHelp(['--', '-h']), false);
  assert.equal(wantsHelp(['value=-h']), false);
});

test('trailingFlags names flags after positionals, except the global output flags', () => {
  assert.deepEqual(trailingFlags(['secret/foo', '-field=x', '-format=json', '-', 'a=b']), ['-field=x']);
});
