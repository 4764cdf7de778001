import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpiryHeap } from '../../../src/core/leases/expiry-heap.js';
import { calculateTTL, humanDuration } from '../../../src/core/leases/ttl.js';
import { decodeId, encodeId, validLeaseId } from '../../../src/core/leases/lease-entry.js';

/** Deterministic pseudo-random numbers so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

test('heap pops in expiry order, pushes and heapify agree', () => {
  const rand = rng(42);
  const entries: [string, number][] = Array.from({ length: 5000 }, (_, i) => [`l${i}`, Math.floor(rand() * 1e6)]);
  const built = ExpiryHeap.from(entries);
  const pushed = new ExpiryHeap();
  for (const [id, at] of entries) pushed.push(id, at);
  const sorted = [...entries].sort((a, b) => a[1] - b[1]).map((e) => e[1]);
  for (const h of [built, pushed]) {
    assert.equal(h.size, 5000);
    const out: number[] = [];
    for (let e = h.pop(); e; e = h.pop()) out.push(e.at);
    assert.deepEqual(out, sorted);
    assert.equal(h.pop(), undefined);
    assert.equal(h.peekTime(), undefined);
  }
});

test('heap interleaved push/pop keeps the minimum on top', () => {
  const rand = rng(7);
  const h = new ExpiryHeap();
  const shadow: number[] = [];
  for (let i = 0; i < 20000; i++) {
    if (rand() < 0.6 || shadow.length === 0) {
      const at = Math.floor(rand() * 1000);
      h.push(`x${i}`, at);
      shadow.push(at);
    } else {
      shadow.sort((a, b) => a - b);
      assert.equal(h.pop()!.at, shadow.shift());
    }
    assert.equal(h.size, shadow.length);
  }
});

test('heap keeps ids with their expiry', () => {
  const h = ExpiryHeap.from([['c', 3], ['a', 1], ['b', 2]]);
  h.push('z', 0);
  assert.deepEqual([h.pop(), h.pop(), h.pop(), h.pop()], [{ id: 'z', at: 0 }, { id: 'a', at: 1 }, { id: 'b', at: 2 }, { id: 'c', at: 3 }]);
});

test('calculateTTL follows Vault: increment, backend TTL, caps from issue time', () => {
  const base = { now: 1000, issueTime: 1000, increment: 0, backendTTL: 0, backendMaxTTL: 0, mountDefaultTTL: 600, mountMaxTTL: 3600 };
  const cases: [string, Partial<typeof base> & { period?: number; explicitMaxTTL?: number }, number, number][] = [
    ['mount default when nothing asked', {}, 600, 0],
    ['backend ttl beats default', { backendTTL: 120 }, 120, 0],
    ['increment beats backend ttl', { backendTTL: 120, increment: 300 }, 300, 0],
    ['increment capped by mount max from issue time', { now: 3000, increment: 3600 }, 1600, 1],
    ['backend max lowers the mount max', { increment: 900, backendMaxTTL: 500 }, 500, 1],
    ['backend max above mount max is ignored', { increment: 3600, backendMaxTTL: 10_000 }, 3600, 0],
    ['period ignores the increment', { period: 200, increment: 900 }, 200, 0],
    ['period capped by max', { period: 7200 }, 3600, 1],
  ];
  for (const [name, over, ttl, warnings] of cases) {
    const r = calculateTTL({ ...base, ...over });
    assert.equal(r.ttl, ttl, name);
    assert.equal(r.warnings.length, warnings, name);
  }
  assert.throws(() => calculateTTL({ ...base, now: 5000 }), /past the max TTL, cannot renew/);
});

test('durations print like Go', () => {
  assert.deepEqual([3600, 90, 60, 0, 3661, 86400].map(humanDuration), ['1h', '1m30s', '1m', '0s', '1h1m1s', '24h']);
});

test('lease ids: index encoding round-trips, malformed ids are refused', () => {
  for (const id of ['secret/creds/x/AbC', 'auth/token/create/0a1b', 'a/b c/ü/☃']) {
    assert.equal(decodeId(encodeId(id)), id);
    assert.ok(!encodeId(id).includes('/'));
  }
  for (const bad of ['', '/x', 'x/', 'a//b', 'a/../b', 'a/./b', 'a\0b']) assert.equal(validLeaseId(bad), false, bad);
  assert.equal(validLeaseId('database/creds/readonly/Xy12'), true);
});
