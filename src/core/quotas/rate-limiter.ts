/**
 * Per-client fixed-window limiter, the model of Vault's rate limit quotas (go-limiter's
 * memory store): each client gets `round(rate)` requests per `interval`, the window starting
 * at the client's first request; `block_interval`, when set, shuts a client out for that long
 * once it goes over. Clients idle for three minutes are forgotten.
 */
export interface TakeResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (or the block ends). */
  resetSec: number;
}

interface Bucket {
  windowStart: number;
  used: number;
  lastSeen: number;
}

const STALE_MS = 3 * 60_000;
const SWEEP_EVERY_MS = 60_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly blocked = new Map<string, number>();
  private lastSweep = 0;
  readonly limit: number;

  constructor(rate: number, private readonly intervalMs: number, private readonly blockMs: number, private readonly now: () => number = Date.now) {
    this.limit = Math.max(1, Math.round(rate));
  }

  take(client: string): TakeResult {
    const now = this.now();
    this.sweep(now);
    const blockedAt = this.blocked.get(client);
    if (blockedAt !== undefined) {
      if (now - blockedAt < this.blockMs) {
        return { allowed: false, limit: this.limit, remaining: 0, resetSec: Math.ceil((blockedAt + this.blockMs - now) / 1000) };
      }
      this.blocked.delete(client);
    }
    let b = this.buckets.get(client);
    if (!b) {
      b = { windowStart: now, used: 0, lastSeen: now };
      this.buckets.set(client, b);
    }
    if (now - b.windowStart >= this.intervalMs) {
      // Windows are aligned to the client's first request, as ticks from the bucket's start.
      b.windowStart += Math.floor((now - b.windowStart) / this.intervalMs) * this.intervalMs;
      b.used = 0;
    }
    b.lastSeen = now;
    const resetSec = Math.max(1, Math.ceil((b.windowStart + this.intervalMs - now) / 1000));
    if (b.used < this.limit) {
      b.used++;
      return { allowed: true, limit: this.limit, remaining: this.limit - b.used, resetSec };
    }
    if (this.blockMs > 0) {
      this.blocked.set(client, now);
      return { allowed: false, limit: this.limit, remaining: 0, resetSec: Math.ceil(this.blockMs / 1000) };
    }
    return { allowed: false, limit: this.limit, remaining: 0, resetSec };
  }

  get clients(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [k, b] of this.buckets) if (now - b.lastSeen > STALE_MS) this.buckets.delete(k);
    for (const [k, at] of this.blocked) if (now - at >= this.blockMs) this.blocked.delete(k);
  }
}
