/**
 * The real databases the database-engine tests use: PostgreSQL on 127.0.0.1:5432 (user
 * postgres, trust auth) and MariaDB on 127.0.0.1:3306 (root, no password). Both are started by
 * .ci/run; under CI a missing database fails the tests, elsewhere they are skipped with the reason.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';

export const PG_URL = 'postgresql://{{username}}:{{password}}@127.0.0.1:5432/test?sslmode=disable';
export const MYSQL_URL = '{{username}}:{{password}}@tcp(127.0.0.1:3306)/';

/** A short unique suffix so parallel and repeated runs never share names. */
export const runId = () => randomBytes(4).toString('hex');

async function reachable(check: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await check();
    return undefined;
  } catch (e) {
    return (e as Error).message || String(e);
  }
}

/** `{ skip }` for node:test: false when the database answers or CI is set (then a missing DB fails loudly). */
export async function skipUnless(db: 'postgres' | 'mariadb'): Promise<{ skip: string | false }> {
  const why = db === 'postgres'
    ? await reachable(async () => { const c = pgAdmin(); try { await c.query('SELECT 1'); } finally { await c.end(); } })
    : await reachable(async () => { const c = await mysqlAdmin(); await c.end(); });
  if (!why || process.env.CI) return { skip: false };
  return { skip: `${db} is not reachable on 127.0.0.1 (${why})` };
}

export function pgAdmin(): pg.Pool {
  const p = new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', max: 2, connectionTimeoutMillis: 5000 });
  p.on('error', () => undefined);
  return p;
}

export async function pgRole(admin: pg.Pool, name: string): Promise<{ rolvaliduntil: Date | null; rolpassword: string | null } | undefined> {
  const r = await admin.query('SELECT a.rolvaliduntil, a.rolpassword FROM pg_authid a WHERE a.rolname = $1', [name]);
  return r.rows[0];
}

/** Whether `password` is the one behind a pg_authid SCRAM-SHA-256 verifier (trust auth cannot tell us). */
export function scramMatches(verifier: string | null, password: string): boolean {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier ?? '');
  if (!m) return false;
  const salted = pbkdf2Sync(password, Buffer.from(m[2]!, 'base64'), Number(m[1]), 32, 'sha256');
  const stored = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest('base64');
  return stored === m[3];
}

export function mysqlAdmin(): Promise<mysql.Connection> {
  return mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test', connectTimeout: 5000 });
}

/** Connects as a user; returns the error code on failure (ER_ACCESS_DENIED when the user is gone or the password wrong). */
export async function mysqlLogin(user: string, password: string): Promise<string> {
  try {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user, password, connectTimeout: 5000 });
    await c.query('SELECT 1');
    await c.end();
    return 'ok';
  } catch (e) {
    const code = (e as { code?: string }).code ?? (e as Error).message;
    // MariaDB answers a user that is gone with either access-denied code, depending on how it matched the host.
    return code.startsWith('ER_ACCESS_DENIED') ? 'ER_ACCESS_DENIED' : code;
  }
}
