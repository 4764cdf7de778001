/**
 * The PostgreSQL the storage tests use: 127.0.0.1:5432, user postgres, trust auth, database
 * `test` (COFFER_TEST_PG_URL overrides). Each test gets its own table, dropped at the end.
 * Under CI the server must be there (.ci/run starts it), so nothing is skipped; on a developer
 * machine without it the tests skip and say why.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.COFFER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/** false when the tests may run; a reason string when they skip. */
export const pgSkip: string | false = process.env.CI || (await reachable())
  ? false
  : `PostgreSQL not reachable at ${PG_URL} (CI unset, so skipping; set COFFER_TEST_PG_URL or start postgres)`;

const made = new Set<string>();

/** A table name no other test (or run) uses; remembered for dropTestTables. */
export function freshTable(): string {
  const name = `coffer_test_${randomBytes(6).toString('hex')}`;
  made.add(name);
  return name;
}

/** Runs SQL on a short-lived connection of its own. */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return (await c.query<R>(text, params)).rows;
  } finally {
    await c.end();
  }
}

export async function dropTestTables(): Promise<void> {
  if (pgSkip || made.size === 0) return;
  const names = [...made].map((n) => `"${n}"`).join(', ');
  made.clear();
  await sql(`DROP TABLE IF EXISTS ${names} CASCADE`);
}
