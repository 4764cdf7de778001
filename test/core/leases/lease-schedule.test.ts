import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaseSchedule } from '../../../src/core/leases/lease-schedule.js';

function setup() {
  const clock = { t: 1_000_000, now() { return this.t; } };
  const due: string[] = [];
  const counts: number[] = [];
  const s = new LeaseSchedule(clock, 60_000, (id) => due.push(id));
  s.subscribe((_id, d) => counts.push(d));
  return { clock, due, counts, s };
}

test('due leases come out in expiry order; renewed ones wait for their new time', () => {
  const { clock, due, s } = setup();
  s.track('b', clock.t + 2000);
  s.track('a', clock.t + 1000);
  s.track('c', clock.t + 3000);
  s.track('root', 0);
  s.tick();
  assert.deepEqual(due, []);
  s.track('a', clock.t + 5000); // renewed: the old heap entry is now stale
  clock.t += 3000;
  s.tick();
  assert.deepEqual(due, ['b', 'c']);
  clock.t += 2000;
  s.tick();
  assert.deepEqual(due, ['b', 'c', 'a']);
  assert.equal(s.count, 4, 'the schedule forgets nothing until told');
  s.stop();
});

test('a wall-clock jump past many expiries hands them all over at the next tick', () => {
  const { clock, due, s } = setup();
  for (let i = 0; i < 1000; i++) s.track(`l${i}`, clock.t + (i + 1) * 60_000);
  clock.t += 1000 * 60_000 + 1; // e.g. the host was suspended, or NTP stepped the clock
  s.tick();
  assert.equal(due.length, 1000);
  s.stop();
});

test('untrack and irrevocable leases are skipped; listeners count appearances and departures', () => {
  const { clock, due, counts, s } = setup();
  s.track('x', clock.t + 10);
  s.track('y', clock.t + 10);
  s.track('x', clock.t + 20);
  s.untrack('x');
  s.markIrrevocable('y', 'backend said no');
  clock.t += 100;
  s.tick();
  assert.deepEqual(due, []);
  assert.deepEqual(counts, [1, 1, -1]);
  assert.deepEqual(s.irrevocableEntries(), [['y', 'backend said no']]);
  s.track('y', clock.t); // an operator asked for revocation again
  s.tick();
  assert.deepEqual(due, ['y']);
  s.stop();
});

test('restore loads (id, expiry) pairs and fires the overdue ones at once', () => {
  const { clock, due, s } = setup();
  s.load([{ id: 'old', expireTime: clock.t - 5000 }, { id: 'new', expireTime: clock.t + 5000 }, { id: 'root', expireTime: 0 }]);
  assert.deepEqual(due, ['old']);
  assert.equal(s.count, 3);
  s.stop();
});

test('the real timer fires without a tick from outside', async () => {
  const due: string[] = [];
  const s = new LeaseSchedule({ now: () => Date.now() }, 1000, (id) => due.push(id));
  s.track('soon', Date.now() + 30);
  await new Promise((r) => setTimeout(r, 120));
  assert.deepEqual(due, ['soon']);
  s.stop();
});
