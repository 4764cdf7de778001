/**
 * `secrets …` and `auth …` against the mount tables, including multi-segment paths and the
 * pre-0.9 spellings seed 002 uses (`vault mount -path …`, `vault mount-tune …`).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { cliEnv, runCLI } from './run-cli.js';

let c: TestCoffer;
let env: NodeJS.ProcessEnv;
const run = (args: string[], stdin?: string) => runCLI(args, { env, stdin });

before(async () => {
  c = await startCoffer();
  env = cliEnv(c);
});
after(async () => { await c.stop(); });

test('secrets enable / list / tune / disable on a multi-segment path', async () => {
  let r = await run(['secrets', 'enable', '-path=cluster-a/kv/etcd', '-description=etcd secrets', '-default-lease-ttl=1h', '-max-lease-ttl=87600h', 'kv']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Enabled the kv secrets engine at: cluster-a/kv/etcd/\n'], r.stderr);
  r = await run(['secrets', 'list']);
  assert.match(r.stdout, /^Path +Type +Accessor +Description\n-+ +-+ +-+ +-+\n/);
  assert.match(r.stdout, /^cluster-a\/kv\/etcd\/ +kv +kv_\w+ +etcd secrets$/m);
  assert.match(r.stdout, /^sys\/ +system +system_\w+ +/m);
  r = await run(['secrets', 'list', '-detailed']);
  assert.match(r.stdout, /^cluster-a\/kv\/etcd\/ +kv +kv_\w+ +3600 +315360000 +false +replicated /m);
  const j = JSON.parse((await run(['secrets', 'list', '-format=json'])).stdout);
  assert.equal(j['cluster-a/kv/etcd/'].config.max_lease_ttl, 315360000);

  r = await run(['secrets', 'tune', '-max-lease-ttl=8760h', '-description=tuned', 'cluster-a/kv/etcd']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Tuned the secrets engine at: cluster-a/kv/etcd/\n'], r.stderr);
  const tune = JSON.parse((await run(['read', '-format=json', 'sys/mounts/cluster-a/kv/etcd/tune'])).stdout);
  assert.equal(tune.data.max_lease_ttl, 31536000);
  assert.equal(tune.data.description, 'tuned');
  r = await run(['secrets', 'tune', '-max-lease-ttl=system', 'cluster-a/kv/etcd/']);
  assert.equal(r.code, 0, r.stderr);

  r = await run(['secrets', 'enable', '-path=cluster-a/kv/etcd', 'kv']);
  assert.equal(r.code, 2, 'a taken path is a server error');
  assert.match(r.stderr, /^Error enabling: Error making API request\./);

  r = await run(['secrets', 'disable', 'cluster-a/kv/etcd']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Disabled the secrets engine (if it existed) at: cluster-a/kv/etcd/\n']);
  assert.doesNotMatch((await run(['secrets', 'list'])).stdout, /cluster-a/);
});

test('secrets move keeps the data', async () => {
  await run(['secrets', 'enable', '-path=old', '-version=1', 'kv']);
  await run(['write', 'old/x', 'a=1']);
  const r = await run(['secrets', 'move', 'old', 'new']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /(Success! Finished moving secrets engine old\/ to new\/|Success! Moved secrets engine old\/ to: new\/)/);
  assert.equal((await run(['read', '-field=a', 'new/x'])).stdout, '1');
});

test('deprecated spellings from seed 002 still work, with a warning', async () => {
  let r = await run(['mount', '-path', 'c1/pki/etcd', 'kv']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /"coffer mount" is deprecated; use "coffer secrets enable"/);
  r = await run(['mount-tune', '-max-lease-ttl=87600h', 'c1/pki/etcd']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Tuned the secrets engine at: c1/pki/etcd/\n'], r.stderr);
  r = await run(['mounts', '-format=json']);
  assert.ok('c1/pki/etcd/' in JSON.parse(r.stdout));
  r = await run(['unmount', 'c1/pki/etcd']);
  assert.equal(r.code, 0, r.stderr);
});

test('auth enable / list / tune / help / disable', async () => {
  let r = await run(['auth', 'enable', '-path=people', '-description=humans', 'userpass']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Enabled userpass auth method at: people/\n'], r.stderr);
  r = await run(['auth', 'list']);
  assert.match(r.stdout, /^Path +Type +Accessor +Description +Version\n/);
  assert.match(r.stdout, /^people\/ +userpass +auth_userpass_\w+ +humans +n\/a$/m);
  assert.match(r.stdout, /^token\/ +token +auth_token_\w+ /m);
  r = await run(['auth', 'tune', '-default-lease-ttl=30m', 'people']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Tuned the auth method at: people/\n'], r.stderr);
  const t = JSON.parse((await run(['read', '-format=json', 'sys/auth/people/tune'])).stdout);
  assert.equal(t.data.default_lease_ttl, 1800);
  r = await run(['auth', 'help', 'people/']);
  assert.match(r.stdout, /^Usage: coffer login -method=userpass/);
  r = await run(['auth', 'help', 'nowhere/']);
  assert.equal(r.code, 1);
  r = await run(['auth', 'enable', 'no-such-method']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Error enabling no-such-method auth: Error making API request\./);
  r = await run(['auth', 'disable', 'people']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Disabled the auth method (if it existed) at: people/\n']);
});

test('path-help prints the backend\'s help', async () => {
  const r = await run(['path-help', 'secret/data/foo']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.length > 20);
  const j = await run(['path-help', '-format=json', 'secret/data/foo']);
  assert.equal(j.code, 0, j.stderr);
  assert.equal(typeof JSON.parse(j.stdout), 'object');
});
