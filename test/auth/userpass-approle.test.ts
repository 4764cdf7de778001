import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCoffer, type TestCoffer } from '../support/server.js';

let c: TestCoffer;
before(async () => { c = await startCoffer(); });
after(async () => { await c.stop(); });

test('userpass: create a user, log in, same error for wrong password and unknown user', async () => {
  let r = await c.api('POST', 'sys/auth/userpass', { type: 'userpass' });
  assert.equal(r.status, 204);
  r = await c.api('POST', 'auth/userpass/users/Alice', { password: 's3cret', token_policies: 'dev,ops', token_ttl: '1h' });
  assert.equal(r.status, 204);
  r = await c.api('GET', 'auth/userpass/users/alice');
  assert.deepEqual(r.body.data.token_policies, ['dev', 'ops']);
  assert.equal(r.body.data.token_ttl, 3600);
  assert.equal(r.body.data.password, undefined);
  assert.equal(r.body.data.password_hash, undefined);
  r = await c.api('LIST', 'auth/userpass/users');
  assert.deepEqual(r.body.data.keys, ['alice']);

  r = await c.api('POST', 'auth/userpass/login/alice', { password: 's3cret' }, '');
  assert.equal(r.status, 200);
  const auth = r.body.auth;
  assert.deepEqual(auth.policies, ['default', 'dev', 'ops']);
  assert.deepEqual(auth.metadata, { username: 'alice' });
  assert.equal(auth.lease_duration, 3600);
  assert.ok(auth.entity_id, 'an entity is created at first login');

  r = await c.api('POST', 'auth/token/lookup', { token: auth.client_token });
  assert.equal(r.body.data.display_name, 'userpass-alice');
  assert.equal(r.body.data.path, 'auth/userpass/login/alice');

  const wrong = await c.api('POST', 'auth/userpass/login/alice', { password: 'nope' }, '');
  const unknown = await c.api('POST', 'auth/userpass/login/mallory', { password: 'nope' }, '');
  assert.equal(wrong.status, 400);
  assert.deepEqual(wrong.body, unknown.body);
  assert.deepEqual(wrong.body.errors, ['invalid username or password']);

  r = await c.api('POST', 'auth/userpass/login/alice', { password: 's3cret' }, '');
  assert.equal(r.body.auth.entity_id, auth.entity_id, 'the same alias maps to the same entity');
  r = await c.api('GET', `identity/entity/id/${auth.entity_id}`);
  assert.equal(r.body.data.aliases[0].name, 'alice');
  assert.equal(r.body.data.aliases[0].mount_type, 'userpass');

  r = await c.api('POST', 'auth/userpass/users/bob', { token_policies: 'x' });
  assert.equal(r.status, 400, 'a new user needs a password');
  r = await c.api('POST', 'auth/userpass/users/bob', { password: 'x', token_ttl: 'soon' });
  assert.equal(r.status, 400);
  assert.match(r.body.errors[0], /token_ttl/);
});

test('approle: role, role_id, secret_id with num_uses and CIDRs, login', async () => {
  let r = await c.api('POST', 'sys/auth/approle', { type: 'approle' });
  r = await c.api('POST', 'auth/approle/role/ci', { token_policies: ['ci'], secret_id_num_uses: 2, token_ttl: '20m' });
  assert.equal(r.status, 204);
  r = await c.api('GET', 'auth/approle/role/ci/role-id');
  const roleId = r.body.data.role_id;
  assert.match(roleId, /^[0-9a-f-]{36}$/);
  r = await c.api('POST', 'auth/approle/role/ci/secret-id', { metadata: '{"job":"build"}' });
  const { secret_id, secret_id_accessor } = r.body.data;
  assert.ok(secret_id && secret_id_accessor);

  r = await c.api('POST', 'auth/approle/login', { role_id: roleId, secret_id }, '');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.auth.policies, ['ci', 'default']);
  assert.deepEqual(r.body.auth.metadata, { role_name: 'ci', job: 'build' });
  assert.equal(r.body.auth.lease_duration, 1200);

  r = await c.api('POST', 'auth/approle/role/ci/secret-id-accessor/lookup', { secret_id_accessor });
  assert.equal(r.body.data.secret_id_num_uses, 1);
  r = await c.api('POST', 'auth/approle/login', { role_id: roleId, secret_id }, '');
  assert.equal(r.status, 200);
  r = await c.api('POST', 'auth/approle/login', { role_id: roleId, secret_id }, '');
  assert.equal(r.status, 400, 'secret_id used up');
  assert.deepEqual(r.body.errors, ['invalid role or secret ID']);

  r = await c.api('POST', 'auth/approle/login', { role_id: 'nope', secret_id: 'nope' }, '');
  assert.deepEqual(r.body.errors, ['invalid role or secret ID']);

  r = await c.api('POST', 'auth/approle/role/ci/secret-id', { cidr_list: '10.0.0.0/8' });
  r = await c.api('POST', 'auth/approle/login', { role_id: roleId, secret_id: r.body.data.secret_id }, '');
  assert.equal(r.status, 400);
  assert.match(r.body.errors[0], /unauthorized through CIDR restrictions/);

  r = await c.api('POST', 'auth/approle/role/ci/secret-id', { cidr_list: '127.0.0.0/8' });
  r = await c.api('POST', 'auth/approle/login', { role_id: roleId, secret_id: r.body.data.secret_id }, '');
  assert.equal(r.status, 200);

  r = await c.api('POST', 'auth/approle/role/ci/secret-id', { num_uses: -1 });
  assert.equal(r.status, 400);
});

test('approle: a wrapped secret_id is delivered once (secret zero)', async () => {
  await c.api('POST', 'auth/approle/role/app', { token_policies: ['app'] });
  let r = await c.api('POST', 'auth/approle/role/app/secret-id', {}, undefined, { 'x-vault-wrap-ttl': '60s' });
  assert.equal(r.status, 200);
  assert.equal(r.body.data, null);
  const wrap = r.body.wrap_info;
  assert.equal(wrap.ttl, 60);
  assert.equal(wrap.creation_path, 'auth/approle/role/app/secret-id');
  r = await c.api('POST', 'sys/wrapping/lookup', { token: wrap.token }, '');
  assert.equal(r.body.data.creation_path, 'auth/approle/role/app/secret-id');
  r = await c.api('POST', 'sys/wrapping/unwrap', {}, wrap.token);
  assert.equal(r.status, 200);
  const secretId = r.body.data.secret_id;
  assert.ok(secretId);
  r = await c.api('POST', 'sys/wrapping/unwrap', {}, wrap.token);
  assert.equal(r.status, 400, 'unwrapping twice fails');
  r = await c.api('GET', 'auth/approle/role/app/role-id');
  r = await c.api('POST', 'auth/approle/login', { role_id: r.body.data.role_id, secret_id: secretId }, '');
  assert.equal(r.status, 200);
});

test('sys/wrapping/wrap and rewrap', async () => {
  let r = await c.api('POST', 'sys/wrapping/wrap', { hello: 'world' }, undefined, { 'x-vault-wrap-ttl': '5m' });
  const t1 = r.body.wrap_info.token;
  r = await c.api('POST', 'sys/wrapping/rewrap', { token: t1 });
  const t2 = r.body.wrap_info.token;
  assert.notEqual(t1, t2);
  r = await c.api('POST', 'sys/wrapping/unwrap', { token: t1 });
  assert.equal(r.status, 400);
  r = await c.api('POST', 'sys/wrapping/unwrap', { token: t2 });
  assert.deepEqual(r.body.data, { hello: 'world' });
});

test('renewing a login token asks the auth method again: a deleted user cannot renew', async () => {
  await c.api('POST', 'auth/userpass/users/erin', { password: 'pw', token_ttl: '10m', token_max_ttl: '30m' });
  let r = await c.api('POST', 'auth/userpass/login/erin', { password: 'pw' }, '');
  const t = r.body.auth.client_token;
  r = await c.api('POST', 'auth/token/renew-self', { increment: '2h' }, t);
  assert.equal(r.status, 200);
  assert.ok(r.body.auth.lease_duration <= 1800, 'capped by the user\'s token_max_ttl');
  await c.api('DELETE', 'auth/userpass/users/erin');
  r = await c.api('POST', 'auth/token/renew-self', {}, t);
  assert.equal(r.status, 400);
});

test('internal/ui/mounts lists only the mounts a token can reach', async () => {
  await c.api('PUT', 'sys/policy/only-secret', { policy: 'path "secret/data/x" { capabilities = ["read"] }' });
  await c.api('POST', 'sys/mounts/hidden-kv', { type: 'kv' });
  const r0 = await c.api('POST', 'auth/token/create', { policies: ['only-secret'] });
  const r = await c.api('GET', 'sys/internal/ui/mounts', undefined, r0.body.auth.client_token);
  assert.ok(r.body.data.secret['secret/']);
  assert.equal(r.body.data.secret['hidden-kv/'], undefined);
});
