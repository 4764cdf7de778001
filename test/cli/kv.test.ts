/** Every `kv` subcommand against KV v2 (secret/) and KV v1, in both path syntaxes. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { cliEnv, runCLI } from './run-cli.js';

let c: TestCoffer;
let env: NodeJS.ProcessEnv;
const run = (args: string[], stdin?: string) => runCLI(args, { env, stdin });
const json = async (args: string[]) => {
  const r = await run([...args.slice(0, -1), '-format=json', ...args.slice(-1)]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

before(async () => {
  c = await startCoffer();
  env = cliEnv(c);
});
after(async () => { await c.stop(); });

test('v2: versions, -version, -cas, patch, -mount syntax', async () => {
  let r = await run(['kv', 'put', 'secret/app/db', 'user=app', 'password=one']);
  assert.equal(r.code, 0, r.stderr);
  r = await run(['kv', 'put', '-cas=1', 'secret/app/db', 'user=app', 'password=two']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^version +2$/m);
  r = await run(['kv', 'put', '-cas=1', 'secret/app/db', 'password=stale']);
  assert.equal(r.code, 2, 'a stale check-and-set is refused');
  assert.match(r.stderr, /^Error writing data to secret\/data\/app\/db: Error making API request\.(.|\n)*Code: 400/);

  assert.equal((await run(['kv', 'get', '-version=1', '-field=password', 'secret/app/db'])).stdout, 'one');
  assert.equal((await run(['kv', 'get', '-mount=secret', '-field=password', 'app/db'])).stdout, 'two');

  r = await run(['kv', 'patch', 'secret/app/db', 'password=three']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^version +3$/m);
  const latest = await json(['kv', 'get', 'secret/app/db']);
  assert.deepEqual(latest.data.data, { user: 'app', password: 'three' });

  r = await run(['kv', 'patch', '-method=rw', '-remove-data=user', 'secret/app/db', 'extra=x']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((await json(['kv', 'get', 'secret/app/db'])).data.data, { password: 'three', extra: 'x' });
  r = await run(['kv', 'patch', 'secret/app/none', 'a=b']);
  assert.equal(r.code, 2, 'patching a missing key fails');
});

test('v2: delete, undelete, destroy and metadata', async () => {
  await run(['kv', 'put', 'secret/life', 'v=1']);
  await run(['kv', 'put', 'secret/life', 'v=2']);
  let r = await run(['kv', 'delete', 'secret/life']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Data deleted (if it existed) at: secret/data/life\n']);
  r = await run(['kv', 'get', 'secret/life']);
  assert.equal(r.code, 0, 'a soft-deleted version still has metadata');
  assert.match(r.stdout, /^deletion_time +\d{4}-/m);
  assert.doesNotMatch(r.stdout, /=== Data ===/);

  r = await run(['kv', 'undelete', 'secret/life']);
  assert.deepEqual([r.code, r.stderr], [1, 'No versions provided, use the "-versions" flag to specify the version to undelete.\n']);
  r = await run(['kv', 'undelete', '-versions=2', 'secret/life']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Data written to: secret/undelete/life\n'], r.stderr);
  assert.equal((await run(['kv', 'get', '-field=v', 'secret/life'])).stdout, '2');

  r = await run(['kv', 'delete', '-versions=1', 'secret/life']);
  assert.equal(r.code, 0, r.stderr);
  r = await run(['kv', 'destroy', '-versions=1,2', 'secret/life']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Data written to: secret/destroy/life\n'], r.stderr);
  const meta = await json(['kv', 'metadata', 'get', 'secret/life']);
  assert.equal(meta.data.versions['1'].destroyed, true);
  assert.equal(meta.data.versions['2'].destroyed, true);

  r = await run(['kv', 'metadata', 'put', '-max-versions=5', '-cas-required', '-custom-metadata=owner=team-a', 'secret/life']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Data written to: secret/metadata/life\n'], r.stderr);
  r = await run(['kv', 'metadata', 'get', 'secret/life']);
  assert.match(r.stdout, /^=+ Metadata Path =+\nsecret\/metadata\/life\n\n/);
  assert.match(r.stdout, /^max_versions +5$/m);
  assert.match(r.stdout, /^cas_required +true$/m);
  assert.match(r.stdout, /^custom_metadata +map\[owner:team-a\]$/m);
  assert.match(r.stdout, /=+ Version 1 =+\nKey +Value\n/);
  r = await run(['kv', 'put', 'secret/life', 'v=3']);
  assert.equal(r.code, 2, 'cas_required now refuses a write without -cas');

  r = await run(['kv', 'metadata', 'delete', 'secret/life']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Data deleted (if it existed) at: secret/metadata/life\n']);
  r = await run(['kv', 'get', 'secret/life']);
  assert.deepEqual([r.code, r.stderr], [2, 'No value found at secret/data/life\n']);
});

test('kv list: table, json, -mount, and an empty path', async () => {
  await run(['kv', 'put', 'secret/team/a', 'x=1']);
  await run(['kv', 'put', 'secret/team/sub/b', 'x=1']);
  let r = await run(['kv', 'list', 'secret/team']);
  assert.deepEqual([r.code, r.stdout], [0, 'Keys\n----\na\nsub/\n'], r.stderr);
  r = await run(['kv', 'list', '-format=json', '-mount=secret', 'team/']);
  assert.deepEqual(JSON.parse(r.stdout), ['a', 'sub/']);
  r = await run(['kv', 'list', 'secret/nothing-here']);
  assert.deepEqual([r.code, r.stderr], [2, 'No value found at secret/metadata/nothing-here\n']);
});

test('values from files, stdin and JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-kv-'));
  const key = join(dir, 'token-key');
  writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n');
  let r = await run(['kv', 'put', 'secret/files', `key=@${key}`, 'note=-'], 'from stdin');
  assert.equal(r.code, 0, r.stderr);
  const d = (await json(['kv', 'get', 'secret/files'])).data.data;
  assert.equal(d.key, '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n');
  assert.equal(d.note, 'from stdin');
  r = await run(['kv', 'put', 'secret/json', '-'], '{"nested": {"a": [1, 2]}, "n": 3}');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((await json(['kv', 'get', 'secret/json'])).data.data, { nested: { a: [1, 2] }, n: 3 });
  r = await run(['kv', 'get', 'secret/json']);
  assert.match(r.stdout, /^nested +map\[a:\[1 2\]\]$/m);
  r = await run(['kv', 'put', 'secret/x']);
  assert.deepEqual([r.code, r.stderr], [1, 'Must supply data\n']);
});

test('KV v1: put, get, list, delete; v2-only commands refuse', async () => {
  let r = await run(['secrets', 'enable', '-path=kv1', '-version=1', 'kv']);
  assert.equal(r.code, 0, r.stderr);
  r = await run(['kv', 'put', 'kv1/app', 'a=b']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Data written to: kv1/app\n'], r.stderr);
  r = await run(['kv', 'get', 'kv1/app']);
  assert.equal(r.stdout, '== Data ==\nKey    Value\n---    -----\na      b\n');
  assert.equal((await run(['kv', 'get', '-mount=kv1', '-field=a', 'app'])).stdout, 'b');
  assert.deepEqual(JSON.parse((await run(['kv', 'list', '-format=json', 'kv1/'])).stdout), ['app']);
  r = await run(['kv', 'undelete', '-versions=1', 'kv1/app']);
  assert.deepEqual([r.code, r.stderr], [1, 'Undelete not supported on KV Version 1\n']);
  r = await run(['kv', 'metadata', 'get', 'kv1/app']);
  assert.deepEqual([r.code, r.stderr], [1, 'Metadata not supported on KV Version 1\n']);
  r = await run(['kv', 'patch', 'kv1/app', 'a=c']);
  assert.equal(r.code, 2);
  r = await run(['kv', 'delete', 'kv1/app']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Data deleted (if it existed) at: kv1/app\n']);
});

test('generic read/write/list/delete on KV paths (seed 002: key=@file into secret/)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-kv-'));
  const key = join(dir, 'token-key');
  writeFileSync(key, 'PRIVATE\n');
  let r = await run(['write', 'secret/data/c1/k8s/token', '-'], JSON.stringify({ data: { key: 'PRIVATE\n' } }));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^version +1$/m);
  r = await run(['read', '-field=data', 'secret/data/c1/k8s/token']);
  assert.equal(r.stdout, 'map[key:PRIVATE\n]');
  r = await run(['list', 'secret/metadata/c1']);
  assert.equal(r.stdout, 'Keys\n----\nk8s/\n');
  r = await run(['delete', 'secret/metadata/c1/k8s/token']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Data deleted (if it existed) at: secret/metadata/c1/k8s/token\n']);
  await run(['secrets', 'enable', '-path=generic', '-version=1', 'kv']);
  r = await run(['write', 'generic/c1/k8s/token', `key=@${key}`]);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Data written to: generic/c1/k8s/token\n'], r.stderr);
  assert.equal((await run(['read', '-field=key', 'generic/c1/k8s/token'])).stdout, 'PRIVATE\n');
});
