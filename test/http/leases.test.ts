/** Issue 4, lease manager over real HTTP: expiry, renew caps, prefix and token-cascade revocation, retries. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { leaseDefaults, LeaseManager } from '../../src/core/leases/lease-manager.js';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { calls, waitFor } from './lease-fixture.js';

let c: TestCoffer;
const manager = () => c.core.services.leases as LeaseManager;

before(async () => {
  leaseDefaults.retryBaseMs = 50;
  leaseDefaults.revokeTimeoutMs = 1000;
  c = await startCoffer();
  assert.equal((await c.api('POST', 'sys/mounts/lt', { type: 'leasetest' })).status, 204);
});
after(async () => { await c.stop(); });

async function role(name: string, body: Record<string, unknown>): Promise<void> {
  const r = await c.api('POST', `lt/roles/${name}`, body);
  assert.equal(r.status, 204, JSON.stringify(r.body));
}

async function creds(name: string, token?: string): Promise<{ lease_id: string; lease_duration: number; renewable: boolean; username: string }> {
  const r = await c.api('GET', `lt/creds/${name}`, undefined, token);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { lease_id: r.body.lease_id, lease_duration: r.body.lease_duration, renewable: r.body.renewable, username: r.body.data.username };
}

test('a leased secret carries Vault\'s lease fields and expires on time through the backend', async () => {
  await role('short', { ttl: '1s' });
  const s = await creds('short');
  assert.match(s.lease_id, /^lt\/creds\/short\/[0-9A-Za-z]{24}$/);
  assert.equal(s.lease_duration, 1);
  assert.equal(s.renewable, true);
  const look = await c.api('PUT', 'sys/leases/lookup', { lease_id: s.lease_id });
  assert.equal(look.status, 200);
  assert.equal(look.body.data.id, s.lease_id);
  assert.equal(look.body.data.renewable, true);
  assert.ok(look.body.data.ttl <= 1);
  await waitFor('revocation at expiry', () => calls.revoked.includes(s.username), 4000);
  const gone = await c.api('PUT', 'sys/leases/lookup', { lease_id: s.lease_id });
  assert.deepEqual([gone.status, gone.body.errors], [400, ['invalid lease']]);
});

test('renew: increment capped by the secret\'s max TTL and the mount\'s, Vault\'s errors', async () => {
  await role('capped', { ttl: '60s', max_ttl: '90s' });
  const s = await creds('capped');
  let r = await c.api('PUT', 'sys/leases/renew', { lease_id: s.lease_id, increment: '1h' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.lease_id, s.lease_id);
  assert.ok(r.body.lease_duration <= 90 && r.body.lease_duration >= 88, String(r.body.lease_duration));
  assert.match(r.body.warnings[0], /exceeded the effective max_ttl/);
  assert.ok(calls.renewed.includes(s.username));

  // Legacy sys/renew with the id in the URL, increment within bounds.
  r = await c.api('PUT', `sys/renew/${s.lease_id}`, { increment: 30 });
  assert.equal(r.status, 200);
  assert.equal(r.body.lease_duration, 30);

  // The mount's max TTL caps renewals too.
  assert.equal((await c.api('POST', 'sys/mounts/lt/tune', { max_lease_ttl: '40s' })).status, 204);
  await role('mountcap', { ttl: '10s' });
  const m = await creds('mountcap');
  r = await c.api('PUT', 'sys/leases/renew', { lease_id: m.lease_id, increment: 3600 });
  assert.ok(r.body.lease_duration <= 40 && r.body.lease_duration >= 38, String(r.body.lease_duration));
  assert.equal((await c.api('POST', 'sys/mounts/lt/tune', { max_lease_ttl: '0' })).status, 204);

  await role('fixed', { ttl: '60s', renewable: false });
  const f = await creds('fixed');
  assert.equal(f.renewable, false);
  const cases: [string, unknown, number, string][] = [
    ['non-renewable', { lease_id: f.lease_id }, 400, 'lease is not renewable'],
    ['unknown id', { lease_id: 'lt/creds/fixed/nope' }, 400, 'lease not found'],
    ['forged path', { lease_id: '../../sys/token/x' }, 400, 'invalid lease ID'],
    ['missing id', {}, 400, 'lease_id must be specified'],
  ];
  for (const [name, body, status, msg] of cases) {
    r = await c.api('PUT', 'sys/leases/renew', body);
    assert.deepEqual([r.status, r.body.errors?.[0]], [status, msg], name);
  }
  r = await c.api('PUT', 'sys/leases/lookup', { lease_id: 'a/../b' });
  assert.deepEqual([r.status, r.body.errors?.[0]], [400, 'invalid lease ID']);
});

test('revoke-prefix revokes exactly the leases under it; LIST shows what is left', async () => {
  await role('pa', { ttl: '1h' });
  await role('pb', { ttl: '1h' });
  const a = [await creds('pa'), await creds('pa'), await creds('pa')];
  const b = await creds('pb');
  let r = await c.api('LIST', 'sys/leases/lookup/lt/creds/pa/');
  assert.equal(r.status, 200);
  assert.equal(r.body.data.keys.length, 3);
  r = await c.api('LIST', 'sys/leases/lookup/lt/creds/');
  assert.ok(r.body.data.keys.includes('pa/') && r.body.data.keys.includes('pb/'));
  r = await c.api('PUT', 'sys/leases/revoke-prefix/lt/creds/pa');
  assert.equal(r.status, 204);
  for (const s of a) assert.ok(calls.revoked.includes(s.username), s.username);
  assert.equal(calls.revoked.includes(b.username), false);
  r = await c.api('LIST', 'sys/leases/lookup/lt/creds/pa/');
  assert.equal(r.status, 404);
  // Lazy revocation (sync=false) answers 202 and the queue does the work.
  r = await c.api('PUT', 'sys/leases/revoke', { lease_id: b.lease_id, sync: false });
  assert.equal(r.status, 202);
  await waitFor('lazy revocation', () => calls.revoked.includes(b.username));
});

test('revoking a token revokes its leases, its children\'s, and its own lease', async () => {
  await role('tok', { ttl: '1h' });
  const parent = await c.api('POST', 'auth/token/create', { policies: ['root'], ttl: '1h' });
  const child = await c.api('POST', 'auth/token/create', { policies: ['root'], ttl: '1h' }, parent.body.auth.client_token);
  const p = await creds('tok', parent.body.auth.client_token);
  const k = await creds('tok', child.body.auth.client_token);
  const hash = c.core.tokens.hash(parent.body.auth.client_token);
  let r = await c.api('PUT', 'sys/leases/lookup', { lease_id: `auth/token/create/${hash}` });
  assert.equal(r.status, 200, 'the token has a lease of its own');
  assert.equal(r.body.data.renewable, true);
  r = await c.api('PUT', 'auth/token/revoke', { token: parent.body.auth.client_token });
  assert.equal(r.status, 204);
  await waitFor('cascade', () => calls.revoked.includes(p.username) && calls.revoked.includes(k.username));
  r = await c.api('PUT', 'sys/leases/lookup', { lease_id: `auth/token/create/${hash}` });
  assert.equal(r.status, 400);
});

test('token leases: the lease manager expires tokens without anyone looking them up; renew moves the lease', async () => {
  const t = await c.api('POST', 'auth/token/create', { policies: ['default'], ttl: '1s' });
  const hash = c.core.tokens.hash(t.body.auth.client_token);
  assert.ok(await c.core.tokens.lookupByHash(hash));
  await waitFor('token expiry', async () => (await c.core.tokens.lookupByHash(hash)) === undefined, 4000);

  const r2 = await c.api('POST', 'auth/token/create', { policies: ['root'], ttl: '2s', explicit_max_ttl: '1h' });
  const tok = r2.body.auth.client_token;
  const id = `auth/token/create/${c.core.tokens.hash(tok)}`;
  let r = await c.api('PUT', 'auth/token/renew-self', { increment: '1h' }, tok);
  assert.equal(r.status, 200);
  r = await c.api('PUT', 'sys/leases/lookup', { lease_id: id });
  assert.ok(r.body.data.ttl > 3000, 'the lease followed the renewal');
  await new Promise((res) => setTimeout(res, 2500));
  assert.ok(await c.core.tokens.lookup(tok), 'still alive past its original expiry');
  r = await c.api('PUT', 'sys/leases/renew', { lease_id: id });
  assert.deepEqual([r.status, r.body.errors?.[0]], [400, 'tokens cannot be renewed through this endpoint']);
  r = await c.api('PUT', 'sys/leases/revoke', { lease_id: id });
  assert.equal(r.status, 204);
  assert.equal(await c.core.tokens.lookup(tok), undefined, 'revoking the lease revoked the token');
});

test('a failing backend retries with backoff, visible in lookup, without holding up other leases', async () => {
  await role('broken', { ttl: '1s', fail: true });
  await role('stuck', { ttl: '1s', hang: true });
  await role('healthy', { ttl: '1s' });
  const bad = await creds('broken');
  const stuck = await creds('stuck');
  const good = await creds('healthy');
  await waitFor('healthy lease revoked on time', () => calls.revoked.includes(good.username), 4000);
  await waitFor('first failed attempt', () => calls.failedRevokes.includes(bad.username), 4000);
  await waitFor('attempt count in lookup', async () => {
    const r = await c.api('PUT', 'sys/leases/lookup', { lease_id: bad.lease_id });
    return r.body.data?.revoke_attempts >= 2 && r.body.data.last_revoke_error === 'the database is unreachable';
  }, 6000);
  // The backend recovers: the next retry succeeds.
  await role('broken', { ttl: '1s', fail: false });
  await waitFor('revoked after recovery', () => calls.revoked.includes(bad.username), 8000);
  // The hanging one times out and retries, and can be forced away.
  await waitFor('timed-out attempts counted', async () => {
    const r = await c.api('PUT', 'sys/leases/lookup', { lease_id: stuck.lease_id });
    return r.body.data?.revoke_attempts >= 1 && /timed out/.test(r.body.data.last_revoke_error);
  }, 6000);
  const r = await c.api('PUT', 'sys/leases/revoke-force/lt/creds/stuck');
  assert.equal(r.status, 204);
  assert.equal((await c.api('PUT', 'sys/leases/lookup', { lease_id: stuck.lease_id })).status, 400);
});

test('retries run out: the lease becomes irrevocable and is listed as such', async () => {
  const m = manager();
  await role('dead', { ttl: '1s', fail: true });
  const d = await creds('dead');
  await waitFor('irrevocable', () => m.irrevocableCount > 0, 15_000);
  let r = await c.api('PUT', 'sys/leases/lookup', { lease_id: d.lease_id });
  assert.match(r.body.data.revoke_error, /^out of retries: the database is unreachable/);
  assert.equal(r.body.data.revoke_attempts, leaseDefaults.maxRevokeAttempts);
  r = await c.api('GET', 'sys/leases/count?type=irrevocable');
  assert.equal(r.body.data.lease_count, 1);
  r = await c.api('GET', 'sys/leases?type=irrevocable');
  assert.equal(r.body.data.leases[0].lease_id, d.lease_id);
  r = await c.api('PUT', 'sys/leases/renew', { lease_id: d.lease_id });
  assert.equal(r.body.errors[0], 'lease is expired and has failed previous revocation attempts');
  r = await c.api('PUT', `sys/revoke-force/${d.lease_id}`);
  assert.equal(r.status, 204);
  assert.equal(m.irrevocableCount, 0);
});

test('disabling a mount revokes its leases first; sudo guards prefix operations', async () => {
  assert.equal((await c.api('POST', 'sys/mounts/lt2', { type: 'leasetest' })).status, 204);
  assert.equal((await c.api('POST', 'lt2/roles/x', { ttl: '1h' })).status, 204);
  const r = await c.api('GET', 'lt2/creds/x');
  assert.equal((await c.api('DELETE', 'sys/mounts/lt2')).status, 204);
  assert.ok(calls.revoked.includes(r.body.data.username));
  const t = await c.api('POST', 'auth/token/create', { policies: ['default'] });
  for (const [method, path] of [['LIST', 'sys/leases/lookup/lt/'], ['PUT', 'sys/leases/revoke-prefix/lt/'], ['PUT', 'sys/leases/revoke-force/lt/']] as const) {
    assert.equal((await c.api(method, path, undefined, t.body.auth.client_token)).status, 403, path);
  }
});

test('login tokens get leases under the login path; revoking the auth mount\'s prefix revokes them', async () => {
  assert.equal((await c.api('POST', 'sys/auth/up', { type: 'userpass' })).status, 204);
  assert.equal((await c.api('POST', 'auth/up/users/alice', { password: 'pw', token_ttl: '1h' })).status, 204);
  const login = await c.api('POST', 'auth/up/login/alice', { password: 'pw' }, '');
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const tok = login.body.auth.client_token;
  const r = await c.api('LIST', 'sys/leases/lookup/auth/up/login/alice/');
  assert.deepEqual(r.body.data.keys, [c.core.tokens.hash(tok)]);
  assert.equal((await c.api('PUT', 'sys/leases/revoke-prefix/auth/up/')).status, 204);
  assert.equal(await c.core.tokens.lookup(tok), undefined);
  // Disabling an auth mount takes its tokens with it.
  const again = await c.api('POST', 'auth/up/login/alice', { password: 'pw' }, '');
  assert.equal((await c.api('DELETE', 'sys/auth/up')).status, 204);
  assert.equal(await c.core.tokens.lookup(again.body.auth.client_token), undefined);
});

test('tidy re-indexes a lease whose expiry index went missing and drops index keys that point at nothing', async () => {
  await role('tidy', { ttl: '1h' });
  const s = await creds('tidy');
  const m = manager();
  const le = (await m.store.load(s.lease_id))!;
  const { LeaseStore } = await import('../../src/core/leases/lease-store.js');
  await m.store.deleteKeys([LeaseStore.expKey(s.lease_id, le.expire_time)]);
  // Dangling index keys, as a crash between non-transactional writes could leave.
  const { LogicalView } = await import('../../src/framework/logical.js');
  const view = new LogicalView(c.core.barrier, 'sys/expire/');
  await view.put(LeaseStore.expKey('lt/creds/tidy/ghost', Date.now() + 60_000), new Uint8Array());
  await view.put(LeaseStore.tokenKey('ab12', 'lt/creds/tidy/ghost2'), new Uint8Array());
  const before = (await m.store.scanIndex()).map((x) => x.id);
  assert.ok(!before.includes(s.lease_id) && before.includes('lt/creds/tidy/ghost'));
  const r = await c.api('PUT', 'sys/leases/tidy');
  assert.equal(r.status, 202);
  assert.match(r.body.warnings[0], /Tidy operation successfully started/);
  await waitFor('tidy', async () => {
    const ids = (await m.store.scanIndex()).map((x) => x.id);
    return ids.includes(s.lease_id) && !ids.includes('lt/creds/tidy/ghost') && !(await m.store.tokenIndex()).some(([, id]) => id === 'lt/creds/tidy/ghost2');
  });
});
