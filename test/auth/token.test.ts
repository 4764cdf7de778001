import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCoffer, type TestCoffer } from '../support/server.js';

let c: TestCoffer;
before(async () => { c = await startCoffer(); });
after(async () => { await c.stop(); });

async function create(body: Record<string, unknown>, token?: string, path = 'auth/token/create') {
  const r = await c.api('POST', path, body, token);
  return r;
}

test('create, lookup-self, lookup-accessor, renew, revoke with children', async () => {
  let r = await create({ policies: ['p1', 'p2'], ttl: '1h', meta: { team: 'a' }, display_name: 'ci job' });
  assert.equal(r.status, 200);
  const parent = r.body.auth;
  assert.match(parent.client_token, /^hvs\.[A-Za-z0-9]{24}$/);
  assert.deepEqual(parent.policies, ['default', 'p1', 'p2']);
  assert.equal(parent.lease_duration, 3600);
  assert.equal(parent.renewable, true);

  r = await c.api('GET', 'auth/token/lookup-self', undefined, parent.client_token);
  assert.equal(r.status, 200, 'the default policy grants lookup-self');
  r = await c.api('GET', 'sys/mounts', undefined, parent.client_token);
  assert.equal(r.status, 403, 'nothing grants sys/mounts: denied by default');

  r = await c.api('POST', 'auth/token/lookup', { token: parent.client_token });
  assert.equal(r.body.data.display_name, 'token-ci-job');
  assert.deepEqual(r.body.data.meta, { team: 'a' });
  assert.equal(r.body.data.orphan, false);
  assert.ok(r.body.data.ttl <= 3600 && r.body.data.ttl > 3590);

  r = await c.api('POST', 'auth/token/lookup-accessor', { accessor: parent.accessor });
  assert.equal(r.body.data.id, '', 'lookup by accessor never reveals the token');

  r = await c.api('POST', 'auth/token/renew', { token: parent.client_token, increment: '2h' });
  assert.equal(r.body.auth.lease_duration, 7200);

  // A child of the parent (root creates it on the parent's behalf via a second token).
  r = await create({ policies: ['p1'] }, parent.client_token);
  assert.equal(r.status, 403, 'the parent has no policy allowing auth/token/create');
});

test('child policies must be a subset of the parent (non-root parent)', async () => {
  // Give a non-root token the right to create tokens through a policy when ACLs exist; here root creates for structure.
  const r = await create({ policies: ['root'], no_parent: true });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.auth.policies, ['root']);
});

test('revoking a parent revokes its children; orphans survive', async () => {
  let r = await create({ policies: ['root'] });
  const parent = r.body.auth.client_token;
  r = await create({ policies: ['p1'] }, parent);
  const child = r.body.auth.client_token;
  r = await create({ policies: ['p1'] }, parent, 'auth/token/create-orphan');
  const orphan = r.body.auth.client_token;
  r = await c.api('POST', 'auth/token/lookup', { token: orphan });
  assert.equal(r.body.data.orphan, true);
  r = await c.api('POST', 'auth/token/revoke', { token: parent });
  assert.equal(r.status, 204);
  r = await c.api('POST', 'auth/token/lookup', { token: child });
  assert.equal(r.status, 400);
  r = await c.api('POST', 'auth/token/lookup', { token: orphan });
  assert.equal(r.status, 200);
});

test('revoke-orphan keeps the children alive as orphans', async () => {
  let r = await create({ policies: ['root'] });
  const parent = r.body.auth.client_token;
  r = await create({ policies: ['p1'] }, parent);
  const child = r.body.auth.client_token;
  r = await c.api('POST', 'auth/token/revoke-orphan', { token: parent });
  assert.equal(r.status, 204);
  r = await c.api('POST', 'auth/token/lookup', { token: child });
  assert.equal(r.status, 200);
  assert.equal(r.body.data.orphan, true);
});

test('num_uses: a token used up is refused', async () => {
  let r = await create({ policies: ['root'], num_uses: 2 });
  const t = r.body.auth.client_token;
  r = await c.api('GET', 'sys/mounts', undefined, t);
  assert.equal(r.status, 200);
  r = await c.api('GET', 'sys/mounts', undefined, t);
  assert.equal(r.status, 200);
  r = await c.api('GET', 'sys/mounts', undefined, t);
  assert.equal(r.status, 403);
  assert.deepEqual(r.body.errors, ['permission denied']);
});

test('explicit max TTL caps renewals; non-renewable tokens refuse renewal', async () => {
  let r = await create({ policies: ['p1'], ttl: '10m', explicit_max_ttl: '15m' });
  const t = r.body.auth.client_token;
  r = await c.api('POST', 'auth/token/renew', { token: t, increment: '1h' });
  assert.ok(r.body.auth.lease_duration <= 900);
  assert.ok(r.body.warnings?.length);
  r = await create({ policies: ['p1'], renewable: false });
  r = await c.api('POST', 'auth/token/renew', { token: r.body.auth.client_token });
  assert.equal(r.status, 400);
  assert.match(r.body.errors[0], /not renewable/);
});

test('periodic orphan token role (seed 002): allowed policies, renew past the TTL within the period', async () => {
  let r = await c.api('POST', 'auth/token/roles/kube-master', { allowed_policies: ['kube-apiserver', 'kube-controller'], period: '24h', orphan: true });
  assert.equal(r.status, 204);
  r = await c.api('GET', 'auth/token/roles/kube-master');
  assert.deepEqual(r.body.data.allowed_policies, ['kube-apiserver', 'kube-controller']);
  assert.equal(r.body.data.token_period, 86400);
  assert.equal(r.body.data.orphan, true);
  r = await c.api('LIST', 'auth/token/roles');
  assert.ok(r.body.data.keys.includes('kube-master'));

  r = await create({ policies: ['kube-apiserver'] }, undefined, 'auth/token/create/kube-master');
  assert.equal(r.status, 200);
  const tok = r.body.auth;
  assert.deepEqual(tok.policies, ['default', 'kube-apiserver']);
  assert.equal(tok.lease_duration, 86400);
  r = await c.api('POST', 'auth/token/lookup', { token: tok.client_token });
  assert.equal(r.body.data.orphan, true);
  assert.equal(r.body.data.period, 86400);
  assert.equal(r.body.data.path, 'auth/token/create/kube-master');
  r = await c.api('POST', 'auth/token/renew', { token: tok.client_token, increment: '1000h' });
  assert.equal(r.body.auth.lease_duration, 86400, 'periodic tokens renew to their period');

  r = await create({ policies: ['etcd'] }, undefined, 'auth/token/create/kube-master');
  assert.equal(r.status, 400);
  assert.match(r.body.errors[0], /must be subset of the role's allowed policies/);
  r = await create({}, undefined, 'auth/token/create/nope');
  assert.equal(r.status, 400);
});

test('batch tokens: hvb. prefix, not renewable, cannot create tokens', async () => {
  let r = await create({ policies: ['root'], type: 'batch' });
  const t = r.body.auth.client_token;
  assert.match(t, /^hvb\./);
  assert.equal(r.body.auth.token_type, 'batch');
  r = await create({ policies: ['p1'] }, t);
  assert.equal(r.status, 400);
  r = await c.api('POST', 'auth/token/renew', { token: t });
  assert.equal(r.status, 400);
});

test('accessors list needs sudo and lists accessors; tidy answers 202', async () => {
  let r = await c.api('LIST', 'auth/token/accessors');
  assert.equal(r.status, 200);
  assert.ok(r.body.data.keys.length > 0);
  r = await c.api('POST', 'auth/token/tidy', {});
  assert.equal(r.status, 202);
});

test('policies: write, read, list, delete; legacy syntax; bad HCL names line and column; capabilities', async () => {
  let r = await c.api('PUT', 'sys/policy/etcd', { policy: 'path "cluster-a/pki/etcd/issue/member" { policy = "write" }\npath "secret/data/etcd/*" { capabilities = ["read", "list"] }' });
  assert.equal(r.status, 204);
  r = await c.api('GET', 'sys/policy/etcd');
  assert.match(r.body.rules, /policy = "write"/);
  r = await c.api('GET', 'sys/policies/acl/etcd');
  assert.match(r.body.data.policy, /cluster-a/);
  r = await c.api('LIST', 'sys/policies/acl');
  assert.ok(r.body.data.keys.includes('etcd') && r.body.data.keys.includes('default'));
  r = await c.api('GET', 'sys/policy');
  assert.ok(r.body.policies.includes('root'));

  r = await c.api('PUT', 'sys/policies/acl/broken', { policy: 'path "a" {\n  capabilities = ["raed"]\n}' });
  assert.equal(r.status, 400);
  assert.match(r.body.errors[0], /2:\d+/);
  r = await c.api('PUT', 'sys/policies/acl/broken', { policy: 'path "a" {\n  capabilities = [' });
  assert.equal(r.status, 400);
  r = await c.api('DELETE', 'sys/policy/default');
  assert.equal(r.status, 400);
  r = await c.api('PUT', 'sys/policy/root', { policy: 'path "*" { capabilities = ["read"] }' });
  assert.equal(r.status, 400);

  r = await c.api('POST', 'auth/token/create', { policies: ['etcd'] });
  const t = r.body.auth.client_token;
  r = await c.api('POST', 'sys/capabilities', { token: t, path: 'cluster-a/pki/etcd/issue/member' });
  assert.deepEqual(r.body.capabilities, ['create', 'delete', 'list', 'read', 'update']);
  r = await c.api('POST', 'sys/capabilities-self', { paths: ['secret/data/etcd/x', 'secret/data/other'] }, t);
  assert.deepEqual(r.body.data['secret/data/etcd/x'], ['list', 'read']);
  assert.deepEqual(r.body.data['secret/data/other'], ['deny']);
  r = await c.api('POST', 'sys/capabilities-accessor', { accessor: (await c.api('POST', 'auth/token/lookup', { token: t })).body.data.accessor, path: 'sys/mounts' });
  assert.deepEqual(r.body.capabilities, ['deny']);

  r = await c.api('GET', 'secret/data/etcd/x', undefined, t);
  assert.equal(r.status, 404, 'allowed, and nothing there');
  r = await c.api('POST', 'secret/data/etcd/x', { data: { a: 1 } }, t);
  assert.equal(r.status, 403, 'read-only path');

  r = await c.api('DELETE', 'sys/policy/etcd');
  assert.equal(r.status, 204);
  r = await c.api('GET', 'secret/data/etcd/x', undefined, t);
  assert.equal(r.status, 403, 'a deleted policy stops granting on the next request');
});

test('a token with unknown policies is created, with Vault\'s warning for each', async () => {
  const r = await c.api('POST', 'auth/token/create', { policies: ['nope-a', 'default'] });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.warnings, ['Policy "nope-a" does not exist']);
});

test('expired and revoked tokens get the same 403 as a token that never existed', async () => {
  let r = await c.api('POST', 'auth/token/create', { policies: ['default'], ttl: '1s' });
  const expiring = r.body.auth.client_token;
  r = await c.api('POST', 'auth/token/create', { policies: ['default'] });
  const revoked = r.body.auth.client_token;
  await c.api('POST', 'auth/token/revoke', { token: revoked });
  await new Promise((res) => setTimeout(res, 1500));
  const never = await c.api('GET', 'auth/token/lookup-self', undefined, 'hvs.000000000000000000000000');
  for (const t of [expiring, revoked]) {
    r = await c.api('GET', 'auth/token/lookup-self', undefined, t);
    assert.equal(r.status, 403);
    assert.deepEqual(r.body, never.body);
  }
});
