/**
 * What every connection to a Coffer SQLite file agrees on: the pragmas and the one table.
 * Shared by the main thread's connection (which creates the file and serves reads) and the
 * writer thread's connection (which does every write), so the two cannot drift apart.
 */
import Database from 'better-sqlite3';

export const CREATE_TABLE = 'CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID';
export const UPSERT = 'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value';
export const DELETE = 'DELETE FROM kv WHERE key = ?';

/** SQLite's code for synchronous=FULL: the WAL is fsynced at every commit. */
export const SYNCHRONOUS_FULL = 2;

/**
 * Opens `path` with WAL and synchronous=FULL, so a commit that returned is on disk.
 * busy_timeout covers another process holding the write lock (two servers on one file).
 */
export function openConnection(path: string): Database.Database {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(CREATE_TABLE);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

export const isInMemory = (path: string): boolean => path === ':memory:' || path === '';
