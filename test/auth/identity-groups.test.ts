import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCoffer, type TestCoffer } from '../support/server.js';

let c: TestCoffer;
before(async () => { c = await startCoffer(); });
after(async () => { await c.stop(); });

test('removing a user from a group removes its access on the next request', async () => {
  await c.api('POST', 'sys/auth/userpass', { type: 'userpass' });
  await c.api('POST', 'auth/userpass/users/dana', { password: 'pw' });
  await c.api('POST', 'sys/policy/team-a', { policy: 'path "secret/data/team-a/*" {\n  capabilities = ["create", "read", "update"]\n}\n' });
  await c.api('POST', 'secret/data/team-a/db', { data: { password: 'x' } });

  let r = await c.api('POST', 'auth/userpass/login/dana', { password: 'pw' }, '');
  const token = r.body.auth.client_token;
  const entityId = r.body.auth.entity_id;
  r = await c.api('GET', 'secret/data/team-a/db', undefined, token);
  assert.equal(r.status, 403, 'not in the group yet');

  r = await c.api('POST', 'identity/group', { name: 'team-a', policies: ['team-a'], member_entity_ids: [entityId] });
  assert.equal(r.status, 200);
  const groupId = r.body.data.id;
  r = await c.api('GET', 'secret/data/team-a/db', undefined, token);
  assert.equal(r.status, 200, 'group policy applies to an existing token at once');
  r = await c.api('GET', 'auth/token/lookup-self', undefined, token);
  assert.deepEqual(r.body.data.identity_policies, ['team-a']);

  r = await c.api('GET', `identity/group/id/${groupId}`);
  assert.deepEqual(r.body.data.member_entity_ids, [entityId]);
  r = await c.api('POST', `identity/group/id/${groupId}`, { member_entity_ids: [] });
  assert.equal(r.status, 204);
  r = await c.api('GET', 'secret/data/team-a/db', undefined, token);
  assert.equal(r.status, 403, 'removed from the group: denied on the next request');
});

test('nested groups pass policies down; cycles are refused', async () => {
  let r = await c.api('POST', 'identity/entity', { name: 'svc-1', policies: ['p-entity'] });
  const eid = r.body.data.id;
  r = await c.api('POST', 'identity/group', { name: 'inner', member_entity_ids: [eid], policies: ['p-inner'] });
  const inner = r.body.data.id;
  r = await c.api('POST', 'identity/group', { name: 'outer', member_group_ids: [inner], policies: ['p-outer'] });
  const outer = r.body.data.id;
  r = await c.api('GET', `identity/entity/id/${eid}`);
  assert.deepEqual(r.body.data.direct_group_ids, [inner]);
  assert.deepEqual(r.body.data.inherited_group_ids, [outer]);
  r = await c.api('POST', `identity/group/id/${inner}`, { member_group_ids: [outer] });
  assert.equal(r.status, 400);
  r = await c.api('LIST', 'identity/group/name');
  assert.ok(r.body.data.keys.includes('outer'));
  r = await c.api('GET', 'identity/group/name/outer');
  assert.equal(r.body.data.id, outer);
});

test('external groups follow group aliases', async () => {
  let r = await c.api('GET', 'sys/auth');
  const accessor = r.body.data['userpass/'].accessor;
  r = await c.api('POST', 'identity/group', { name: 'ext', type: 'external', policies: ['ext'] });
  const gid = r.body.data.id;
  r = await c.api('POST', 'identity/group', { name: 'ext2', type: 'external', member_entity_ids: ['x'] });
  assert.equal(r.status, 400);
  r = await c.api('POST', 'identity/group-alias', { name: 'devs', mount_accessor: accessor, canonical_id: gid });
  assert.equal(r.status, 200);
  r = await c.api('GET', `identity/group/id/${gid}`);
  assert.equal(r.body.data.alias.name, 'devs');
});

test('issue 3 "done when": a user in group team-a can issue certificates, removed from the group the next request is denied', async () => {
  let r = await c.api('POST', 'sys/mounts/pki-team', { type: 'pki', config: { max_lease_ttl: '24h' } });
  assert.equal(r.status, 204);
  r = await c.api('POST', 'pki-team/root/generate/internal', { common_name: 'team-a CA', key_type: 'ec', key_bits: 256, ttl: '24h' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await c.api('POST', 'pki-team/roles/dev', { allowed_domains: 'team-a.internal', allow_subdomains: true, key_type: 'ec', key_bits: 256, max_ttl: '1h' });
  assert.equal(r.status, 200, 'Vault answers a role write with the role');
  await c.api('POST', 'sys/policy/team-a-issuer', { policy: 'path "pki-team/issue/dev" {\n  capabilities = ["update"]\n}\n' });
  await c.api('POST', 'auth/userpass/users/frank', { password: 'pw' });
  r = await c.api('POST', 'auth/userpass/login/frank', { password: 'pw' }, '');
  const token = r.body.auth.client_token;
  const entityId = r.body.auth.entity_id;
  r = await c.api('POST', 'identity/group', { name: 'team-a-issuers', policies: ['team-a-issuer'], member_entity_ids: [entityId] });
  const groupId = r.body.data.id;

  r = await c.api('POST', 'pki-team/issue/dev', { common_name: 'svc.team-a.internal', ttl: '10m' }, token);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.match(r.body.data.certificate, /BEGIN CERTIFICATE/);

  r = await c.api('POST', `identity/group/id/${groupId}`, { member_entity_ids: [] });
  assert.equal(r.status, 204);
  r = await c.api('POST', 'pki-team/issue/dev', { common_name: 'svc.team-a.internal', ttl: '10m' }, token);
  assert.equal(r.status, 403);
});
