/** Issue 4, observability over real HTTP: sys/metrics in both formats, host-info, in-flight requests. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCoffer, type TestCoffer } from '../support/server.js';
import './lease-fixture.js';

let c: TestCoffer;
before(async () => { c = await startCoffer(); });
after(async () => { await c.stop(); });

test('sys/metrics counts requests per mount and operation, leases, tokens and seal state', async () => {
  await c.api('POST', 'sys/mounts/lt', { type: 'leasetest' });
  await c.api('POST', 'lt/roles/r', { ttl: '1h' });
  for (let i = 0; i < 3; i++) await c.api('GET', 'lt/creds/r');
  await c.api('POST', 'auth/token/create', { policies: ['default'] });
  await c.api('GET', 'secret/data/missing');
  let r = await c.api('GET', 'sys/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type')!, /application\/json/);
  const gauge = (name: string) => r.body.Gauges.find((g: any) => g.Name === name)?.Value;
  assert.equal(gauge('vault.core.unsealed'), 1);
  assert.equal(gauge('vault.expire.num_leases'), 4, 'three secrets and one token');
  assert.ok(gauge('vault.token.count') >= 1);
  const route = r.body.Samples.find((s: any) => s.Name === 'vault.route.read.lt-');
  assert.equal(route.Count, 3);
  assert.ok(route.Mean > 0);
  assert.ok(r.body.Counters.some((s: any) => s.Name === 'vault.core.response_status_code' && s.Labels.code === '404'));

  r = await c.api('GET', 'sys/metrics?format=prometheus');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type')!, /^text\/plain; version=0.0.4/);
  assert.match(r.body, /^vault_route_read_lt__count 3$/m);
  assert.match(r.body, /^vault_core_unsealed 1$/m);
  assert.match(r.body, /^vault_expire_num_leases 4$/m);
  assert.equal((await c.api('GET', 'sys/metrics?format=xml')).status, 400);
  const t = await c.api('POST', 'auth/token/create', { policies: ['default'] });
  assert.equal((await c.api('GET', 'sys/metrics', undefined, t.body.auth.client_token)).status, 403, 'needs a token allowed to read it');
});

test('sys/host-info and sys/in-flight-req', async () => {
  let r = await c.api('GET', 'sys/host-info');
  assert.equal(r.status, 200);
  assert.equal(typeof r.body.data.host.hostname, 'string');
  assert.ok(r.body.data.memory.total > 0);
  assert.ok(r.body.data.cpu.length > 0);
  assert.match(r.body.data.timestamp, /^\d{4}-/);
  r = await c.api('GET', 'sys/in-flight-req');
  assert.equal(r.status, 200);
  const mine = Object.values(r.body as Record<string, any>).find((x) => x.request_path === '/v1/sys/in-flight-req');
  assert.ok(mine, 'the asking request is itself in flight');
  assert.equal(mine.request_method, 'GET');
  assert.equal(mine.client_remote_address, '127.0.0.1');
});
