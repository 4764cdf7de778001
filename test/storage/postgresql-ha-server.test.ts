/**
 * Two Coffer servers on one PostgreSQL with ha_enabled: the first to unseal takes the lock
 * and is active; the other stands by (sys/health 429, sys/leader names the active node, other
 * requests 503); when the active one stops, the standby takes over and serves its data.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseServerConfig } from '../../src/cli/server-config.js';
import { Core } from '../../src/core/core.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { PostgresStorage } from '../../src/storage/postgresql.js';
import { apiAt as api } from '../support/server.js';
import { dropTestTables, freshTable, PG_URL, pgSkip, sql } from './pg-test-db.js';

after(dropTestTables);

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Coffer HA on storage "postgresql"', { skip: pgSkip }, () => {
  test('one active node, one standby; the standby takes over when the active node stops', { timeout: 60_000 }, async () => {
    const hcl = `storage "postgresql" {
  connection_url = "${PG_URL}"
  table          = "${freshTable()}"
  ha_table       = "${freshTable()}"
  ha_enabled     = "true"
  max_parallel   = "8"
}
listener "tcp" {
  address     = "127.0.0.1:0"
  tls_disable = true
}
`;
    const cfg = parseServerConfig(hcl, 'ha.hcl');
    const start = () => startServer({ storage: cfg.storage, listeners: cfg.listeners, logger: silentLogger() });
    const running: RunningServer[] = [];
    try {
      const a = await start();
      running.push(a);
      const init = await api(a.addr, 'PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
      const root = init.body.root_token as string;
      const key = init.body.keys_base64[0] as string;
      assert.equal((await api(a.addr, 'PUT', 'sys/unseal', { key })).body.sealed, false);
      const leaderA = await until('a becomes active', 10_000, async () => {
        const r = await api(a.addr, 'GET', 'sys/leader');
        return r.status === 200 && r.body.is_self ? r.body : undefined;
      });
      assert.equal(leaderA.ha_enabled, true);
      assert.equal(leaderA.leader_address, a.addr);
      assert.notEqual(leaderA.active_time, '0001-01-01T00:00:00Z');
      assert.equal((await api(a.addr, 'POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } }, root)).status, 204);
      assert.equal((await api(a.addr, 'POST', 'secret/data/shared', { data: { v: 'from a' } }, root)).status, 200);

      const b = await start();
      running.push(b);
      assert.equal((await api(b.addr, 'GET', 'sys/leader')).status, 503, 'sealed: no leader information');
      assert.equal((await api(b.addr, 'PUT', 'sys/unseal', { key })).body.sealed, false);
      await new Promise((r) => setTimeout(r, 1500)); // several lock attempts by b
      const leaderB = await api(b.addr, 'GET', 'sys/leader');
      assert.deepEqual(
        { ha: leaderB.body.ha_enabled, self: leaderB.body.is_self, addr: leaderB.body.leader_address },
        { ha: true, self: false, addr: a.addr },
      );
      const health = await api(b.addr, 'GET', 'sys/health');
      assert.equal(health.status, 429);
      assert.equal(health.body.standby, true);
      assert.equal(health.body.sealed, false);
      assert.equal((await api(b.addr, 'GET', 'sys/health?standbyok=true')).status, 200);
      assert.equal((await api(b.addr, 'GET', 'secret/data/shared', undefined, root)).status, 503, 'a standby does not serve');
      assert.equal((await api(a.addr, 'GET', 'sys/health')).status, 200);

      await a.stop();
      running.shift();
      const taken = await until('b takes over', 10_000, async () => {
        const r = await api(b.addr, 'GET', 'sys/leader');
        return r.status === 200 && r.body.is_self ? r.body : undefined;
      });
      assert.equal(taken.leader_address, b.addr);
      assert.equal((await api(b.addr, 'GET', 'sys/health')).status, 200);
      const read = await api(b.addr, 'GET', 'secret/data/shared', undefined, root);
      assert.equal(read.status, 200, JSON.stringify(read.body));
      assert.deepEqual(read.body.data.data, { v: 'from a' });
    } finally {
      for (const s of running) await s.stop();
    }
  });

  test('an active node whose lock is taken steps down to standby, then becomes active again', { timeout: 30_000 }, async () => {
    const haTable = freshTable();
    const timing = { ttlMs: 3000, renewMs: 500, retryMs: 100 };
    const physical = await PostgresStorage.open({ connection_url: PG_URL, table: freshTable(), ha_table: haTable, ha_enabled: 'true', max_parallel: '4' }, {}, timing);
    const core = new Core({ physical, storageType: 'postgresql', apiAddr: 'https://me.internal:8200' });
    try {
      const { keys } = await core.initialize(1, 1);
      await core.submitUnsealKey(keys[0]!);
      await until('active', 5000, async () => (!core.sealed ? true : undefined));
      assert.equal(await core.leaderAddress(), 'https://me.internal:8200');
      // Another holder appears (as after a network partition healed the wrong way round).
      await sql(`UPDATE "${haTable}" SET ha_identity = 'intruder', ha_value = 'https://other:8200', valid_until = NOW() + INTERVAL '3 seconds'`);
      await until('stepped down', 5000, async () => (core.standby ? true : undefined));
      assert.equal(core.sealed, true, 'a standby serves nothing');
      assert.equal(await core.leaderAddress(), 'https://other:8200');
      await until('active again after the intruder expires', 10_000, async () => (!core.sealed && !core.standby ? true : undefined));
      assert.equal(await core.leaderAddress(), 'https://me.internal:8200');
    } finally {
      await core.sealCore();
      await physical.close();
    }
    assert.deepEqual(await sql(`SELECT * FROM "${haTable}"`), [], 'sealing released the lock');
  });
});
