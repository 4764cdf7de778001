/**
 * The lease manager's memory: lease id → expiry (and nothing else), a min-heap over those
 * expiries, and one timer pointing at the heap's top. The timer never sleeps longer than
 * maxSleepMs, so a wall-clock jump forward is noticed within that much time. Due leases go
 * to `onDue`; the schedule itself never touches storage.
 */
import type { Clock } from '../../lib/clock.js';
import { ExpiryHeap } from './expiry-heap.js';

/** Told about every lease that appears (+1) or goes away (-1): quotas and metrics count with it. */
export type LeaseListener = (id: string, delta: 1 | -1) => void;

export class LeaseSchedule {
  /** id → expiry ms (0 = never) or, while a revocation waits for its retry, the retry time. */
  private readonly expiries = new Map<string, number>();
  private heap = new ExpiryHeap();
  private readonly irrevocable = new Map<string, string>();
  private readonly listeners: LeaseListener[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerFiresAt = Infinity;
  private stopped = false;

  constructor(private readonly clock: Clock, private readonly maxSleepMs: number, private readonly onDue: (id: string) => void) {}

  get count(): number {
    return this.expiries.size;
  }

  get irrevocableCount(): number {
    return this.irrevocable.size;
  }

  ids(): IterableIterator<string> {
    return this.expiries.keys();
  }

  has(id: string): boolean {
    return this.expiries.has(id);
  }

  subscribe(l: LeaseListener): void {
    this.listeners.push(l);
  }

  /** Adds or moves a lease; at = 0 means it never expires (root tokens). */
  track(id: string, at: number): void {
    const had = this.expiries.has(id);
    this.expiries.set(id, at);
    this.irrevocable.delete(id);
    if (!had) for (const l of this.listeners) l(id, 1);
    if (at > 0) {
      this.heap.push(id, at);
      // Renewals leave stale heap entries behind; rebuild once they dominate.
      if (this.heap.size > 2 * this.expiries.size + 1024) this.rebuild();
      this.arm();
    }
  }

  untrack(id: string): void {
    this.irrevocable.delete(id);
    if (this.expiries.delete(id)) for (const l of this.listeners) l(id, -1);
  }

  /** Out of the timer's sight until an operator revokes or forces it (still counted). */
  markIrrevocable(id: string, error: string): void {
    if (!this.expiries.has(id)) return;
    this.irrevocable.set(id, error);
  }

  irrevocableEntries(): [string, string][] {
    return [...this.irrevocable];
  }

  /** Restore: every (id, expiry) at once, heapified in linear time. */
  load(entries: Iterable<{ id: string; expireTime: number }>): void {
    const timed: [string, number][] = [];
    for (const { id, expireTime } of entries) {
      if (!this.expiries.has(id)) for (const l of this.listeners) l(id, 1);
      this.expiries.set(id, expireTime);
      if (expireTime > 0) timed.push([id, expireTime]);
    }
    this.heap = ExpiryHeap.from(timed);
    this.tick();
  }

  private rebuild(): void {
    const live: [string, number][] = [];
    for (const [id, at] of this.expiries) if (at > 0 && !this.irrevocable.has(id)) live.push([id, at]);
    this.heap = ExpiryHeap.from(live);
  }

  private arm(): void {
    if (this.stopped) return;
    const top = this.heap.peekTime();
    if (top === undefined) return;
    const delay = Math.min(Math.max(0, top - this.clock.now()), this.maxSleepMs);
    const firesAt = Date.now() + delay;
    if (this.timer && this.timerFiresAt <= firesAt) return;
    clearTimeout(this.timer);
    this.timerFiresAt = firesAt;
    this.timer = setTimeout(() => this.tick(), delay);
    this.timer.unref?.();
  }

  /** Hands every due lease to onDue and re-arms the timer (tests call it after moving the clock). */
  tick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerFiresAt = Infinity;
    if (this.stopped) return;
    const now = this.clock.now();
    for (let t = this.heap.peekTime(); t !== undefined && t <= now; t = this.heap.peekTime()) {
      const { id, at } = this.heap.pop()!;
      if (this.expiries.get(id) !== at || this.irrevocable.has(id)) continue;
      this.onDue(id);
    }
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.heap.clear();
  }
}
