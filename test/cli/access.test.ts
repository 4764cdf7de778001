/**
 * Issue 3 through the CLI: seed 002's access design (legacy `policy = "write"` policies on
 * multi-segment paths, a periodic orphan token role, tokens from it), token lifecycle commands,
 * userpass and AppRole logins, response wrapping and unwrap.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { cliEnv, runCLI, tempHome } from './run-cli.js';

let c: TestCoffer;
let env: NodeJS.ProcessEnv;
const run = (args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) => runCLI(args, { env: opts.env ?? env, stdin: opts.stdin });
const CLUSTER = 'c1';

before(async () => {
  c = await startCoffer();
  env = cliEnv(c);
});
after(async () => { await c.stop(); });

test('seed 002: policies from stdin (policy-write), token role, token-create -role', async () => {
  let r = await run(['policy-write', `${CLUSTER}/pki/etcd/member`, '-'], { stdin: `path "${CLUSTER}/pki/etcd/issue/member" {       policy = "write"     }` });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^Success! Uploaded policy: ${CLUSTER}/pki/etcd/member\n$`));
  r = await run(['policy', 'write', `${CLUSTER}/pki/k8s/kube-apiserver`, '-'], { stdin: `path "${CLUSTER}/pki/k8s/issue/kube-apiserver" {\n  policy = "write"\n}\npath "secret/data/${CLUSTER}/k8s/token" {\n  policy = "read"\n}\n` });
  assert.equal(r.code, 0, r.stderr);
  r = await run(['policy', 'read', `${CLUSTER}/pki/etcd/member`]);
  assert.match(r.stdout, /policy = "write"/);

  r = await run(['write', `auth/token/roles/k8s-${CLUSTER}`, 'period=720h', 'orphan=true', `allowed_policies=${CLUSTER}/pki/etcd/member,${CLUSTER}/pki/k8s/kube-apiserver`]);
  assert.equal(r.code, 0, r.stderr);

  r = await run(['token-create', `-policy=${CLUSTER}/pki/etcd/member`, `-role=k8s-${CLUSTER}`, '-format=json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /"coffer token-create" is deprecated/);
  const auth = JSON.parse(r.stdout).auth;
  assert.ok(auth.policies.includes(`${CLUSTER}/pki/etcd/member`));
  assert.equal(auth.lease_duration, 720 * 3600);
  assert.equal(auth.orphan, true);

  const tok = { ...env, VAULT_TOKEN: auth.client_token };
  r = await run(['token', 'capabilities', `${CLUSTER}/pki/etcd/issue/member`], { env: tok });
  const caps = r.stdout.trim().split(', ');
  for (const cap of ['create', 'read', 'update', 'delete', 'list']) assert.ok(caps.includes(cap), `legacy "write" grants ${cap}: ${r.stdout}`);
  assert.deepEqual(caps, [...caps].sort(), 'sorted, comma-separated');
  r = await run(['token', 'capabilities', `${CLUSTER}/pki/k8s/issue/kube-apiserver`], { env: tok });
  assert.equal(r.stdout, 'deny\n');
  r = await run(['token', 'renew', '-increment=1h', '-format=json'], { env: tok });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).auth.lease_duration, 720 * 3600, 'a periodic token renews to its period');

  r = await run(['token-create', `-policy=root`, `-role=k8s-${CLUSTER}`]);
  assert.equal(r.code, 2, 'a policy outside allowed_policies is refused');
  assert.match(r.stderr, /^Error creating token: Error making API request\./m);
});

test('token lookup / renew / revoke by token, accessor and -self', async () => {
  const created = JSON.parse((await run(['token', 'create', '-policy=default', '-ttl=10m', '-renewable=true', '-display-name=ci', '-metadata=team=a', '-format=json'])).stdout).auth;
  let r = await run(['token', 'lookup', created.client_token]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^display_name +token-ci$/m);
  assert.match(r.stdout, /^meta +map\[team:a\]$/m);
  assert.match(r.stdout, /^ttl +(9m\d+s|10m)$/m);
  r = await run(['token', 'lookup', '-format=json', '-accessor', created.accessor]);
  assert.equal(JSON.parse(r.stdout).data.accessor, created.accessor);
  r = await run(['token', 'lookup', '-accessor']);
  assert.equal(r.code, 1);
  r = await run(['token', 'renew', '-increment=5m', created.client_token, '-format=json']);
  assert.equal(r.code, 1, 'flags after the token are positional');
  r = await run(['token', 'renew', '-increment=5m', '-format=json', created.client_token]);
  assert.equal(JSON.parse(r.stdout).auth.lease_duration, 300);
  r = await run(['token', 'revoke', '-accessor', created.accessor]);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Revoked token (if it existed)\n'], r.stderr);
  r = await run(['token', 'lookup', created.client_token]);
  assert.equal(r.code, 2);

  const self = JSON.parse((await run(['token', 'create', '-format=json'])).stdout).auth.client_token;
  r = await run(['token', 'revoke', '-self'], { env: { ...env, VAULT_TOKEN: self } });
  assert.equal(r.code, 0, r.stderr);
  r = await run(['token', 'lookup'], { env: { ...env, VAULT_TOKEN: self } });
  assert.equal(r.code, 2);
  r = await run(['token', 'revoke', '-self', '-mode=orphan']);
  assert.deepEqual([r.code, r.stderr], [1, 'Cannot use -self with -mode!\n']);
  r = await run(['token', 'create', '-field=token', '-type=batch', '-policy=default']);
  assert.match(r.stdout, /^hvb\./);
});

test('login -method=userpass and -method=approle; -token-only; -no-store', async () => {
  await run(['auth', 'enable', 'userpass']);
  await run(['write', 'auth/userpass/users/alice', 'password=wonderland', 'token_policies=default']);
  const home = tempHome();
  const noToken = { VAULT_ADDR: c.addr, HOME: home };
  let r = await run(['login', '-method=userpass', 'username=alice', 'password=wonderland'], { env: noToken });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^token_meta_username +alice$/m);
  const stored = readFileSync(join(home, '.vault-token'), 'utf8');
  assert.match(stored, /^hvs\./);
  r = await run(['token', 'lookup', '-format=json'], { env: noToken });
  assert.equal(JSON.parse(r.stdout).data.display_name, 'userpass-alice');

  r = await run(['login', '-method=userpass', 'username=alice', 'password=wrong'], { env: noToken });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Error authenticating: Error making API request\.(.|\n)*Code: 400/);
  r = await run(['login', '-method=userpass', '-non-interactive', 'username=alice'], { env: noToken });
  assert.deepEqual([r.code, r.stderr], [2, "Error authenticating: 'password' must be specified and refusing to pull from stdin\n"]);
  r = await run(['login', '-method=userpass', 'username=alice'], { env: noToken, stdin: 'wonderland\n' });
  assert.equal(r.code, 0, 'the password can come from stdin');

  await run(['auth', 'enable', 'approle']);
  await run(['write', 'auth/approle/role/ci', 'token_policies=default', 'secret_id_num_uses=1']);
  const roleId = (await run(['read', '-field=role_id', 'auth/approle/role/ci/role-id'])).stdout;
  const secretId = (await run(['write', '-f', '-field=secret_id', 'auth/approle/role/ci/secret-id'])).stdout;
  r = await run(['login', '-method=approle', '-token-only', `role_id=${roleId}`, `secret_id=${secretId}`], { env: { VAULT_ADDR: c.addr, HOME: tempHome() } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^hvs\.[0-9A-Za-z]+$/);
  r = await run(['login', '-method=approle', '-no-store', `role_id=${roleId}`, `secret_id=${secretId}`], { env: noToken });
  assert.equal(r.code, 2, 'a used-up secret_id is refused');

  r = await run(['login', '-method=nope'], { env: noToken });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Unknown auth method: nope\./);
});

test('-wrap-ttl wraps any answer; unwrap returns it once', async () => {
  await run(['kv', 'put', 'secret/wrapped', 'a=b']);
  let r = await run(['kv', 'get', '-wrap-ttl=5m', '-format=json', 'secret/wrapped']);
  assert.equal(r.code, 0, r.stderr);
  const wrap = JSON.parse(r.stdout).wrap_info;
  assert.equal(wrap.ttl, 300);
  assert.equal(wrap.creation_path, 'secret/data/wrapped');
  r = await run(['unwrap', '-format=json', wrap.token]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).data.data, { a: 'b' });
  r = await run(['unwrap', wrap.token]);
  assert.equal(r.code, 2, 'single use');

  r = await run(['token', 'create', '-wrap-ttl=60', '-field=wrapping_token']);
  const wt = r.stdout;
  r = await run(['unwrap', '-field=token'], { env: { ...env, VAULT_TOKEN: wt } });
  assert.match(r.stdout, /^hvs\./, 'unwrap with the wrapping token as VAULT_TOKEN');
  await run(['auth', 'enable', '-path=approle-wrap', 'approle']);
  await run(['write', 'auth/approle-wrap/role/ci', 'token_policies=default']);
  r = await run(['write', '-wrap-ttl=2m', '-f', 'auth/approle-wrap/role/ci/secret-id']);
  assert.match(r.stdout, /^wrapping_token: +hvs\./m);
  assert.match(r.stdout, /^wrapping_token_ttl: +2m$/m);
});
