/**
 * The README's five-minute tour, command by command, against a real dev-style Coffer: the
 * output people see, the exit codes scripts see.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { cliEnv, runCLI } from './run-cli.js';

let c: TestCoffer;
let env: NodeJS.ProcessEnv;
before(async () => {
  c = await startCoffer();
  env = cliEnv(c);
});
after(async () => { await c.stop(); });

test('status: unsealed dev server exits 0 and shows the seal table', async () => {
  const r = await runCLI(['status'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Key +Value\n-+ +-+\nSeal Type +shamir\nInitialized +true\nSealed +false\nTotal Shares +1\nThreshold +1\n/);
  assert.match(r.stdout, /^HA Enabled +false$/m);
  const j = await runCLI(['status', '-format=json'], { env });
  assert.equal(JSON.parse(j.stdout).sealed, false);
  const f = await runCLI(['status', '-field=initialized'], { env });
  assert.equal(f.stdout, 'true');
});

test('kv put / kv get / -field / -format=json', async () => {
  let r = await runCLI(['kv', 'put', 'secret/hello', 'foo=world', 'excited=yes'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^=+ Secret Path =+\nsecret\/data\/hello\n\n=+ Metadata =+\nKey +Value\n/);
  assert.match(r.stdout, /^version +1$/m);

  r = await runCLI(['kv', 'get', 'secret/hello'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /== Secret Path ==\nsecret\/data\/hello\n/);
  assert.match(r.stdout, /\n\n=+ Data =+\nKey +Value\n-+ +-+\nexcited +yes\nfoo +world\n$/);
  assert.match(r.stdout, /^deletion_time +n\/a$/m);

  r = await runCLI(['kv', 'get', '-field=foo', 'secret/hello'], { env });
  assert.deepEqual([r.code, r.stdout], [0, 'world']);

  r = await runCLI(['kv', 'get', '-format=json', 'secret/hello'], { env });
  const body = JSON.parse(r.stdout);
  assert.deepEqual(body.data.data, { excited: 'yes', foo: 'world' });
  assert.equal(body.data.metadata.version, 1);

  r = await runCLI(['kv', 'get', 'secret/hello', '-format=yaml'], { env });
  assert.equal(r.code, 1, 'flags after the path are positional arguments, as in vault');
  assert.match(r.stderr, /Too many arguments \(expected 1, got 2\)/);
});

test('policy write, token create, and the token\'s limits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-tour-'));
  const file = join(dir, 'hello-reader.hcl');
  writeFileSync(file, 'path "secret/data/hello" {\n  capabilities = ["read"]\n}\n');
  let r = await runCLI(['policy', 'write', 'hello-reader', file], { env });
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Uploaded policy: hello-reader\n'], r.stderr);

  r = await runCLI(['policy', 'read', 'hello-reader'], { env });
  assert.match(r.stdout, /path "secret\/data\/hello"/);
  r = await runCLI(['policy', 'list'], { env });
  assert.match(r.stdout, /^hello-reader$/m);

  r = await runCLI(['token', 'create', '-policy=hello-reader', '-ttl=1h', '-format=json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const auth = JSON.parse(r.stdout).auth;
  assert.match(auth.client_token, /^hvs\./);
  assert.deepEqual(auth.policies, ['default', 'hello-reader']);
  assert.equal(auth.lease_duration, 3600);

  const limited = { ...env, VAULT_TOKEN: auth.client_token };
  r = await runCLI(['kv', 'get', '-field=foo', 'secret/hello'], { env: limited });
  assert.deepEqual([r.code, r.stdout], [0, 'world'], r.stderr);

  r = await runCLI(['kv', 'put', 'secret/hello', 'foo=nope'], { env: limited });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `Error writing data to secret/data/hello: Error making API request.\n\nURL: PUT ${c.addr}/v1/secret/data/hello\nCode: 403. Errors:\n\n* permission denied\n`);

  r = await runCLI(['token', 'lookup', '-format=json'], { env: limited });
  assert.deepEqual(JSON.parse(r.stdout).data.policies, ['default', 'hello-reader']);
  r = await runCLI(['token', 'capabilities', 'secret/data/hello'], { env: limited });
  assert.equal(r.stdout, 'read\n');
});

test('login stores the token in ~/.vault-token; later commands use it', async () => {
  const home = mkdtempSync(join(tmpdir(), 'coffer-home-'));
  const noToken = { VAULT_ADDR: c.addr, HOME: home };
  let r = await runCLI(['kv', 'get', 'secret/hello'], { env: noToken });
  assert.equal(r.code, 2, 'without a token the server refuses');

  r = await runCLI(['login', c.rootToken], { env: noToken });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Success! You are now authenticated\./);
  assert.match(r.stdout, /^token_policies +\["root"\]$/m);
  assert.equal(readFileSync(join(home, '.vault-token'), 'utf8'), c.rootToken);

  r = await runCLI(['kv', 'get', '-field=excited', 'secret/hello'], { env: noToken });
  assert.deepEqual([r.code, r.stdout], [0, 'yes']);
  r = await runCLI(['print', 'token'], { env: noToken });
  assert.equal(r.stdout, `${c.rootToken}\n`);

  r = await runCLI(['login', 'hvs.notarealtoken0000000000'], { env: { ...noToken, HOME: mkdtempSync(join(tmpdir(), 'h-')) } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Error authenticating: error looking up token: Error making API request\./);
  assert.match(r.stderr, /Code: 403/);
});

test('the real process: exit codes, and -field output piped without a newline', async () => {
  const run = promisify(execFile);
  const shim = join(import.meta.dirname, 'process-shim.ts');
  const args = (a: string[]) => ['--import', 'tsx', shim, ...a];
  const opts = { env: { ...process.env, ...env } };
  const ok = await run(process.execPath, args(['kv', 'get', '-field=foo', 'secret/hello']), opts);
  assert.equal(ok.stdout, 'world');
  await assert.rejects(run(process.execPath, args(['kv', 'get', 'secret/does-not-exist']), opts), (e: { code?: number; stderr?: string }) => {
    assert.equal(e.code, 2);
    assert.equal(e.stderr, 'No value found at secret/data/does-not-exist\n');
    return true;
  });
  await assert.rejects(run(process.execPath, args(['kv', 'get', '-bogus', 'x']), opts), (e: { code?: number }) => e.code === 1);
});
