/** Renewal and refresh timing: Vault's LifetimeWatcher schedule and consul-template's leaseCheckWait. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff, graceFor, watchLifetime, type LeaseState } from '../../src/agent/lifetime.js';
import { refreshDelay } from '../../src/agent/refresh.js';

/** A fake clock: sleep advances time instantly and records each sleep. */
function fakeTime() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleeps,
    advance: (ms: number) => (now += ms),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

test('grace is 10–20 % of min(lease, increment)', () => {
  assert.equal(graceFor(100, 0, () => 0), 10_000);
  assert.equal(graceFor(100, 0, () => 0.999), 10_000 + Math.floor(0.999 * 10_000));
  assert.equal(graceFor(100, 50, () => 0), 5_000);
  assert.equal(graceFor(0, 0, () => 0.5), 0);
});

test('a renewable token that reaches its max TTL: renew at ⅔ of what remains, then done (re-authenticate)', async () => {
  const t = fakeTime();
  // Max TTL 300 s from the start: each renewal grants what is left.
  const expires = t.now() + 300_000;
  const renewals: number[] = [];
  const renew = async (): Promise<LeaseState> => {
    const left = Math.max(0, Math.floor((expires - t.now()) / 1000));
    renewals.push(left);
    return { leaseDuration: Math.min(120, left), renewable: true };
  };
  const r = await watchLifetime({ initial: { leaseDuration: 120, renewable: true }, increment: 120, renew, signal: new AbortController().signal, random: () => 0, now: t.now, sleep: t.sleep });
  assert.deepEqual(r, { reason: 'done' });
  // First sleep: ⅔·120 s + ⅓·grace (12 s) = 84 s.
  assert.equal(t.sleeps[0], 84_000);
  assert.ok(renewals.length >= 2);
  // It gives up before the token expires.
  assert.ok(t.now() < expires, `stopped at ${expires - t.now()} ms before expiry`);
});

test('a non-renewable token is never renewed: done shortly before it expires', async () => {
  const t = fakeTime();
  let calls = 0;
  const r = await watchLifetime({
    initial: { leaseDuration: 60, renewable: false }, increment: 60, signal: new AbortController().signal,
    renew: async () => { calls++; return { leaseDuration: 60, renewable: false }; }, random: () => 0, now: t.now, sleep: t.sleep,
  });
  assert.deepEqual(r, { reason: 'done' });
  assert.equal(calls, 0);
  assert.ok(t.now() - 1_000_000 < 60_000);
});

test('renewal errors are retried with backoff until the lease would have run out', async () => {
  const t = fakeTime();
  let calls = 0;
  const r = await watchLifetime({
    initial: { leaseDuration: 30, renewable: true }, increment: 30, signal: new AbortController().signal,
    renew: async () => { calls++; throw new Error('connection refused'); }, random: () => 0.5, now: t.now, sleep: t.sleep, retryInterval: 1,
  });
  assert.equal(r.reason, 'error');
  assert.ok(calls > 3);
  assert.deepEqual(t.sleeps.slice(0, 3), [1000, 2000, 4000]);
});

test('an abort stops the watcher', async () => {
  const ac = new AbortController();
  const r = watchLifetime({ initial: { leaseDuration: 3600, renewable: true }, increment: 3600, signal: ac.signal, renew: async () => ({ leaseDuration: 3600, renewable: true }) });
  setTimeout(() => ac.abort(), 20);
  assert.deepEqual(await r, { reason: 'stopped' });
});

test('login backoff doubles from min to max with up to 25 % jitter', () => {
  const b = new Backoff(1, 8, () => 0);
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [1000, 2000, 4000, 8000, 8000]);
  b.reset();
  assert.equal(b.next(), 1000);
  const j = new Backoff(4, 60, () => 1);
  assert.equal(j.next(), 3000);
});

test('refresh delays follow consul-template', () => {
  const o = { staticInterval: 300, threshold: 0.9, random: () => 0.5, now: () => 1_700_000_000_000 };
  // KV v2 (no lease): the render interval.
  assert.equal(refreshDelay({ lease_duration: 0, data: { data: {} } }, o), 270_000);
  // KV v1: its lease duration.
  assert.equal(refreshDelay({ lease_duration: 2764800, data: { a: 'b' } }, o), 2764800 * 900);
  // A PKI certificate without a lease: its expiration.
  assert.equal(refreshDelay({ lease_id: '', data: { certificate: 'x', expiration: 1_700_000_030 } }, o), 27_000);
  // Renewable leases are renewed, not re-read.
  assert.equal(refreshDelay({ lease_id: 'db/creds/x/1', renewable: true, lease_duration: 60, data: {} }, o), 'renew');
  // Rotating static-role credentials: ttl + 1 s, no stagger.
  assert.equal(refreshDelay({ data: { rotation_period: 3600, ttl: 100 } }, o), 101_000);
  // Jitter stays within ±5 %.
  assert.equal(refreshDelay({ lease_duration: 100 }, { ...o, random: () => 0 }), 85_000);
  assert.equal(Math.round(refreshDelay({ lease_duration: 100 }, { ...o, random: () => 0.999999 }) as number), 95_000);
});
