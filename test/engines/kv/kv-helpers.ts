/** Shared setup for KV engine tests: a Backend on memory storage with a clock the test moves. */
import { kvFactory } from '../../../src/engines/kv/backend.js';
import { createTestBackend, type TestBackend } from '../../support/backend.js';

export interface ManualClock {
  now(): number;
  advance(seconds: number): void;
}

export function manualClock(start = Date.parse('2024-05-01T10:00:00.000Z')): ManualClock {
  let t = start;
  return { now: () => t, advance: (s) => { t += s * 1000; } };
}

export async function kvV2(clock: ManualClock = manualClock()): Promise<TestBackend & { clock: ManualClock }> {
  const b = await createTestBackend(kvFactory, { type: 'kv', path: 'secret/', options: { version: '2' }, services: { clock } });
  return Object.assign(b, { clock });
}

export async function kvV1(defaultLeaseTTL = 0): Promise<TestBackend> {
  return createTestBackend(kvFactory, { type: 'kv', path: 'kv/', options: { version: '1' }, defaultLeaseTTL });
}

/** The body of a CofferError as the HTTP layer would report it. */
export async function errorOf(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { status?: number; message: string };
    return { status: err.status ?? 500, message: err.message };
  }
  throw new Error('expected the call to fail');
}
