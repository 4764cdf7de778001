/** A transit Backend on memory storage with a clock the test moves. */
import assert from 'node:assert/strict';
import { makeTransitFactory } from '../../../src/engines/transit/backend.js';
import { CofferError } from '../../../src/lib/errors.js';
import { createTestBackend, type TestBackend } from '../../support/backend.js';

export interface Transit extends TestBackend {
  clock: { now: number };
  /** Calls a write and returns its data. */
  write(path: string, data?: Record<string, unknown>): Promise<Record<string, any>>;
}

export async function transit(): Promise<Transit> {
  const clock = { now: Date.UTC(2026, 11, 7, 6, 0, 0) };
  const tb = await createTestBackend(makeTransitFactory({ now: () => clock.now, periodicMs: 3_600_000 }), { type: 'transit', path: 'transit/' });
  return Object.assign(tb, {
    clock,
    async write(path: string, data: Record<string, unknown> = {}) {
      const r = await tb.call('update', path, data);
      return (r?.data ?? {}) as Record<string, any>;
    },
  });
}

/** Asserts a call fails with this status and exactly this message. */
export async function rejects(p: Promise<unknown>, status: number, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof CofferError, String(e));
    assert.equal(e.status, status);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

export const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
