/**
 * The postgresql-database-plugin: one pg.Pool per connection config; users are created,
 * renewed (VALID UNTIL) and rotated inside a transaction; the default revocation revokes the
 * user's privileges and drops the role, as Vault's plugin does (handing objects the user owns
 * to the engine's user first).
 */
import pg from 'pg';
import { badRequest } from '../../lib/errors.js';
import { connectionSettings, sanitize, type ConnectionDetails, type ConnectionSettings, type DatabasePlugin, type NewUserRequest, type UpdateUserRequest } from './plugin.js';
import { scramVerifier } from './scram.js';
import { containsMultilineStatement, renderStatement, splitStatements } from './statements.js';
import { expirationString } from './credentials.js';

export const POSTGRES_USERNAME_TEMPLATE = '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}';
const DEFAULT_EXPIRATION = `ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`;
const DEFAULT_CHANGE_PASSWORD = `ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';`;
const CONNECT_TIMEOUT_MS = 10_000;
const QUERY_TIMEOUT_MS = 60_000;

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** libpq's key=value form ("host=… user=… dbname=…"), which pg's parser does not read. */
function parseKeyValueDSN(dsn: string): pg.PoolConfig {
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S+))/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(dsn))) {
    out[m[1]!] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
    end = re.lastIndex;
  }
  if (dsn.slice(end).trim()) throw badRequest('error creating database object: cannot parse connection_url');
  const cfg: pg.PoolConfig = {};
  if (out.host) cfg.host = out.host;
  if (out.port) cfg.port = Number(out.port);
  if (out.user) cfg.user = out.user;
  if (out.password) cfg.password = out.password;
  if (out.dbname) cfg.database = out.dbname;
  if (out.sslmode && out.sslmode !== 'disable') cfg.ssl = out.sslmode === 'require' ? { rejectUnauthorized: false } : true;
  return cfg;
}

export class PostgresPlugin implements DatabasePlugin {
  readonly defaultUsernameTemplate = POSTGRES_USERNAME_TEMPLATE;
  private pool?: pg.Pool;
  private readonly settings: ConnectionSettings;
  private readonly scram: boolean;
  private readonly base: pg.PoolConfig;

  constructor(details: ConnectionDetails) {
    this.settings = connectionSettings(details, true);
    const auth = details.password_authentication ?? '';
    if (auth !== '' && auth !== 'password' && auth !== 'scram-sha-256') {
      throw badRequest(`error creating database object: '${String(auth)}' is not a valid password authentication type`);
    }
    this.scram = auth === 'scram-sha-256';
    this.base = /^postgres(ql)?:\/\//.test(this.settings.connectionUrl) ? { connectionString: this.settings.connectionUrl } : parseKeyValueDSN(this.settings.connectionUrl);
  }

  /** The root password, and one written literally into the URL: neither may reach a client. */
  private secrets(): string[] {
    let inUrl = '';
    try { inUrl = decodeURIComponent(new URL(this.settings.connectionUrl).password); } catch { /* key=value form */ }
    const kv = /(?:^|\s)password\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S+))/.exec(this.settings.connectionUrl);
    return [this.settings.password, inUrl, kv?.[1] ?? kv?.[2] ?? ''];
  }

  private fail(e: unknown, prefix = ''): Error {
    return new Error(prefix + sanitize((e as Error)?.message ?? String(e), this.secrets()));
  }

  private getPool(): pg.Pool {
    if (this.pool) return this.pool;
    const pool = new pg.Pool({
      ...this.base,
      max: this.settings.maxOpen,
      ...(this.settings.maxLifetime ? { maxLifetimeSeconds: this.settings.maxLifetime } : {}),
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      application_name: 'coffer',
      allowExitOnIdle: true,
    });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    this.pool = pool;
    return pool;
  }

  async verify(): Promise<void> {
    try {
      await this.getPool().query('SELECT 1');
    } catch (e) {
      throw this.fail(e, 'error verifying connection: ');
    }
  }

  /** Runs statements in one transaction; a failed statement rolls back the whole set. */
  private async inTransaction(work: (c: pg.PoolClient) => Promise<void>): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.getPool().connect();
    } catch (e) {
      throw this.fail(e, 'unable to get connection: ');
    }
    let broken: Error | undefined;
    // A checked-out client whose connection drops emits 'error'; unheard, that would crash the process.
    const onError = (e: Error) => { broken = e; };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch((re) => { broken = re as Error; });
      throw this.fail(e);
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  private async runEach(c: pg.PoolClient, entries: string[], values: Record<string, string>): Promise<void> {
    for (const entry of entries) {
      const queries = containsMultilineStatement(entry) ? [entry] : splitStatements(entry);
      for (const q of queries) await c.query(renderStatement(q, values));
    }
  }

  private async passwordValue(password: string): Promise<string> {
    return this.scram ? scramVerifier(password) : password;
  }

  async newUser(req: NewUserRequest): Promise<void> {
    if (!req.statements.length) throw badRequest('empty creation statements');
    const values = { name: req.username, username: req.username, password: await this.passwordValue(req.password), expiration: expirationString(req.expiration) };
    await this.inTransaction((c) => this.runEach(c, req.statements, values));
  }

  async updateUser(req: UpdateUserRequest): Promise<void> {
    if (!req.password && !req.expiration) throw new Error('no changes requested');
    if (req.password) {
      const values = { name: req.username, username: req.username, password: await this.passwordValue(req.password.value) };
      const stmts = req.password.statements.length ? req.password.statements : [DEFAULT_CHANGE_PASSWORD];
      await this.inTransaction((c) => this.runEach(c, stmts, values));
    }
    if (req.expiration) {
      const values = { name: req.username, username: req.username, expiration: expirationString(req.expiration.value) };
      const stmts = req.expiration.statements.length ? req.expiration.statements : [DEFAULT_EXPIRATION];
      await this.inTransaction((c) => this.runEach(c, stmts, values));
    }
  }

  async deleteUser(username: string, statements: string[]): Promise<void> {
    if (statements.length) {
      await this.inTransaction((c) => this.runEach(c, statements, { name: username, username }));
      return;
    }
    await this.defaultDeleteUser(username);
  }

  /** Vault's default: revoke what the role was granted, then drop it; a role already gone is done. */
  private async defaultDeleteUser(username: string): Promise<void> {
    const pool = this.getPool();
    const u = quoteIdent(username);
    try {
      const exists = await pool.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
      if (!exists.rowCount) return;
      const schemas = await pool.query<{ table_schema: string }>('SELECT DISTINCT table_schema FROM information_schema.role_column_grants WHERE grantee = $1', [username]);
      const stmts: string[] = [];
      for (const { table_schema } of schemas.rows) {
        stmts.push(`REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${quoteIdent(table_schema)} FROM ${u}`, `REVOKE USAGE ON SCHEMA ${quoteIdent(table_schema)} FROM ${u}`);
      }
      stmts.push(
        `REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM ${u}`,
        `REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM ${u}`,
        `REVOKE USAGE ON SCHEMA public FROM ${u}`,
      );
      const db = await pool.query<{ current_database: string }>('SELECT current_database()');
      const dbname = db.rows[0]?.current_database;
      if (dbname) stmts.push(`REVOKE CONNECT ON DATABASE ${quoteIdent(dbname)} FROM ${u}`);
      let last: unknown;
      for (const s of stmts) await pool.query(s).catch((e) => { last = e; });
      if (last) throw this.fail(last, 'could not perform all revocation statements: ');
      // Beyond Vault: a user that created objects could never be dropped (and its lease would end
      // irrevocable); its objects go to the engine's user instead. Users owning nothing take Vault's path.
      const owns = await pool.query(
        `SELECT 1 FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid JOIN pg_database db ON db.oid = d.dbid
          WHERE r.rolname = $1 AND d.deptype = 'o' AND db.datname = current_database() LIMIT 1`, [username]);
      if (owns.rowCount) {
        await pool.query(`REASSIGN OWNED BY ${u} TO CURRENT_USER`);
        await pool.query(`DROP OWNED BY ${u}`);
      }
      await pool.query(`DROP ROLE IF EXISTS ${u}`);
    } catch (e) {
      throw this.fail(e);
    }
  }

  async close(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    await p?.end().catch(() => undefined);
  }
}
