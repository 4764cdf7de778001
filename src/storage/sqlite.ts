/**
 * The embedded default storage: one SQLite file in WAL mode with synchronous=FULL, so a
 * write acknowledged to a client has reached the disk. Statements are prepared once.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Storage, StorageOp } from './storage.js';

export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement;
  private readonly putStmt: Database.Statement;
  private readonly delStmt: Database.Statement;
  private readonly rangeStmt: Database.Statement;
  private readonly applyTx: (ops: StorageOp[]) => void;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
    } catch (e) {
      throw new Error(`storage "sqlite": cannot open "${path}": ${(e as Error).message}`);
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID');
    this.getStmt = this.db.prepare('SELECT value FROM kv WHERE key = ?').pluck();
    this.putStmt = this.db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.delStmt = this.db.prepare('DELETE FROM kv WHERE key = ?');
    this.rangeStmt = this.db.prepare('SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key').pluck();
    this.applyTx = this.db.transaction((ops: StorageOp[]) => {
      for (const op of ops) {
        if (op.op === 'put') this.putStmt.run(op.key, Buffer.from(op.value));
        else this.delStmt.run(op.key);
      }
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this.getStmt.get(key) as Buffer | undefined;
    return v === undefined ? undefined : new Uint8Array(v);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.putStmt.run(key, Buffer.from(value));
  }

  async delete(key: string): Promise<void> {
    this.delStmt.run(key);
  }

  /** Walks the key range, jumping past each folder so a big subtree costs one row, not all of them. */
  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const end = prefix + '\uffff';
    let from = prefix;
    for (;;) {
      let jumped = false;
      for (const key of this.rangeStmt.iterate(from, end) as IterableIterator<string>) {
        const rest = key.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (slash === -1) {
          out.push(rest);
          continue;
        }
        const folder = rest.slice(0, slash + 1);
        out.push(folder);
        // '/' + 1 is '0': the next key after every key under this folder.
        from = prefix + rest.slice(0, slash) + '0';
        jumped = true;
        break;
      }
      if (!jumped) break;
    }
    return [...new Set(out)].sort();
  }

  async transaction(ops: StorageOp[]): Promise<void> {
    this.applyTx(ops);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
