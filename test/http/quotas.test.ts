/** Issue 4, quotas over real HTTP: rate limits with 429 and Retry-After, lease-count limits. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCoffer, type TestCoffer } from '../support/server.js';
import './lease-fixture.js';

let c: TestCoffer;
before(async () => {
  c = await startCoffer();
  assert.equal((await c.api('POST', 'sys/mounts/lt', { type: 'leasetest' })).status, 204);
  await c.api('POST', 'lt/roles/r', { ttl: '1h' });
});
after(async () => { await c.stop(); });

test('rate-limit quota on a mount: 429 with Retry-After; other mounts and more specific paths are their own', async () => {
  let r = await c.api('POST', 'sys/quotas/rate-limit/kv-slow', { path: 'secret/', rate: 3, interval: '30s' });
  assert.equal(r.status, 204, JSON.stringify(r.body));
  r = await c.api('GET', 'sys/quotas/rate-limit/kv-slow');
  assert.deepEqual(r.body.data, { name: 'kv-slow', path: 'secret/', role: '', type: 'rate-limit', inheritable: false, rate: 3, interval: 30, block_interval: 0 });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await c.api('GET', 'secret/data/x')).status);
  assert.deepEqual(statuses, [404, 404, 404, 429]);
  r = await c.api('GET', 'secret/data/x');
  assert.equal(r.status, 429);
  assert.deepEqual(r.body.errors, ['request path "secret/data/x": rate limit quota exceeded']);
  const retry = Number(r.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= 30, String(retry));
  assert.equal((await c.api('GET', 'lt/creds/r')).status, 200, 'another mount is not limited');
  // A quota on a path below the mount is more specific than the mount's.
  r = await c.api('POST', 'sys/quotas/rate-limit/kv-app', { path: 'secret/data/app', rate: 100 });
  assert.equal(r.status, 204);
  assert.equal((await c.api('GET', 'secret/data/app')).status, 404);
  assert.equal((await c.api('LIST', 'sys/quotas/rate-limit')).body.data.keys.join(), 'kv-app,kv-slow');
  // Response headers when asked for (on replies that carry a body).
  await c.api('POST', 'sys/quotas/config', { enable_rate_limit_response_headers: true });
  r = await c.api('POST', 'secret/data/app', { data: { a: 1 } });
  assert.equal(r.headers.get('x-ratelimit-limit'), '100');
  assert.equal((await c.api('GET', 'sys/quotas/config')).body.data.enable_rate_limit_response_headers, true);
  for (const name of ['kv-slow', 'kv-app']) assert.equal((await c.api('DELETE', `sys/quotas/rate-limit/${name}`)).status, 204);
  assert.equal((await c.api('GET', 'secret/data/x')).status, 404, 'deleting the quota lifts the limit');
});

test('rate-limit quota validation uses Vault\'s messages', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ path: 'secret/', rate: 0 }, "'rate' is invalid"],
    [{ path: 'secret/', rate: 'fast' }, "'rate' is invalid"],
    [{ path: 'nowhere/', rate: 1 }, 'invalid mount path "nowhere/"'],
    [{ path: 'secret/', rate: 1, role: 'x' }, 'Mount path "secret/" is not a valid auth method and therefore unsuitable for use with role-based quotas'],
  ];
  for (const [body, msg] of cases) {
    const r = await c.api('POST', 'sys/quotas/rate-limit/bad', body);
    assert.deepEqual([r.status, r.body.errors?.[0]], [400, msg], JSON.stringify(body));
  }
  await c.api('POST', 'sys/quotas/rate-limit/one', { path: 'lt/', rate: 1000 });
  const r = await c.api('POST', 'sys/quotas/rate-limit/two', { path: 'lt/', rate: 5 });
  assert.deepEqual([r.status, r.body.errors?.[0]], [400, 'quota rule with similar properties exists under the name "one"']);
  await c.api('DELETE', 'sys/quotas/rate-limit/one');
  assert.equal((await c.api('GET', 'sys/quotas/rate-limit/one')).status, 404);
});

test('lease-count quota: at the maximum new leases are refused; a revocation makes room', async () => {
  let r = await c.api('POST', 'sys/quotas/lease-count/lt-max', { path: 'lt/creds/', max_leases: 2 });
  assert.equal(r.status, 204, JSON.stringify(r.body));
  r = await c.api('GET', 'sys/quotas/lease-count/lt-max');
  const existing = r.body.data.counter;
  assert.deepEqual({ ...r.body.data, counter: 0 }, { name: 'lt-max', path: 'lt/creds', role: '', type: 'lease-count', inheritable: false, max_leases: 2, counter: 0 });
  await c.api('PUT', 'sys/leases/revoke-prefix/lt/creds');
  assert.equal((await c.api('GET', 'sys/quotas/lease-count/lt-max')).body.data.counter, 0, `counter went from ${existing} to 0 with the revocations`);
  const a = await c.api('GET', 'lt/creds/r');
  assert.equal((await c.api('GET', 'lt/creds/r')).status, 200);
  r = await c.api('GET', 'lt/creds/r');
  assert.deepEqual([r.status, r.body.errors], [429, ['request path "lt/creds/r": lease count quota exceeded']]);
  assert.equal((await c.api('GET', 'sys/quotas/lease-count/lt-max')).body.data.counter, 2);
  assert.equal((await c.api('PUT', 'sys/leases/revoke', { lease_id: a.body.lease_id })).status, 204);
  assert.equal((await c.api('GET', 'lt/creds/r')).status, 200, 'room again');
  const m = await c.api('GET', 'sys/metrics');
  assert.ok(m.body.Counters.some((x: any) => x.Name === 'vault.quota.lease_count.violation' && x.Labels.name === 'lt-max'));
  assert.equal((await c.api('POST', 'sys/quotas/lease-count/bad', { path: 'lt/', max_leases: 0 })).body.errors[0], "'max_leases' is invalid");
  await c.api('DELETE', 'sys/quotas/lease-count/lt-max');
});
