/**
 * The embedded default storage: one SQLite file in WAL mode with synchronous=FULL, so a
 * write acknowledged to a client has reached the disk (the WAL is fsynced on each commit).
 * Statements are prepared once; better-sqlite3 is synchronous, so every method completes
 * its write before its promise resolves and concurrent callers are naturally serialized.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { checkOps, childOf } from './ops.js';
import type { Storage, StorageOp } from './storage.js';

const asBuffer = (v: Uint8Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/**
 * The smallest string greater than every string that starts with `prefix`, in code point
 * order (which is the byte order of UTF-8, SQLite's BINARY collation). Appending '\uffff'
 * is not enough: characters beyond the BMP (emoji, CJK extension B) sort above it in UTF-8.
 * Undefined when no such bound exists (the empty prefix).
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix];
  while (points.length) {
    let next = points.pop()!.codePointAt(0)! + 1;
    if (next > 0x10ffff) continue;
    // Surrogates are not characters; UTF-8 has nothing between U+D7FF and U+E000.
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    return points.join('') + String.fromCodePoint(next);
  }
  return undefined;
}

export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], Buffer>;
  private readonly putStmt: Database.Statement<[string, Buffer]>;
  private readonly delStmt: Database.Statement<[string]>;
  private readonly rangeStmt: Database.Statement<[string, string], string>;
  private readonly tailStmt: Database.Statement<[string], string>;
  private readonly applyTx: (ops: StorageOp[]) => void;

  constructor(readonly path: string) {
    let db: Database.Database | undefined;
    try {
      const inMemory = path === ':memory:' || path === '';
      const created = !inMemory && !existsSync(path);
      if (!inMemory) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      db = new Database(path);
      // Only ciphertext lives here, but it is nobody else's business; SQLite gives the
      // -wal and -shm files the main file's mode.
      if (created) chmodSync(path, 0o600);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID');
    } catch (e) {
      db?.close();
      throw new Error(`storage "sqlite": cannot open "${path}": ${(e as Error).message}`);
    }
    this.db = db;
    this.getStmt = db.prepare<[string], Buffer>('SELECT value FROM kv WHERE key = ?').pluck();
    this.putStmt = db.prepare<[string, Buffer]>('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.delStmt = db.prepare<[string]>('DELETE FROM kv WHERE key = ?');
    this.rangeStmt = db.prepare<[string, string], string>('SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key').pluck();
    this.tailStmt = db.prepare<[string], string>('SELECT key FROM kv WHERE key >= ? ORDER BY key').pluck();
    this.applyTx = db.transaction((ops: StorageOp[]) => {
      for (const op of ops) {
        if (op.op === 'put') this.putStmt.run(op.key, asBuffer(op.value));
        else this.delStmt.run(op.key);
      }
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this.getStmt.get(key);
    return v === undefined ? undefined : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    checkOps([{ op: 'put', key, value }]);
    this.putStmt.run(key, asBuffer(value));
  }

  async delete(key: string): Promise<void> {
    this.delStmt.run(key);
  }

  /**
   * Walks the prefix's key range in index order, and on meeting a folder jumps past all of
   * it ('/' + 1 is '0'), so a subtree of a million keys costs one row, not a million.
   */
  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const end = prefixEnd(prefix);
    let from = prefix;
    for (let jumped = true; jumped; ) {
      jumped = false;
      const rows = end === undefined ? this.tailStmt.iterate(from) : this.rangeStmt.iterate(from, end);
      for (const key of rows) {
        const child = childOf(prefix, key)!;
        out.push(child);
        if (child.endsWith('/')) {
          from = prefix + child.slice(0, -1) + '0';
          jumped = true;
          break;
        }
      }
    }
    // SQLite orders by UTF-8 bytes; every backend answers in JavaScript's string order.
    return out.sort();
  }

  async transaction(ops: StorageOp[]): Promise<void> {
    checkOps(ops);
    this.applyTx(ops);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
