import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createStorage } from '../../src/storage/registry.js';
import { PostgresStorage, splitKey } from '../../src/storage/postgresql.js';
import { connectionPassword, describeTarget, parsePostgresOptions, scrubSecret } from '../../src/storage/postgresql-options.js';
import { runStorageConformance } from './conformance.js';
import { dropTestTables, freshTable, PG_URL, pgSkip, sql } from './pg-test-db.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString());
const open = (extra: Record<string, string> = {}) =>
  PostgresStorage.open({ connection_url: PG_URL, table: freshTable(), max_parallel: '8', ...extra }, {});

after(dropTestTables);

if (pgSkip) {
  test('PostgreSQL storage conformance', { skip: pgSkip }, () => {});
} else {
  runStorageConformance('postgresql', () => open());
}

describe('PostgresStorage on PostgreSQL', { skip: pgSkip }, () => {
  test("rows use Vault's layout (parent_path, path, key)", async () => {
    const s = await open();
    const table = s.options.table;
    try {
      await s.put('top', bytes('1'));
      await s.put('sys/token', bytes('2'));
      await s.put('logical/uuid/data/app', bytes('3'));
      const rows = await sql(`SELECT parent_path, path, key, value FROM "${table}" ORDER BY path, key`);
      assert.deepEqual(rows.map((r) => [r.parent_path, r.path, r.key, r.value.toString()]), [
        ['', '/', 'top', '1'],
        ['/logical/uuid/', '/logical/uuid/data/', 'app', '3'],
        ['/', '/sys/', 'token', '2'],
      ]);
      const idx = await sql(`SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname`, [table]);
      assert.deepEqual(idx.map((r) => r.indexname), [`${table}_idx`, `${table}_pkey`]);
    } finally {
      await s.close();
    }
  });

  test("a table made with Vault's documented DDL, holding Vault-written rows, works with skip_create_table", async () => {
    const table = freshTable();
    await sql(`CREATE TABLE "${table}" (
      parent_path TEXT COLLATE "C" NOT NULL, path TEXT COLLATE "C", key TEXT COLLATE "C", value BYTEA,
      CONSTRAINT "${table}_pk" PRIMARY KEY (path, key))`);
    await sql(`CREATE INDEX "${table}_parent" ON "${table}" (parent_path)`);
    await sql(`INSERT INTO "${table}" VALUES ('/core/', '/core/keyring/', 'k1', 'written by vault'), ('', '/', 'root', '\\x00ff')`);
    const s = await PostgresStorage.open({ connection_url: PG_URL, table, skip_create_table: 'true', max_parallel: '4' }, {});
    try {
      assert.equal(text(await s.get('core/keyring/k1')), 'written by vault');
      assert.deepEqual([...(await s.get('root'))!], [0, 255]);
      assert.deepEqual(await s.list('core/'), ['keyring/']);
      assert.deepEqual(await s.list('core/keyring/'), ['k1']);
      await s.put('core/keyring/k1', bytes('replaced'));
      assert.equal((await sql(`SELECT count(*)::int AS n FROM "${table}"`))[0]!.n, 2);
      assert.equal(text(await s.get('core/keyring/k1')), 'replaced');
    } finally {
      await s.close();
    }
  });

  test('skip_create_table on a missing table: the first use fails, naming the table', async () => {
    const table = freshTable();
    const s = await PostgresStorage.open({ connection_url: PG_URL, table, skip_create_table: 'true', max_parallel: '2' }, {});
    try {
      await assert.rejects(s.get('x'), new RegExp(`relation "${table}" does not exist`));
      assert.equal((await sql('SELECT to_regclass($1) AS t', [table]))[0]!.t, null);
    } finally {
      await s.close();
    }
  });

  test('a failure inside PostgreSQL mid-transaction rolls back every earlier op', async () => {
    const s = await open();
    const table = s.options.table;
    try {
      await s.put('rb/keep', bytes('before'));
      await sql(`CREATE FUNCTION "${table}_poison"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.key = 'poison' THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$`);
      await sql(`CREATE TRIGGER poison BEFORE INSERT OR UPDATE ON "${table}" FOR EACH ROW EXECUTE FUNCTION "${table}_poison"()`);
      await assert.rejects(s.transaction([
        { op: 'put', key: 'rb/keep', value: bytes('after') },
        { op: 'put', key: 'rb/new', value: bytes('new') },
        { op: 'delete', key: 'rb/keep' },
        { op: 'put', key: 'rb/poison', value: bytes('x') },
      ]), /disk on fire/);
      assert.equal(text(await s.get('rb/keep')), 'before');
      assert.equal(await s.get('rb/new'), undefined);
      assert.deepEqual(await s.list('rb/'), ['keep']);
      // The connection that saw the failure is still good for the next request.
      await s.transaction([{ op: 'put', key: 'rb/after', value: bytes('ok') }]);
      assert.deepEqual(await s.list('rb/'), ['after', 'keep']);
    } finally {
      await s.close();
      await sql(`DROP FUNCTION IF EXISTS "${table}_poison"() CASCADE`);
    }
  });

  test('max_parallel bounds the connections; max_idle_connections = 0 keeps none open', async () => {
    const app = `coffer_${Math.random().toString(36).slice(2, 10)}`;
    const url = `${PG_URL}?application_name=${app}`;
    const count = async () => (await sql(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [app]))[0]!.n as number;
    const bounded = await PostgresStorage.open({ connection_url: url, table: freshTable(), max_parallel: '3' }, {});
    let peak = 0;
    try {
      const work = Array.from({ length: 60 }, (_, i) => bounded.put(`par/${i}`, bytes(String(i))));
      const sampling = (async () => { for (let i = 0; i < 5; i++) { peak = Math.max(peak, await count()); } })();
      await Promise.all([...work, sampling]);
      peak = Math.max(peak, await count());
      assert.ok(peak >= 1 && peak <= 3, `saw ${peak} connections`);
      assert.equal((await bounded.list('par/')).length, 60);
    } finally {
      await bounded.close();
    }
    const noIdle = await PostgresStorage.open({ connection_url: url, table: freshTable(), max_parallel: '4', max_idle_connections: '0' }, {});
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => noIdle.put(`idle/${i}`, bytes('x'))));
      let n = await count();
      for (let i = 0; i < 250 && n > 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        n = await count();
      }
      assert.equal(n, 0, 'idle connections were closed');
    } finally {
      await noIdle.close();
    }
  });

  test('the registry opens it from string options', async () => {
    const s = await createStorage('postgresql', { connection_url: PG_URL, table: freshTable(), max_parallel: '2' });
    try {
      assert.ok(s instanceof PostgresStorage);
      await s.put('reg/k', bytes('v'));
      assert.equal(text(await s.get('reg/k')), 'v');
    } finally {
      await s.close!();
    }
  });

  test('closing waits for work in flight, refuses new work, and is harmless twice', async () => {
    const s = await open();
    const writes = Array.from({ length: 20 }, (_, i) => s.put(`close/${i}`, bytes('v')));
    const closed = s.close();
    await assert.rejects(s.get('close/0'), /closed/);
    await Promise.all(writes);
    await closed;
    await s.close();
  });
});

describe('PostgresStorage: connection errors never show the password', () => {
  const secret = 'Sup3r-Secret-Pw';
  const cases: [string, string][] = [
    ['a closed port', `postgres://postgres:${secret}@127.0.0.1:1/test`],
    ['an unresolvable host', `postgres://postgres:${secret}@no-such-host.invalid:5432/test`],
    ['a password in the query string', `postgres://postgres@127.0.0.1:1/test?password=${secret}`],
  ];
  for (const [label, url] of cases) {
    test(label, async () => {
      await assert.rejects(PostgresStorage.open({ connection_url: url, table: 'never_created' }, {}), (e: Error) => {
        assert.match(e.message, /^storage "postgresql": unable to verify connection to /);
        assert.ok(!e.message.includes(secret) && !String(e.stack).includes(secret), e.message);
        return true;
      });
    });
  }
});

describe('postgresql options', () => {
  test("Vault's defaults", () => {
    assert.deepEqual(parsePostgresOptions({ connection_url: 'postgres://h/db' }, {}), {
      connectionString: 'postgres://h/db', table: 'vault_kv_store', haTable: 'vault_ha_locks',
      maxParallel: 128, haEnabled: false, skipCreateTable: false, maxConnectRetries: 1,
    });
  });

  test('VAULT_PG_CONNECTION_URL overrides connection_url', () => {
    const o = parsePostgresOptions({ connection_url: 'postgres://a/db' }, { VAULT_PG_CONNECTION_URL: 'postgres://b/db' });
    assert.equal(o.connectionString, 'postgres://b/db');
  });

  test('values arrive as strings and are parsed', () => {
    const o = parsePostgresOptions({
      table: 'kv', ha_table: 'locks', max_parallel: '16', max_idle_connections: '2', skip_create_table: 'true', ha_enabled: 'true', max_connect_retries: '0',
    }, {});
    assert.equal(o.haEnabled, true);
    assert.equal(o.table, 'kv');
    assert.equal(o.haTable, 'locks');
    assert.equal(o.maxParallel, 16);
    assert.equal(o.maxIdle, 2);
    assert.equal(o.skipCreateTable, true);
    assert.equal(o.maxConnectRetries, 0);
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['max_parallel not a number', { max_parallel: 'lots' }, /failed parsing max_parallel parameter/],
    ['max_parallel zero', { max_parallel: '0' }, /max_parallel must be at least 1/],
    ['negative max_idle_connections', { max_idle_connections: '-1' }, /max_idle_connections must be at least 0/],
    ['skip_create_table not a bool', { skip_create_table: 'perhaps' }, /skip_create_table must be "true" or "false"/],
    ['an empty table', { table: '' }, /table must not be empty/],
    ['ha_enabled not a bool', { ha_enabled: 'sometimes' }, /ha_enabled must be "true" or "false"/],
  ];
  for (const [label, options, message] of bad) {
    test(`error: ${label}`, () => assert.throws(() => parsePostgresOptions(options, {}), message));
  }

  const passwords: [string, string | undefined][] = [
    ['postgres://u:p%40ss@h/db', 'p@ss'],
    ['postgresql://u:with:colon@h:5432/db?sslmode=disable', 'with:colon'],
    ['postgres://u@h/db', undefined],
    ['postgres://u@h/db?password=qs', 'qs'],
    ["host=h user=u password='a b\\'c' dbname=d", "a b'c"],
    ['host=h password=plain', 'plain'],
  ];
  for (const [url, pw] of passwords) {
    test(`password of ${url}`, () => assert.equal(connectionPassword(url), pw));
  }

  test('describeTarget and scrubSecret leave no password behind', () => {
    assert.equal(describeTarget('postgres://u:pw@db.example:5433/vault?sslmode=require'), 'postgres://db.example:5433/vault');
    assert.equal(describeTarget('host=h password=x'), 'PostgreSQL');
    assert.equal(scrubSecret('auth failed for p@ss and p%40ss', 'p@ss'), 'auth failed for ***** and *****');
  });
});

describe('splitKey (Vault layout)', () => {
  const cases: [string, [string, string, string]][] = [
    ['a', ['', '/', 'a']],
    ['a/b', ['/', '/a/', 'b']],
    ['a/b/c', ['/a/', '/a/b/', 'c']],
    ['logical/x/y/z', ['/logical/x/', '/logical/x/y/', 'z']],
  ];
  for (const [key, want] of cases) test(key, () => assert.deepEqual(splitKey(key), want));
});
