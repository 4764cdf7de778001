/**
 * When to renew a lease and when to give up on it, as Vault's LifetimeWatcher decides: sleep
 * ⅔ of the remaining lease plus ⅓ of a grace period (random in [10 %, 20 %) of the lease), and
 * stop ("done") once the lease can no longer outlast the grace period — that is how a token
 * reaching its max TTL gets replaced by a fresh login. Renewal errors are retried with
 * exponential backoff (cap 5 min) until the old lease would have run out.
 */

export interface LeaseState {
  /** Seconds the lease has left. */
  leaseDuration: number;
  renewable: boolean;
}

export interface LifetimeInput {
  initial: LeaseState;
  /** The increment asked for on renewal (seconds); 0 lets the server choose. */
  increment: number;
  /** Renews; resolves with the new lease or throws. */
  renew: () => Promise<LeaseState>;
  signal: AbortSignal;
  /** Called after each successful renewal. */
  onRenewed?: (s: LeaseState) => void;
  /** First retry delay after a failed renewal (seconds). */
  retryInterval?: number;
  random?: () => number;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export type LifetimeResult = { reason: 'done' } | { reason: 'stopped' } | { reason: 'error'; error: unknown };

const MAX_TIMER = 2 ** 31 - 1; // setTimeout's limit (~24.8 days); a KV v1 lease is 32 days

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const end = Date.now() + Math.max(0, ms);
    let t: NodeJS.Timeout;
    const arm = () => {
      t = setTimeout(() => (Date.now() >= end - 1 ? done() : arm()), Math.min(Math.max(0, end - Date.now()), MAX_TIMER));
    };
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
    arm();
  });
}

/** Grace: random in [10 %, 20 %) of min(lease, increment), in ms. */
export function graceFor(leaseSec: number, incrementSec: number, random: () => number): number {
  let min = leaseSec;
  if (min > incrementSec && incrementSec > 0) min = incrementSec;
  if (min <= 0) return 0;
  const jitterMax = 0.1 * min * 1000;
  return jitterMax + Math.floor(random() * jitterMax);
}

export async function watchLifetime(input: LifetimeInput): Promise<LifetimeResult> {
  const random = input.random ?? Math.random;
  const now = input.now ?? Date.now;
  const sleep = input.sleep ?? abortableSleep;
  const { signal } = input;
  let initialTime = now();
  let leaseMs = input.initial.leaseDuration * 1000;
  let priorMs = leaseMs;
  let renewable = input.initial.renewable;
  let grace = graceFor(input.initial.leaseDuration, input.increment, random);
  let backoffMs = 0;
  let lastError: unknown;
  for (;;) {
    if (signal.aborted) return { reason: 'stopped' };
    let remainingMs: number;
    let failed = false;
    if (!renewable) {
      remainingMs = initialTime + priorMs - now();
    } else {
      try {
        const r = await input.renew();
        if (signal.aborted) return { reason: 'stopped' };
        backoffMs = 0;
        input.onRenewed?.(r);
        initialTime = now();
        leaseMs = r.leaseDuration * 1000;
        renewable = r.renewable;
        remainingMs = leaseMs;
      } catch (e) {
        if (signal.aborted) return { reason: 'stopped' };
        lastError = e;
        failed = true;
        remainingMs = initialTime + leaseMs - now();
        backoffMs = backoffMs === 0 ? (input.retryInterval ?? 1) * 1000 : Math.min(backoffMs * 2, 300_000);
      }
    }
    let sleepMs: number;
    if (failed) {
      if (remainingMs <= 0) return { reason: 'error', error: lastError };
      // Randomize ±50 % as the backoff library does, but never past the lease's end.
      sleepMs = Math.min(backoffMs * (0.5 + random()), remainingMs);
    } else {
      if (remainingMs > priorMs) grace = graceFor(remainingMs / 1000, input.increment, random);
      sleepMs = (remainingMs * 2) / 3 + grace / 3;
    }
    priorMs = remainingMs;
    if (!failed && (remainingMs <= grace || remainingMs - sleepMs <= grace)) return { reason: 'done' };
    await sleep(sleepMs, signal);
  }
}

/** Login retry delays: start at min, double with jitter, cap at max (Vault agent's auto-auth backoff). */
export class Backoff {
  private current: number;
  constructor(private readonly minSec: number, private readonly maxSec: number, private readonly random: () => number = Math.random) {
    this.current = minSec;
  }
  /** The next delay in ms. */
  next(): number {
    const base = Math.min(this.current, this.maxSec);
    this.current = Math.min(this.current * 2, this.maxSec);
    // Up to 25 % less, so many agents started together spread out.
    return base * (1 - 0.25 * this.random()) * 1000;
  }
  reset(): void {
    this.current = this.minSec;
  }
}
