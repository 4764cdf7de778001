/** Time is injected so tests can control it; production uses the system clock. */
export interface Clock {
  now(): number; // milliseconds since the epoch
}
export const systemClock: Clock = { now: () => Date.now() };

export const nowSeconds = (clock: Clock = systemClock) => Math.floor(clock.now() / 1000);
export const isoTime = (ms: number) => new Date(ms).toISOString();
