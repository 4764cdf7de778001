/**
 * Vault's PostgreSQL storage backend, on Vault's own table layout so an operator's existing
 * DDL (and data written by the table's other users) keeps working:
 *
 *   key "a/b/c" → parent_path "/a/", path "/a/b/", key "c"
 *   key "a/b"   → parent_path "/",   path "/a/",   key "b"
 *   key "a"     → parent_path "",    path "/",     key "a"
 *
 * list(prefix) reads the keys whose path is "/"+prefix, plus the first segment below the
 * prefix of every row whose parent_path starts with it (the folders). The columns use the
 * "C" collation, so comparisons are byte order and a range on parent_path uses its index.
 */
import pg from 'pg';
import { checkOps } from './ops.js';
import { haTableDDL, PostgresHALocks, VAULT_HA_TIMING, type HATiming } from './postgresql-ha.js';
import { connectionPassword, describeTarget, parsePostgresOptions, scrubSecret, type PostgresOptions } from './postgresql-options.js';
import type { HALock, Storage, StorageOp } from './storage.js';

/** Like Vault's QuoteIdentifier: the whole name is one identifier, embedded quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Vault's split of a storage key into (parent_path, path, key). */
export function splitKey(full: string): [parentPath: string, path: string, key: string] {
  const pieces = full.split('/');
  const key = pieces[pieces.length - 1]!;
  if (pieces.length === 1) return ['', '/', key];
  if (pieces.length === 2) return ['/', `/${pieces[0]}/`, key];
  return [`/${pieces.slice(0, -2).join('/')}/`, `/${pieces.slice(0, -1).join('/')}/`, key];
}

// Deadlocks between concurrent transactions that touch the same keys in different orders are
// resolved by PostgreSQL aborting one; it is safe to run that one again from the start.
const RETRYABLE = new Set(['40P01', '40001']);
const TX_ATTEMPTS = 5;

interface Queries {
  get: string;
  put: string;
  del: string;
  list: string;
}

function queries(table: string): Queries {
  const t = quoteIdent(table);
  return {
    get: `SELECT value FROM ${t} WHERE path = $1 AND key = $2`,
    put: `INSERT INTO ${t} (parent_path, path, key, value) VALUES ($1, $2, $3, $4)
          ON CONFLICT (path, key) DO UPDATE SET parent_path = EXCLUDED.parent_path, value = EXCLUDED.value`,
    del: `DELETE FROM ${t} WHERE path = $1 AND key = $2`,
    // $1 = "/"+prefix (ends in "/"), $2 = the first string after every string starting with $1.
    list: `SELECT key AS entry FROM ${t} WHERE path = $1
           UNION
           SELECT substring(substr(path, length($1) + 1) FROM '^[^/]*/') FROM ${t}
            WHERE parent_path >= $1 AND parent_path < $2`,
  };
}

export class PostgresStorage implements Storage {
  private closed = false;
  private closing?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly q: Queries;
  private readonly password: string | undefined;
  /** Set only with ha_enabled, so `storage.lock` existing means "this backend does HA". */
  lock?: (key: string, value: string, stop?: AbortSignal) => Promise<HALock>;
  lockValue?: (key: string) => Promise<string | undefined>;

  private constructor(private readonly pool: pg.Pool, readonly options: PostgresOptions, haTiming: HATiming) {
    this.q = queries(options.table);
    this.password = connectionPassword(options.connectionString);
    if (options.haEnabled) {
      const locks = new PostgresHALocks(pool, options.haTable, haTiming);
      this.lock = (key, value, stop) => this.guard(() => locks.lock(key, value, stop));
      this.lockValue = (key) => this.guard(() => locks.value(key));
    }
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('storage "postgresql": storage is closed');
    try {
      return await fn();
    } catch (e) {
      throw new Error(`storage "postgresql": ${this.scrub(e)}`);
    }
  }

  /** Connects (with Vault's max_connect_retries), then creates the tables unless told not to. */
  static async open(raw: Record<string, string>, env: NodeJS.ProcessEnv = process.env, haTiming: HATiming = VAULT_HA_TIMING): Promise<PostgresStorage> {
    const options = parsePostgresOptions(raw, env);
    const password = connectionPassword(options.connectionString);
    let pool: pg.Pool;
    try {
      pool = new pg.Pool({
        ...(options.connectionString ? { connectionString: options.connectionString } : {}),
        max: options.maxParallel,
        idleTimeoutMillis: 30_000,
        connectionTimeoutMillis: 30_000,
      });
    } catch (e) {
      throw new Error(`storage "postgresql": invalid connection_url: ${scrubSecret((e as Error).message, password)}`);
    }
    // An idle connection dropped by the server must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const storage = new PostgresStorage(pool, options, haTiming);
    try {
      await storage.connectWithRetries();
      if (!options.skipCreateTable) await storage.createTables();
    } catch (e) {
      await pool.end().catch(() => {});
      throw e;
    }
    return storage;
  }

  private async connectWithRetries(): Promise<void> {
    const { maxConnectRetries } = this.options;
    let delay = 15;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.pool.query('SELECT 1');
        return;
      } catch (e) {
        if (maxConnectRetries !== 0 && attempt >= maxConnectRetries) {
          throw new Error(`storage "postgresql": unable to verify connection to ${describeTarget(this.options.connectionString)}: ${this.scrub(e)}`);
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  /**
   * Vault requires the table to exist; creating it when absent (with Vault's DDL) saves a
   * step. Concurrent starts may race on CREATE ... IF NOT EXISTS: a duplicate is success.
   */
  private async createTables(): Promise<void> {
    const t = this.options.table;
    const stmts = [
      `CREATE TABLE IF NOT EXISTS ${quoteIdent(t)} (
         parent_path TEXT COLLATE "C" NOT NULL,
         path        TEXT COLLATE "C",
         key         TEXT COLLATE "C",
         value       BYTEA,
         CONSTRAINT ${quoteIdent(`${t}_pkey`)} PRIMARY KEY (path, key))`,
      `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${t}_idx`)} ON ${quoteIdent(t)} (parent_path)`,
      ...(this.options.haEnabled ? [haTableDDL(this.options.haTable)] : []),
    ];
    for (const sql of stmts) {
      try {
        await this.pool.query(sql);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === '23505' || code === '42P07') continue; // created by a concurrent start
        if (code === '25006') return; // read-only replica: the operator created the table
        throw new Error(`storage "postgresql": cannot create table ${quoteIdent(t)}: ${this.scrub(e)}`);
      }
    }
  }

  private scrub(e: unknown): string {
    return scrubSecret(e instanceof Error ? e.message : String(e), this.password);
  }

  /** Runs fn on a pooled client, tracked so close() can wait for it. */
  private async withClient<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('storage "postgresql": storage is closed');
    const work = this.run(fn);
    const settled = work.then(() => {}, () => {});
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return work;
  }

  /** Keeps at most max_idle_connections connections idle; drops a connection that broke. */
  private async run<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw new Error(`storage "postgresql": ${this.scrub(e)}`);
    }
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (e) {
      // A protocol-level failure leaves the connection unusable; a SQL error does not.
      if (!(e instanceof pg.DatabaseError)) broken = e as Error;
      if (e instanceof Error) {
        const clean = this.scrub(e);
        if (clean !== e.message) throw Object.assign(new Error(clean), { code: (e as { code?: string }).code });
      }
      throw e;
    } finally {
      const { maxIdle } = this.options;
      const tooManyIdle = maxIdle !== undefined && this.pool.idleCount >= maxIdle && this.pool.waitingCount === 0;
      client.release(broken ?? tooManyIdle);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const [, path, k] = splitKey(key);
    const res = await this.withClient((c) => c.query<{ value: Buffer | null }>(this.q.get, [path, k]));
    const row = res.rows[0];
    if (!row) return undefined;
    const v = row.value ?? Buffer.alloc(0);
    return new Uint8Array(v.buffer, v.byteOffset, v.length);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    checkOps([{ op: 'put', key, value }]);
    const [parent, path, k] = splitKey(key);
    // Copied now: the query may wait for a connection while the caller reuses its buffer.
    const copy = Buffer.from(value);
    await this.withClient((c) => c.query(this.q.put, [parent, path, k, copy]));
  }

  async delete(key: string): Promise<void> {
    const [, path, k] = splitKey(key);
    await this.withClient((c) => c.query(this.q.del, [path, k]));
  }

  async list(prefix: string): Promise<string[]> {
    const start = `/${prefix}`;
    // Every prefix here ends in "/", and "0" is the byte after "/": the range covers exactly
    // the strings that start with the prefix.
    const end = `${start.slice(0, -1)}0`;
    const res = await this.withClient((c) => c.query<{ entry: string | null }>(this.q.list, [start, end]));
    const out = new Set<string>();
    for (const r of res.rows) if (r.entry) out.add(r.entry);
    // PostgreSQL orders by code point; the interface orders as JavaScript's sort does.
    return [...out].sort();
  }

  /** All ops in one SQL transaction; validated first, so a malformed op never reaches SQL. */
  async transaction(ops: StorageOp[]): Promise<void> {
    checkOps(ops);
    if (ops.length === 0) return;
    const prepared = ops.map((op) => {
      const [parent, path, k] = splitKey(op.key);
      return op.op === 'put'
        ? { sql: this.q.put, params: [parent, path, k, Buffer.from(op.value)] }
        : { sql: this.q.del, params: [path, k] };
    });
    await this.withClient(async (c) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await c.query('BEGIN');
          for (const p of prepared) await c.query(p.sql, p.params);
          await c.query('COMMIT');
          return;
        } catch (e) {
          const code = (e as { code?: string }).code;
          const rolledBack = await c.query('ROLLBACK').then(() => true, () => false);
          // A connection that cannot even roll back is not returned to the pool (see withClient).
          if (!rolledBack) throw Object.assign(new Error((e as Error).message), { code });
          if (attempt >= TX_ATTEMPTS || !code || !RETRYABLE.has(code)) throw e;
        }
      }
    });
  }

  /** Waits for queries in flight, then closes every connection. Closing twice is harmless. */
  async close(): Promise<void> {
    this.closed = true;
    // pg's pool.end() abandons requests still queued for a connection, so drain them first.
    this.closing ??= (async () => {
      while (this.inFlight.size) await Promise.all([...this.inFlight]);
      await this.pool.end();
    })();
    await this.closing;
  }
}
