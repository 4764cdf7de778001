/**
 * The HA lock on PostgreSQL, in Vault's ha_table (ha_key, ha_identity, ha_value, valid_until):
 * a row held by one identity until valid_until. A holder renews well before the row expires;
 * anyone may take a row whose valid_until has passed. Time is the database's (NOW()), so the
 * servers' clocks need not agree.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { HALock } from './storage.js';

export interface HATiming {
  /** How long a lock stays valid without renewal (Vault: 15 s). */
  ttlMs: number;
  /** How often the holder renews (Vault: 5 s; must be well under ttlMs). */
  renewMs: number;
  /** How often a waiter tries again (Vault: 1 s). */
  retryMs: number;
}

export const VAULT_HA_TIMING: HATiming = { ttlMs: 15_000, renewMs: 5_000, retryMs: 1_000 };

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function haTableDDL(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quote(table)} (
    ha_key      TEXT COLLATE "C" NOT NULL,
    ha_identity TEXT COLLATE "C" NOT NULL,
    ha_value    TEXT COLLATE "C",
    valid_until TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT ${quote(`${table}_pkey`)} PRIMARY KEY (ha_key))`;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(done, ms);
  function done() {
    clearTimeout(t);
    signal?.removeEventListener('abort', done);
    resolve();
  }
  signal?.addEventListener('abort', done, { once: true });
});

export class PostgresHALocks {
  private readonly sql;

  constructor(private readonly pool: pg.Pool, table: string, private readonly timing: HATiming = VAULT_HA_TIMING) {
    const t = quote(table);
    this.sql = {
      // Inserts a new row, or takes over one that has expired; a live row is left alone.
      acquire: `INSERT INTO ${t} AS h (ha_identity, ha_key, ha_value, valid_until)
                VALUES ($1, $2, $3, NOW() + $4 * INTERVAL '1 millisecond')
                ON CONFLICT (ha_key) DO UPDATE
                  SET ha_identity = EXCLUDED.ha_identity, ha_value = EXCLUDED.ha_value, valid_until = EXCLUDED.valid_until
                  WHERE h.valid_until < NOW()`,
      // Only the holder can extend its row, and only while it is still its own.
      renew: `UPDATE ${t} SET valid_until = NOW() + $3 * INTERVAL '1 millisecond'
              WHERE ha_identity = $1 AND ha_key = $2`,
      release: `DELETE FROM ${t} WHERE ha_identity = $1 AND ha_key = $2`,
      value: `SELECT ha_value FROM ${t} WHERE ha_key = $1 AND NOW() <= valid_until`,
    };
  }

  /** The value of the live lock on key (the active node's address), if someone holds it. */
  async value(key: string): Promise<string | undefined> {
    const res = await this.pool.query<{ ha_value: string | null }>(this.sql.value, [key]);
    return res.rows[0]?.ha_value ?? undefined;
  }

  /**
   * Waits until this process holds key, then keeps it renewed. Rejects if `stop` aborts
   * first, or on a database error (the caller logs it and tries again).
   */
  async lock(key: string, value: string, stop?: AbortSignal): Promise<HALock> {
    const identity = randomBytes(16).toString('hex');
    for (;;) {
      if (stop?.aborted) throw new Error('HA lock: stopped before the lock was acquired');
      const res = await this.pool.query(this.sql.acquire, [identity, key, value, this.timing.ttlMs]);
      if (res.rowCount === 1) {
        if (stop?.aborted) {
          await this.pool.query(this.sql.release, [identity, key]).catch(() => {});
          throw new Error('HA lock: stopped before the lock was acquired');
        }
        return this.held(key, identity);
      }
      await sleep(this.timing.retryMs, stop);
    }
  }

  private held(key: string, identity: string): HALock {
    const lost = new AbortController();
    let validUntil = Date.now() + this.timing.ttlMs;
    let released = false;
    let timer: NodeJS.Timeout | undefined;
    const renew = async () => {
      if (released || lost.signal.aborted) return;
      const started = Date.now();
      try {
        const res = await this.pool.query(this.sql.renew, [identity, key, this.timing.ttlMs]);
        if (released) return;
        if (res.rowCount !== 1) {
          lost.abort(new Error('HA lock taken over by another node'));
          return;
        }
        validUntil = started + this.timing.ttlMs;
      } catch {
        // The database may be briefly away; the lock is ours until the row would expire.
        if (Date.now() >= validUntil) {
          lost.abort(new Error('HA lock could not be renewed before it expired'));
          return;
        }
      }
      schedule();
    };
    const schedule = () => {
      timer = setTimeout(() => void renew(), this.timing.renewMs);
      timer.unref();
    };
    schedule();
    return {
      lost: lost.signal,
      release: async () => {
        if (released) return;
        released = true;
        clearTimeout(timer);
        await this.pool.query(this.sql.release, [identity, key]);
      },
    };
  }
}
