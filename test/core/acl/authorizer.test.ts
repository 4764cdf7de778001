import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogicalView } from '../../../src/framework/logical.js';
import type { Operation, Request } from '../../../src/framework/types.js';
import { MemoryStorage } from '../../../src/storage/memory.js';
import { PolicyStore } from '../../../src/core/policy/policy-store.js';
import { IdentityStore } from '../../../src/core/identity/identity-store.js';
import type { TokenEntry } from '../../../src/core/tokens/token-entry.js';
import type { RouteEntry } from '../../../src/core/mounts/router.js';
import { CofferError } from '../../../src/lib/errors.js';
import { AclAuthorizer, DEFAULT_POLICY, validatePolicy } from '../../../src/core/acl/index.js';

// Real policy and identity stores on memory storage; only the request and token are hand-made.
async function setup() {
  const storage = new MemoryStorage();
  const policies = new PolicyStore(new LogicalView(storage, 'sys/policy/'), validatePolicy);
  await policies.ensureDefault(DEFAULT_POLICY);
  const identity = new IdentityStore(new LogicalView(storage, 'sys/identity/'));
  await identity.load();
  const authz = new AclAuthorizer({ policies, identity: () => identity });
  return { policies, identity, authz };
}

function token(policies: string[], entityId = ''): TokenEntry {
  return {
    id: 'hvs.x', accessor: 'acc', parent: '', policies, path: 'auth/token/create', meta: null, display_name: 'token', num_uses: 0,
    creation_time: 0, ttl: 3600, expire_time: 0, explicit_max_ttl: 0, period: 0, renewable: true, type: 'service', entity_id: entityId, bound_cidrs: [], role: '',
  };
}

function request(operation: Operation, fullPath: string, data: Record<string, unknown> = {}, extra: Partial<Request> = {}): Request {
  return { id: 'r', operation, fullPath, path: fullPath, data, query: {}, headers: {}, clientToken: 'hvs.x', mountPoint: '', mountType: '', mountAccessor: '', remoteAddr: '127.0.0.1', ...extra };
}

const route = {} as RouteEntry;

test('malformed policies are refused on write with a 400 naming line and column', async () => {
  const { policies } = await setup();
  await assert.rejects(policies.set('bad', 'path "a" {\n  capabilities = ["read"\n}'), (e: unknown) => {
    assert.ok(e instanceof CofferError);
    assert.equal(e.status, 400);
    assert.equal(e.message, "failed to parse policy: At 3:1: expected ',' or ']' in list, found '}'");
    return true;
  });
  await assert.rejects(policies.set('bad', 'path "a" { capabilities = ["fly"] }'), /invalid capability "fly"/);
});

test('policy changes take effect on the next request', async () => {
  const { policies, authz } = await setup();
  await policies.set('app', 'path "secret/data/app/*" { capabilities = ["read"] }');
  const t = token(['default', 'app']);
  assert.equal((await authz.authorize({ req: request('read', 'secret/data/app/db'), token: t, route, needsSudo: false })).allowed, true);
  await policies.set('app', 'path "secret/data/app/*" { capabilities = ["deny"] }');
  assert.equal((await authz.authorize({ req: request('read', 'secret/data/app/db'), token: t, route, needsSudo: false })).allowed, false);
  await policies.delete('app');
  assert.deepEqual(await authz.capabilities(t, 'secret/data/app/db'), ['deny']);
  assert.deepEqual(await authz.capabilities(t, 'auth/token/lookup-self'), ['read']);
});

test('group membership grants and its removal revokes on the next request', async () => {
  const { policies, identity, authz } = await setup();
  await policies.set('issuer', 'path "pki/issue/web" { capabilities = ["update"] }');
  const entity = await identity.upsertEntity({ name: 'alice' });
  const group = await identity.upsertGroup({ name: 'team-a', policies: ['issuer'], member_entity_ids: [entity.id] });
  const t = token(['default'], entity.id);
  const issue = () => authz.authorize({ req: request('update', 'pki/issue/web', { common_name: 'a.example.com' }), token: t, route, needsSudo: false });
  assert.equal((await issue()).allowed, true);
  assert.deepEqual(await authz.identityPolicies(t), ['issuer']);
  await identity.upsertGroup({ id: group.id, member_entity_ids: [] });
  assert.equal((await issue()).allowed, false);
  assert.deepEqual(await authz.identityPolicies(t), []);
});

test('templated paths use the token\'s entity, aliases and groups', async () => {
  const { policies, identity, authz } = await setup();
  await policies.set('per-user', 'path "secret/data/{{identity.entity.name}}/*" { capabilities = ["read"] }\npath "kv/{{identity.entity.aliases.auth_userpass_1.name}}" { capabilities = ["read"] }\npath "teams/{{identity.groups.names.ops.id}}/*" { capabilities = ["list"] }');
  const entity = await identity.upsertEntity({ name: 'bob' });
  await identity.upsertAlias({ canonical_id: entity.id, mount_accessor: 'auth_userpass_1', name: 'bob-login' });
  const ops = await identity.upsertGroup({ name: 'ops', member_entity_ids: [entity.id] });
  const t = token(['default', 'per-user'], entity.id);
  const can = async (op: Operation, p: string) => (await authz.authorize({ req: request(op, p), token: t, route, needsSudo: false })).allowed;
  assert.equal(await can('read', 'secret/data/bob/x'), true);
  assert.equal(await can('read', 'secret/data/alice/x'), false);
  assert.equal(await can('read', 'kv/bob-login'), true);
  assert.equal(await can('list', `teams/${ops.id}/`), true);
  assert.equal(await can('read', `identity/entity/id/${entity.id}`), true, 'default policy, templated');
  await identity.upsertEntity({ id: entity.id, name: 'robert' });
  assert.equal(await can('read', 'secret/data/bob/x'), false, 'a rename changes the rendering');
  assert.equal(await can('read', 'secret/data/robert/x'), true);
});

test('sudo paths need sudo; disabled entities are refused', async () => {
  const { policies, identity, authz } = await setup();
  await policies.set('audit-admin', 'path "sys/audit/*" { capabilities = ["create", "update", "sudo"] }');
  await policies.set('audit-nosudo', 'path "sys/audit/*" { capabilities = ["create", "update"] }');
  const req = request('update', 'sys/audit/file', { type: 'file' });
  assert.equal((await authz.authorize({ req, token: token(['audit-admin']), route, needsSudo: true })).allowed, true);
  const denied = await authz.authorize({ req, token: token(['audit-nosudo']), route, needsSudo: true });
  assert.equal(denied.allowed, false);
  assert.match(denied.reason ?? '', /sudo/);
  assert.equal(await authz.hasSudo(token(['audit-admin']), 'sys/audit/file'), true);
  const entity = await identity.upsertEntity({ name: 'carol', policies: ['audit-admin'] });
  const t = token(['default'], entity.id);
  assert.equal((await authz.authorize({ req, token: t, route, needsSudo: true })).allowed, true);
  await identity.upsertEntity({ id: entity.id, disabled: true });
  assert.equal((await authz.authorize({ req, token: t, route, needsSudo: true })).allowed, false);
  assert.deepEqual(await authz.capabilities(t, 'sys/audit/file'), ['deny']);
});

test('root tokens, parameters from the query on reads, wrapping TTL from the request', async () => {
  const { policies, authz } = await setup();
  assert.deepEqual(await authz.capabilities(token(['root']), 'anything'), ['root']);
  await policies.set('v', 'path "secret/data/x" {\n  capabilities = ["read"]\n  allowed_parameters = { "version" = ["1"] }\n}\npath "secret/data/w" {\n  capabilities = ["read"]\n  max_wrapping_ttl = "5m"\n}');
  const t = token(['v']);
  const read = (q: Record<string, string>, wrapTTL?: number, p = 'secret/data/x') => authz.authorize({ req: request('read', p, {}, { query: q, wrapTTL }), token: t, route, needsSudo: false });
  assert.equal((await read({ version: '1' })).allowed, true);
  assert.equal((await read({ version: '2' })).allowed, false);
  assert.equal((await read({}, undefined, 'secret/data/w')).allowed, false);
  assert.equal((await read({}, 300, 'secret/data/w')).allowed, true);
  assert.equal(await authz.hasMountAccess(t, 'secret/'), true);
  assert.equal(await authz.hasMountAccess(t, 'other/'), false);
});

test('response-wrapping tokens get the fixed built-in policy', async () => {
  const { authz } = await setup();
  const t = token(['response-wrapping']);
  assert.deepEqual(await authz.capabilities(t, 'cubbyhole/response'), ['create', 'read']);
  assert.deepEqual(await authz.capabilities(t, 'sys/wrapping/unwrap'), ['update']);
  assert.deepEqual(await authz.capabilities(t, 'cubbyhole/other'), ['deny']);
});
