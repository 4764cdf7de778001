/**
 * How long a cached barrier read takes (the hot path of every request). Not a test: run with
 *   node --import tsx test/barrier/measure-cached-get.ts
 * Prints the mean time per cached get, for a small JSON value and a 4 KiB value, and a miss
 * (decrypt from memory storage) for comparison.
 */
import { randomBytes } from 'node:crypto';
import { Barrier } from '../../src/barrier/barrier.js';
import { MemoryStorage } from '../../src/storage/memory.js';

const key = new Uint8Array(randomBytes(32));
const b = new Barrier(new MemoryStorage());
await b.initialize(key);
await b.unseal(key);
const uncached = new Barrier(new MemoryStorage(), { cacheEntries: 0 });
await uncached.initialize(key);
await uncached.unseal(key);

const small = new TextEncoder().encode(JSON.stringify({ data: { password: 'hunter2', user: 'app' }, version: 3 }));
const large = new Uint8Array(randomBytes(4096));
for (let i = 0; i < 1000; i++) await b.put(`logical/abc/k${i}`, i % 2 ? small : large);
await uncached.put('logical/abc/k0', small);

async function measure(label: string, fn: (i: number) => Promise<unknown>, n: number): Promise<number> {
  for (let i = 0; i < n / 10; i++) await fn(i); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn(i);
  const us = Number(process.hrtime.bigint() - t0) / n / 1000;
  console.log(`${label.padEnd(34)} ${us.toFixed(3)} µs/op`);
  return us;
}

const smallHit = await measure('cached get, small value', (i) => b.get(`logical/abc/k${(i % 500) * 2 + 1}`), 500_000);
await measure('cached get, 4 KiB value', (i) => b.get(`logical/abc/k${(i % 500) * 2}`), 200_000);
await measure('uncached get (decrypt), small value', () => uncached.get('logical/abc/k0'), 50_000);
console.log(smallHit < 2 ? 'OK: cached get < 2 µs' : 'SLOW: cached get >= 2 µs');
