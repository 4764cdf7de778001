/**
 * The mysql-database-plugin (and its legacy, Aurora and RDS names, whose usernames must fit
 * MySQL 5.6's 16 characters): one mysql2 pool per config; users are created and rotated with
 * the operator's statements; the default revocation drops the user. MySQL has no expiry on a
 * user, so renewal changes nothing in the database, as in Vault.
 */
import mysql from 'mysql2/promise';
import { badRequest } from '../../lib/errors.js';
import { connectionSettings, sanitize, type ConnectionDetails, type ConnectionSettings, type DatabasePlugin, type NewUserRequest, type UpdateUserRequest } from './plugin.js';
import { parseMySQLDSN } from './mysql-dsn.js';
import { renderStatement, splitStatements } from './statements.js';
import { expirationString } from './credentials.js';

export const MYSQL_USERNAME_TEMPLATE = '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 10) (.RoleName | truncate 10) (random 20) (unix_time) | truncate 32 }}';
export const MYSQL_LEGACY_USERNAME_TEMPLATE = '{{ printf "v-%s-%s" (.RoleName | truncate 4) (random 20) | truncate 16 }}';
const DEFAULT_REVOCATION = `REVOKE ALL PRIVILEGES, GRANT OPTION FROM '{{name}}'@'%'; DROP USER '{{name}}'@'%'`;
const DEFAULT_ROTATION = `ALTER USER '{{username}}'@'%' IDENTIFIED BY '{{password}}';`;
const CONNECT_TIMEOUT_MS = 10_000;

export class MySQLPlugin implements DatabasePlugin {
  private pool?: mysql.Pool;
  private readonly settings: ConnectionSettings;

  constructor(details: ConnectionDetails, readonly defaultUsernameTemplate: string) {
    this.settings = connectionSettings(details, false);
    parseMySQLDSN(this.settings.connectionUrl);
  }

  private fail(e: unknown, prefix = ''): Error {
    return new Error(prefix + sanitize((e as Error)?.message ?? String(e), [this.settings.password, parseMySQLDSN(this.settings.connectionUrl).password ?? '']));
  }

  private getPool(): mysql.Pool {
    if (this.pool) return this.pool;
    const opts = parseMySQLDSN(this.settings.connectionUrl);
    this.pool = mysql.createPool({
      connectTimeout: CONNECT_TIMEOUT_MS,
      ...opts,
      connectionLimit: this.settings.maxOpen,
      maxIdle: this.settings.maxIdle,
      // mysql2 has no maximum connection age; retiring idle connections after it is the closest it offers.
      idleTimeout: this.settings.maxLifetime ? this.settings.maxLifetime * 1000 : 60_000,
      multipleStatements: false,
    });
    // An idle connection the server closed must not crash the process.
    this.pool.on('connection', (c) => { (c as unknown as { on(ev: string, f: () => void): void }).on('error', () => undefined); });
    return this.pool;
  }

  async verify(): Promise<void> {
    try {
      await this.getPool().query('SELECT 1');
    } catch (e) {
      throw this.fail(e, 'error verifying connection: ');
    }
  }

  private async inTransaction(entries: string[], values: Record<string, string>): Promise<void> {
    let conn: mysql.PoolConnection;
    try {
      conn = await this.getPool().getConnection();
    } catch (e) {
      throw this.fail(e, 'unable to get connection: ');
    }
    try {
      await conn.beginTransaction();
      for (const entry of entries) {
        for (const q of splitStatements(entry)) await conn.query(renderStatement(q, values));
      }
      await conn.commit();
    } catch (e) {
      await conn.rollback().catch(() => undefined);
      throw this.fail(e);
    } finally {
      conn.release();
    }
  }

  async newUser(req: NewUserRequest): Promise<void> {
    if (!req.statements.length) throw badRequest('empty creation statements');
    await this.inTransaction(req.statements, {
      name: req.username, username: req.username, password: req.password, expiration: expirationString(req.expiration),
    });
  }

  async updateUser(req: UpdateUserRequest): Promise<void> {
    if (!req.password && !req.expiration) throw new Error('no change requested');
    if (req.password) {
      if (!req.username || !req.password.value) throw new Error('must provide both username and password');
      const stmts = req.password.statements.length ? req.password.statements : [DEFAULT_ROTATION];
      await this.inTransaction(stmts, { name: req.username, username: req.username, password: req.password.value });
    }
  }

  async deleteUser(username: string, statements: string[]): Promise<void> {
    if (!statements.length) {
      let rows: unknown;
      try {
        [rows] = await this.getPool().query('SELECT 1 FROM mysql.user WHERE user = ?', [username]);
      } catch (e) {
        throw this.fail(e);
      }
      if (!(rows as unknown[]).length) return;
    }
    await this.inTransaction(statements.length ? statements : [DEFAULT_REVOCATION], { name: username, username });
  }

  async close(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    await p?.end().catch(() => undefined);
  }
}
