/** Exit codes and error wording scripts depend on: 0 ok, 1 usage, 2 server, 127 unknown command. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { cliEnv, runCLI } from './run-cli.js';

let c: TestCoffer;
let env: NodeJS.ProcessEnv;
let deadAddr = '';
before(async () => {
  c = await startCoffer();
  env = cliEnv(c);
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  deadAddr = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((r) => probe.close(r));
});
after(async () => { await c.stop(); });

const cases: { name: string; args: string[]; code: number; stderr?: RegExp; stdout?: RegExp; stdin?: string }[] = [
  { name: 'no arguments prints usage', args: [], code: 127, stderr: /^Usage: coffer <command> \[args\]/ },
  { name: 'unknown command', args: ['frobnicate'], code: 127, stderr: /Unknown command: frobnicate/ },
  { name: 'top-level -help', args: ['-help'], code: 0, stdout: /Common commands:/ },
  { name: 'a group without subcommand', args: ['kv'], code: 1, stderr: /Subcommands:\n(.|\n)*    get /m },
  { name: 'command -help', args: ['write', '-help'], code: 0, stdout: /^Usage: coffer write \[options\] PATH/ },
  { name: 'help after positional args', args: ['kv', 'put', 'secret/x', 'a=b', '--help'], code: 0, stdout: /^Usage: coffer kv put/ },
  { name: '-version', args: ['-version'], code: 0, stdout: /^Coffer v\d+\.\d+\.\d+\n$/ },
  { name: 'unknown flag', args: ['read', '-nope', 'secret/x'], code: 1, stderr: /^flag provided but not defined: -nope\n$/ },
  { name: 'missing argument', args: ['read'], code: 1, stderr: /^Not enough arguments \(expected 1, got 0\)\n$/ },
  { name: 'too many arguments', args: ['kv', 'get', 'a', 'b'], code: 1, stderr: /^Too many arguments \(expected 1, got 2\)\n$/ },
  { name: 'write without data', args: ['write', 'secret/data/x'], code: 1, stderr: /^Must supply data or use -force\n$/ },
  { name: 'bad K=V', args: ['write', 'secret/data/x', 'novalue'], code: 1, stderr: /^Failed to parse K=V data: format must be key=value\n$/ },
  { name: 'invalid format', args: ['read', '-format=xml', 'sys/mounts'], code: 1, stderr: /^Invalid output format: xml\n$/ },
  { name: 'raw format is for read only', args: ['kv', 'get', '-format=raw', 'secret/x'], code: 1 },
  { name: 'nothing at a path', args: ['read', 'secret/data/none'], code: 2, stderr: /^No value found at secret\/data\/none\n$/ },
  { name: 'a list with nothing', args: ['list', 'secret/metadata/none'], code: 2, stderr: /^No value found at secret\/metadata\/none\n$/ },
  { name: 'a list with nothing, json', args: ['list', '-format=json', 'secret/metadata/none'], code: 2, stdout: /^\{\}\n$/ },
  { name: 'server rejects the input', args: ['write', 'sys/mounts/bad', 'type=no-such-engine'], code: 2, stderr: /^Error writing data to sys\/mounts\/bad: Error making API request\.\n\nURL: PUT http:\/\/127\.0\.0\.1:\d+\/v1\/sys\/mounts\/bad\nCode: 400\. Errors:\n\n\* / },
  { name: 'missing field', args: ['read', '-field=nope', 'sys/mounts'], code: 1, stderr: /^Field "nope" not present in secret\n$/ },
  { name: 'trailing flags are warned about', args: ['read', 'sys/seal-status', '-field=x'], code: 0, stderr: /^Command flags must be provided before positional arguments\. The following arguments will not be parsed as flags: \[-field=x\]\n$/ },
];

for (const tc of cases) {
  test(`${tc.name}: exit ${tc.code}`, async () => {
    const r = await runCLI(tc.args, { env, stdin: tc.stdin });
    assert.equal(r.code, tc.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    if (tc.stderr) assert.match(r.stderr, tc.stderr);
    if (tc.stdout) assert.match(r.stdout, tc.stdout);
  });
}

test('a server that is down: exit 2 with Go-style wording', async () => {
  const r = await runCLI(['read', 'secret/data/x'], { env: { ...env, VAULT_ADDR: deadAddr } });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `Error reading secret/data/x: Get "${deadAddr}/v1/secret/data/x": dial tcp ${deadAddr.slice(7)}: connect: connection refused\n`);
  const s = await runCLI(['status'], { env: { ...env, VAULT_ADDR: deadAddr } });
  assert.equal(s.code, 1, 'status keeps 2 for "sealed"');
});

test('-address and single/double dash flags reach the server the same way', async () => {
  for (const flag of [`-address=${c.addr}`, `--address=${c.addr}`]) {
    const r = await runCLI([`read`, flag, '-format=json', 'sys/mounts'], { env: { ...env, VAULT_ADDR: deadAddr } });
    assert.equal(r.code, 0, r.stderr);
  }
  const r = await runCLI(['read', '-address', c.addr, 'sys/mounts'], { env: { ...env, VAULT_ADDR: deadAddr } });
  assert.equal(r.code, 0, r.stderr);
});

test('VAULT_FORMAT sets the default format', async () => {
  const r = await runCLI(['read', 'sys/mounts'], { env: { ...env, VAULT_FORMAT: 'json' } });
  assert.equal(JSON.parse(r.stdout).data['secret/'].type, 'kv');
});

test('-header adds headers, but not X-Vault-*', async () => {
  const r = await runCLI(['read', '-header=X-Vault-Token=x', 'sys/mounts'], { env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Header starting by 'X-Vault-' are for internal usage only/);
});

test('-output-curl-string prints the request instead of sending it', async () => {
  const r = await runCLI(['kv', 'put', '-output-curl-string', 'secret/dry', 'a=b'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `curl -X PUT -H "X-Vault-Request: true" -H "X-Vault-Token: $(coffer print token)" -d '{"data":{"a":"b"},"options":{}}' ${c.addr}/v1/secret/data/dry\n`);
  assert.equal((await runCLI(['kv', 'get', 'secret/dry'], { env })).code, 2, 'nothing was written');
  const l = await runCLI(['list', '-output-curl-string', 'secret/metadata'], { env });
  assert.equal(l.stdout, `curl -H "X-Vault-Request: true" -H "X-Vault-Token: $(coffer print token)" ${c.addr}/v1/secret/metadata?list=true\n`);
});

test('-output-policy prints the policy the request needs', async () => {
  const r = await runCLI(['kv', 'get', '-output-policy', 'secret/app/config'], { env });
  assert.deepEqual([r.code, r.stdout], [0, 'path "secret/data/app/config" {\n  capabilities = ["read"]\n}\n'], r.stderr);
  const w = await runCLI(['write', '-output-policy', 'auth/token/roles/x', 'period=1h'], { env });
  assert.equal(w.stdout, 'path "auth/token/roles/x" {\n  capabilities = ["create", "update"]\n}\n');
});
