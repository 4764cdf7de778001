import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { haTableDDL, PostgresHALocks, type HATiming } from '../../src/storage/postgresql-ha.js';
import { PostgresStorage } from '../../src/storage/postgresql.js';
import { dropTestTables, freshTable, PG_URL, pgSkip, sql } from './pg-test-db.js';

// Vault's ratios (renew at a third of the TTL), shrunk so a takeover takes a second or two.
const timing: HATiming = { ttlMs: 3000, renewMs: 500, retryMs: 100 };
const pools: pg.Pool[] = [];
const newPool = () => {
  const p = new pg.Pool({ connectionString: PG_URL, max: 3 });
  p.on('error', () => {});
  pools.push(p);
  return p;
};
after(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => {})));
  await dropTestTables();
});

async function haTable(): Promise<string> {
  const t = freshTable();
  await sql(haTableDDL(t));
  return t;
}

const within = async <T>(ms: number, p: Promise<T>, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
};

const aborted = (signal: AbortSignal) => new Promise<unknown>((resolve) => {
  if (signal.aborted) resolve(signal.reason);
  else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
});

describe('PostgreSQL HA lock', { skip: pgSkip }, () => {
  test('one holder at a time; release hands it to the waiter; value names the holder', async () => {
    const table = await haTable();
    const a = new PostgresHALocks(newPool(), table, timing);
    const b = new PostgresHALocks(newPool(), table, timing);
    const lockA = await within(5000, a.lock('core/lock', 'http://a:8200'), 'first lock');
    assert.equal(await b.value('core/lock'), 'http://a:8200');
    let bHolds = false;
    const waitB = b.lock('core/lock', 'http://b:8200').then((l) => { bHolds = true; return l; });
    await new Promise((r) => setTimeout(r, timing.ttlMs * 2));
    assert.equal(bHolds, false, 'renewal keeps the lock past its TTL');
    assert.equal(lockA.lost.aborted, false);
    await lockA.release();
    const lockB = await within(3000, waitB, 'waiter after release');
    assert.equal(await a.value('core/lock'), 'http://b:8200');
    assert.equal(lockA.lost.aborted, false, 'a release is not a loss');
    const rows = await sql(`SELECT ha_key, ha_value, valid_until > NOW() AS live FROM "${table}"`);
    assert.deepEqual(rows, [{ ha_key: 'core/lock', ha_value: 'http://b:8200', live: true }]);
    await lockB.release();
    assert.equal(await a.value('core/lock'), undefined);
  });

  test('a holder that dies: its lock expires, a waiter takes it, and the dead holder learns it lost it', async () => {
    const table = await haTable();
    const deadPool = newPool();
    const a = new PostgresHALocks(deadPool, table, timing);
    const b = new PostgresHALocks(newPool(), table, timing);
    const lockA = await a.lock('core/lock', 'a');
    await deadPool.end(); // renewals now fail, as if the process were cut off from the database
    const started = Date.now();
    const lockB = await within(timing.ttlMs * 4, b.lock('core/lock', 'b'), 'takeover after expiry');
    assert.ok(Date.now() - started >= timing.ttlMs - timing.renewMs - 200, 'not taken before the old lock expired');
    await within(timing.ttlMs * 2, aborted(lockA.lost), 'dead holder notices');
    assert.match(String(lockA.lost.reason), /could not be renewed/);
    await lockB.release();
  });

  test('a lock taken over behind its holder\'s back is reported lost at the next renewal', async () => {
    const table = await haTable();
    const a = new PostgresHALocks(newPool(), table, timing);
    const lockA = await a.lock('core/lock', 'a');
    await sql(`UPDATE "${table}" SET ha_identity = 'someone-else'`);
    const reason = await within(timing.renewMs * 5, aborted(lockA.lost), 'loss noticed');
    assert.match(String(reason), /taken over/);
    await lockA.release();
  });

  test('a waiter stops when asked', async () => {
    const table = await haTable();
    const a = new PostgresHALocks(newPool(), table, timing);
    const held = await a.lock('core/lock', 'a');
    const stop = new AbortController();
    const waiting = a.lock('core/lock', 'b', stop.signal);
    setTimeout(() => stop.abort(), 200);
    await assert.rejects(within(2000, waiting, 'stop'), /stopped before the lock was acquired/);
    await held.release();
  });

  test('PostgresStorage offers lock() only with ha_enabled, and creates ha_table', async () => {
    const plain = await PostgresStorage.open({ connection_url: PG_URL, table: freshTable(), max_parallel: '2' }, {});
    assert.equal(plain.lock, undefined);
    await plain.close();
    const haTableName = freshTable();
    const ha = await PostgresStorage.open({ connection_url: PG_URL, table: freshTable(), ha_table: haTableName, ha_enabled: 'true', max_parallel: '4' }, {}, timing);
    try {
      const l = await ha.lock!('core/lock', 'http://me:8200');
      assert.equal(await ha.lockValue!('core/lock'), 'http://me:8200');
      const cols = await sql(`SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, [haTableName]);
      assert.deepEqual(cols.map((c) => c.column_name), ['ha_key', 'ha_identity', 'ha_value', 'valid_until']);
      await l.release();
    } finally {
      await ha.close();
    }
  });
});
