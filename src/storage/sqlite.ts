/**
 * The embedded default storage: one SQLite file in WAL mode with synchronous=FULL, so a
 * write acknowledged to a client has reached the disk (the WAL is fsynced on each commit).
 *
 * Reads run synchronously on this thread through their own connection: WAL lets a reader
 * proceed while a writer commits, and a read started after a write's promise resolved sees
 * that write. Writes go to a worker thread that owns the write connection and group-commits
 * whatever queued up while its previous commit was running (sqlite-writer.ts), so fsync
 * never blocks the event loop and N concurrent writers cost far fewer than N fsyncs.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { checkOps, childOf } from './ops.js';
import type { WireOp } from './sqlite-group.js';
import { isInMemory, openConnection } from './sqlite-schema.js';
import { InlineWriter, WorkerWriter, type Writer, type WriterSettings, type WriterStats } from './sqlite-writer.js';
import type { Storage, StorageOp } from './storage.js';

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

/**
 * Validated ops as the writer takes them. The values are copied, all into one fresh
 * ArrayBuffer: the caller may reuse its buffers as soon as we return, and one buffer is handed
 * to the writer thread in one transfer however many values a transaction has.
 */
function toWire(ops: readonly StorageOp[]): WireOp[] {
  checkOps(ops);
  let bytes = 0;
  for (const o of ops) if (o.op === 'put') bytes += o.value.byteLength;
  const block = new Uint8Array(bytes);
  let at = 0;
  return ops.map((o): WireOp => {
    if (o.op !== 'put') return [o.key, null];
    const v = block.subarray(at, at + o.value.byteLength);
    v.set(o.value);
    at += o.value.byteLength;
    return [o.key, v];
  });
}

export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private readonly writer: Writer;
  private readonly getStmt: Database.Statement<[string], Buffer>;
  private readonly rangeStmt: Database.Statement<[string, string], string>;
  private readonly tailStmt: Database.Statement<[string], string>;
  private closing: Promise<void> | undefined;

  constructor(readonly path: string) {
    let db: Database.Database | undefined;
    const inMemory = isInMemory(path);
    try {
      if (!inMemory) {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        // Only ciphertext lives here, but it is nobody else's business. An empty file is a
        // new database to SQLite, and its -wal and -shm files take the main file's mode.
        try {
          writeFileSync(path, '', { flag: 'wx', mode: 0o600 });
          chmodSync(path, 0o600);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
      }
      db = openConnection(path);
    } catch (e) {
      db?.close();
      throw new Error(`storage "sqlite": cannot open "${path}": ${(e as Error).message}`);
    }
    this.db = db;
    this.getStmt = db.prepare<[string], Buffer>('SELECT value FROM kv WHERE key = ?').pluck();
    this.rangeStmt = db.prepare<[string, string], string>('SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key').pluck();
    this.tailStmt = db.prepare<[string], string>('SELECT key FROM kv WHERE key >= ? ORDER BY key').pluck();
    if (inMemory) {
      // A ":memory:" database lives in this connection alone: no other thread can write it.
      this.writer = new InlineWriter(db);
    } else {
      // Every write goes through the writer thread; this connection only reads.
      db.pragma('query_only = ON');
      this.writer = new WorkerWriter(path);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this.getStmt.get(key);
    return v === undefined ? undefined : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.write([{ op: 'put', key, value }]);
  }

  delete(key: string): Promise<void> {
    return this.write([{ op: 'delete', key }]);
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

  transaction(ops: StorageOp[]): Promise<void> {
    return this.write(ops);
  }

  private async write(ops: StorageOp[]): Promise<void> {
    if (this.closing) throw new Error('storage "sqlite": the storage is closed');
    const wire = toWire(ops);
    if (wire.length === 0) return;
    await this.writer.submit(wire);
  }

  /** Group-commit counters: how many writes were acknowledged, and how many commits they took. */
  writeStats(): WriterStats {
    return this.writer.stats();
  }

  /** The write connection's journal mode and synchronous level, as SQLite reports them. */
  writerSettings(): Promise<WriterSettings> {
    return this.writer.settings();
  }

  /** Waits for every write already submitted, then stops the writer and closes the file. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.writer.drain();
      } finally {
        // The reader goes first, so the writer's connection is the last one open and does the
        // closing checkpoint on its own thread.
        if (this.db.open) this.db.close();
        await this.writer.close();
      }
    })();
    return this.closing;
  }
}
