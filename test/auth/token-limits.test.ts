/**
 * Limits a token carries must reach the tokens it makes, as in Vault: a restricted-use token
 * makes no children, a child stays bound to its parent's CIDRs, a role's token_num_uses is a
 * ceiling, and an AppRole secret ID can narrow its role's CIDR lists but never widen them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCoffer, type TestCoffer } from '../support/server.js';

let c: TestCoffer;
before(async () => {
  c = await startCoffer();
  const r = await c.api('PUT', 'sys/policies/acl/creator', { policy: 'path "auth/token/create*" { capabilities = ["create", "update"] }' });
  assert.equal(r.status, 204);
});
after(async () => { await c.stop(); });

const lookup = async (token: string) => (await c.api('POST', 'auth/token/lookup', { token })).body.data;

test('a token with a use limit cannot create child tokens', async () => {
  const limited = (await c.api('POST', 'auth/token/create', { policies: ['creator'], num_uses: 3 })).body.auth.client_token;
  const r = await c.api('POST', 'auth/token/create', { policies: ['creator'] }, limited);
  assert.equal(r.status, 400);
  assert.deepEqual(r.body.errors, ['restricted use token cannot generate child tokens']);
  const unlimited = (await c.api('POST', 'auth/token/create', { policies: ['creator'] })).body.auth.client_token;
  assert.equal((await c.api('POST', 'auth/token/create', { policies: ['creator'] }, unlimited)).status, 200);
});

test('a child keeps its parent\'s bound CIDRs unless a role sets its own', async () => {
  assert.equal((await c.api('POST', 'auth/token/roles/local', { allowed_policies: ['creator'], token_bound_cidrs: ['127.0.0.1/32'] })).status, 204);
  assert.equal((await c.api('POST', 'auth/token/roles/wide', { allowed_policies: ['creator'], token_bound_cidrs: ['127.0.0.0/8'] })).status, 204);
  const parent = (await c.api('POST', 'auth/token/create/local', { policies: ['creator'] })).body.auth.client_token;
  assert.deepEqual((await lookup(parent)).bound_cidrs, ['127.0.0.1/32']);

  const child = await c.api('POST', 'auth/token/create', { policies: ['creator'] }, parent);
  assert.equal(child.status, 200, JSON.stringify(child.body));
  assert.deepEqual((await lookup(child.body.auth.client_token)).bound_cidrs, ['127.0.0.1/32'], 'inherited');
  const grandchild = await c.api('POST', 'auth/token/create', { policies: ['creator'] }, child.body.auth.client_token);
  assert.deepEqual((await lookup(grandchild.body.auth.client_token)).bound_cidrs, ['127.0.0.1/32'], 'and on down the tree');

  const viaRole = await c.api('POST', 'auth/token/create/wide', { policies: ['creator'] }, parent);
  assert.deepEqual((await lookup(viaRole.body.auth.client_token)).bound_cidrs, ['127.0.0.0/8'], 'a role\'s own CIDRs replace them');
  const free = await c.api('POST', 'auth/token/create', { policies: ['creator'] });
  assert.equal((await lookup(free.body.auth.client_token)).bound_cidrs, undefined, 'an unbound parent makes unbound children');
});

test('a role\'s token_num_uses is a ceiling on what a request may ask for', async () => {
  assert.equal((await c.api('POST', 'auth/token/roles/few', { token_num_uses: 5 })).status, 204);
  const uses = async (body: Record<string, unknown>) => (await lookup((await c.api('POST', 'auth/token/create/few', body)).body.auth.client_token)).num_uses;
  assert.equal(await uses({ num_uses: 1000 }), 5);
  assert.equal(await uses({ num_uses: 2 }), 2);
  assert.equal(await uses({}), 5);
});

test('an AppRole secret ID may narrow the role\'s CIDR lists, never widen them', async () => {
  await c.api('POST', 'sys/auth/approle', { type: 'approle' });
  assert.equal((await c.api('POST', 'auth/approle/role/ci', { secret_id_bound_cidrs: ['10.0.0.0/8', '127.0.0.0/8'], token_bound_cidrs: ['127.0.0.0/8'] })).status, 204);
  const issue = (body: Record<string, unknown>) => c.api('POST', 'auth/approle/role/ci/secret-id', body);

  let r = await issue({ token_bound_cidrs: ['0.0.0.0/0'] });
  assert.equal(r.status, 400);
  assert.deepEqual(r.body.errors, ['failed to verify subset relationship between CIDR blocks on the role ["127.0.0.0/8"] and CIDR blocks on the secret ID ["0.0.0.0/0"]']);
  r = await issue({ cidr_list: ['10.1.0.0/16', '192.168.0.0/16'] });
  assert.equal(r.status, 400);
  assert.match(r.body.errors[0], /^failed to verify subset relationship between CIDR blocks on the role \["10\.0\.0\.0\/8" "127\.0\.0\.0\/8"\]/);
  r = await issue({ cidr_list: ['not-a-cidr'] });
  assert.deepEqual(r.body.errors, ['invalid CIDR "not-a-cidr" in cidr_list']);
  r = await issue({ token_bound_cidrs: ['::1/128'] });
  assert.equal(r.status, 400, 'an IPv6 block is not inside an IPv4 one');
  assert.deepEqual((await c.api('LIST', 'auth/approle/role/ci/secret-id')).body.data?.keys ?? [], [], 'nothing was issued');

  r = await issue({ cidr_list: ['10.1.0.0/16', '127.0.0.1'], token_bound_cidrs: ['127.0.0.1/32'], wrap_ttl: '5m' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.match(r.body.data.secret_id, /^[0-9a-f-]{36}$/, 'a body wrap_ttl wraps nothing: Vault wraps only on X-Vault-Wrap-TTL');
  assert.ok((r.body.warnings ?? []).some((w: string) => w.includes('wrap_ttl')), JSON.stringify(r.body.warnings));
  const roleId = (await c.api('GET', 'auth/approle/role/ci/role-id')).body.data.role_id;
  const login = await c.api('POST', 'auth/approle/login', { role_id: roleId, secret_id: r.body.data.secret_id });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  assert.deepEqual((await lookup(login.body.auth.client_token)).bound_cidrs, ['127.0.0.1/32'], 'the narrower list binds the token');
});

test('a userpass token is not renewed once the user\'s policies have changed', async () => {
  await c.api('POST', 'sys/auth/userpass', { type: 'userpass' });
  assert.equal((await c.api('POST', 'auth/userpass/users/ana', { password: 'pw-ana-1', token_policies: ['creator'] })).status, 204);
  const token = (await c.api('POST', 'auth/userpass/login/ana', { password: 'pw-ana-1' })).body.auth.client_token;
  assert.equal((await c.api('POST', 'auth/token/renew-self', {}, token)).status, 200);
  await c.api('POST', 'auth/userpass/users/ana', { token_policies: ['creator', 'admin'] });
  const r = await c.api('POST', 'auth/token/renew-self', {}, token);
  assert.equal(r.status, 400);
  assert.deepEqual(r.body.errors, ['policies have changed, not renewing']);
});

test('an auth mount\'s token_type decides the type of its logins\' tokens, as Vault\'s router does', async () => {
  await c.api('POST', 'sys/auth/up', { type: 'userpass' });
  const user = (name: string, tokenType: string) => c.api('POST', `auth/up/users/${name}`, { password: 'pw-long-enough', token_type: tokenType });
  const loginType = async (name: string) => {
    const r = await c.api('POST', `auth/up/login/${name}`, { password: 'pw-long-enough' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.auth.token_type, (await lookup(r.body.auth.client_token)).type);
    return r.body.auth.token_type as string;
  };
  await user('plain', 'default');
  await user('wants-batch', 'default-batch');
  await user('service-only', 'service');
  assert.equal(await loginType('plain'), 'service');
  assert.equal(await loginType('wants-batch'), 'batch', 'a role\'s default-batch is batch under the mount default');

  const tune = (v: string) => c.api('POST', 'sys/auth/up/tune', { token_type: v });
  assert.equal((await tune('batch')).status, 204);
  assert.equal((await c.api('GET', 'sys/auth/up/tune')).body.data.token_type, 'batch');
  assert.equal(await loginType('service-only'), 'batch', 'the mount forces batch');
  assert.equal((await tune('default-batch')).status, 204);
  assert.equal(await loginType('plain'), 'batch');
  assert.equal(await loginType('service-only'), 'service');
  assert.equal((await tune('service')).status, 204);
  assert.equal(await loginType('wants-batch'), 'service', 'the mount forces service');

  assert.deepEqual((await tune('sometimes')).body.errors, ["invalid value for 'token_type'"]);
  assert.deepEqual((await c.api('POST', 'sys/auth/token/tune', { token_type: 'batch' })).body.errors, ["'token_type' cannot be set for 'token' or 'ns_token' auth mounts"]);
  assert.deepEqual((await c.api('POST', 'sys/mounts/secret/tune', { token_type: 'batch' })).body.errors, ["'token_type' can only be modified on auth mounts"]);
});

test('a userpass login from outside the user\'s token_bound_cidrs is refused, not handed an unusable token', async () => {
  await c.api('POST', 'sys/auth/userpass', { type: 'userpass' });
  await c.api('POST', 'auth/userpass/users/far', { password: 'pw-far-away', token_bound_cidrs: ['10.0.0.0/8'] });
  const r = await c.api('POST', 'auth/userpass/login/far', { password: 'pw-far-away' });
  assert.equal(r.status, 403);
  assert.deepEqual(r.body.errors, ['permission denied']);
  await c.api('POST', 'auth/userpass/users/far', { token_bound_cidrs: ['127.0.0.0/8'] });
  assert.equal((await c.api('POST', 'auth/userpass/login/far', { password: 'pw-far-away' })).status, 200);
});

test('periods: asking for one needs sudo even through a role; with a role\'s period too, the lesser wins', async () => {
  assert.equal((await c.api('POST', 'auth/token/roles/periodic', { token_period: '1h', allowed_policies: ['creator'] })).status, 204);
  const creator = (await c.api('POST', 'auth/token/create', { policies: ['creator'] })).body.auth.client_token;
  const r = await c.api('POST', 'auth/token/create/periodic', { period: '2h' }, creator);
  assert.deepEqual(r.body.errors, ['root or sudo privileges required to create periodic token']);
  const period = async (body: Record<string, unknown>, token?: string) => (await lookup((await c.api('POST', 'auth/token/create/periodic', body, token)).body.auth.client_token)).period;
  assert.equal(await period({}, creator), 3600, 'the role\'s period without asking');
  assert.equal(await period({ period: '2h' }), 3600);
  assert.equal(await period({ period: '30m' }), 1800);
});
