/** Issue 4: leases survive a restart (sqlite); those that expired while the server was down go promptly. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaseManager } from '../../src/core/leases/lease-manager.js';
import { startCoffer } from '../support/server.js';
import { calls, waitFor } from './lease-fixture.js';

test('restore after restart: timers come back from the index, expired leases are revoked at once', async () => {
  const first = await startCoffer({ storage: 'sqlite' });
  let soon: { username: string; lease_id: string };
  let later: { username: string; lease_id: string; expire_time: string };
  let tokenHash: string;
  try {
    assert.equal((await first.api('POST', 'sys/mounts/lt', { type: 'leasetest' })).status, 204);
    await first.api('POST', 'lt/roles/soon', { ttl: '1s' });
    await first.api('POST', 'lt/roles/later', { ttl: '1h' });
    let r = await first.api('GET', 'lt/creds/soon');
    soon = { username: r.body.data.username, lease_id: r.body.lease_id };
    r = await first.api('GET', 'lt/creds/later');
    later = { username: r.body.data.username, lease_id: r.body.lease_id, expire_time: '' };
    r = await first.api('PUT', 'sys/leases/lookup', { lease_id: later.lease_id });
    later.expire_time = r.body.data.expire_time;
    r = await first.api('POST', 'auth/token/create', { policies: ['root'], ttl: '1s' });
    tokenHash = first.core.tokens.hash(r.body.auth.client_token);
  } finally {
    await first.stop();
  }
  assert.equal(calls.revoked.includes(soon.username), false, 'nothing was revoked before the stop');
  await new Promise((res) => setTimeout(res, 2200));

  const second = await startCoffer({ storage: 'sqlite', dataDir: first.dataDir, uninitialized: true });
  try {
    const r = await second.api('PUT', 'sys/unseal', { key: first.unsealKey }, '');
    assert.equal(r.body.sealed, false);
    const unsealed = Date.now();
    const m = second.core.services.leases as LeaseManager;
    assert.ok(m instanceof LeaseManager);
    await waitFor('expired-while-down lease revoked', () => calls.revoked.includes(soon.username), 5000);
    assert.ok(Date.now() - unsealed < 2500, 'promptly after unseal');
    await waitFor('expired-while-down token revoked', async () => (await second.core.tokens.lookupByHash(tokenHash)) === undefined, 3000);
    const look = await second.api('PUT', 'sys/leases/lookup', { lease_id: later.lease_id }, first.rootToken);
    assert.equal(look.status, 200);
    assert.equal(look.body.data.expire_time, later.expire_time);
    assert.ok(look.body.data.ttl > 3500);
    assert.equal(calls.revoked.includes(later.username), false);
    const gone = await second.api('PUT', 'sys/leases/lookup', { lease_id: soon.lease_id }, first.rootToken);
    assert.equal(gone.status, 400);
    // The restored lease is still fully managed: revocation reaches the backend.
    assert.equal((await second.api('PUT', 'sys/leases/revoke', { lease_id: later.lease_id }, first.rootToken)).status, 204);
    assert.ok(calls.revoked.includes(later.username));
  } finally {
    await second.stop();
  }
});
