/**
 * Group commit on one SQLite write connection: many callers' batches of writes become one
 * SQLite transaction, so they share one commit and one fsync. Each batch runs inside its own
 * SAVEPOINT, so a batch that fails rolls back alone and the others in the group still commit.
 * When SQLite abandons the whole transaction (an I/O error, a full disk) or COMMIT itself
 * fails, every batch is retried in a transaction of its own: the batch that caused it gets
 * its own error, the rest are not punished for sharing a commit with it.
 */
import type Database from 'better-sqlite3';
import { DELETE, UPSERT } from './sqlite-schema.js';

/** One op on the wire: a value puts, null deletes. */
export type WireOp = [key: string, value: Uint8Array | null];

export interface WireBatch {
  id: number;
  ops: WireOp[];
}

/** What a failed batch is told; Error objects are rebuilt on the other side of the thread. */
export interface WireError {
  message: string;
  code?: string;
}

export interface BatchResult {
  id: number;
  error?: WireError;
}

export interface GroupOutcome {
  results: BatchResult[];
  /** Durable commits (fsyncs of the WAL) this group cost. */
  commits: number;
}

function toWire(e: unknown): WireError {
  const err = e as { message?: unknown; code?: unknown };
  const message = typeof err?.message === 'string' ? err.message : String(e);
  return typeof err?.code === 'string' ? { message, code: err.code } : { message };
}

const asBuffer = (v: Uint8Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** Raised out of the grouped path when only per-batch commits can sort out who failed. */
class GroupBroken extends Error {}

export class GroupCommitter {
  private readonly put: Database.Statement<[string, Buffer]>;
  private readonly del: Database.Statement<[string]>;
  private readonly begin: Database.Statement<[]>;
  private readonly commit: Database.Statement<[]>;
  private readonly rollback: Database.Statement<[]>;
  private readonly savepoint: Database.Statement<[]>;
  private readonly release: Database.Statement<[]>;
  private readonly rollbackTo: Database.Statement<[]>;

  constructor(private readonly db: Database.Database) {
    this.put = db.prepare<[string, Buffer]>(UPSERT);
    this.del = db.prepare<[string]>(DELETE);
    // IMMEDIATE takes the write lock up front, so a busy file fails at BEGIN, before any work.
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT batch');
    this.release = db.prepare('RELEASE batch');
    this.rollbackTo = db.prepare('ROLLBACK TO batch');
  }

  /** Applies `batches` in order; each result says whether that batch is durably committed. */
  apply(batches: WireBatch[]): GroupOutcome {
    if (batches.length === 0) return { results: [], commits: 0 };
    if (batches.length === 1) return this.oneByOne(batches);
    try {
      this.begin.run();
    } catch (e) {
      // Nothing was applied and no batch is to blame (e.g. another process holds the lock).
      const error = toWire(e);
      return { results: batches.map(({ id }) => ({ id, error })), commits: 0 };
    }
    try {
      const failed = new Map<number, WireError>();
      for (const b of batches) {
        this.savepoint.run();
        try {
          this.applyOps(b.ops);
          this.release.run();
        } catch (e) {
          if (!this.db.inTransaction) throw new GroupBroken();
          this.rollbackTo.run();
          this.release.run();
          failed.set(b.id, toWire(e));
        }
      }
      this.commit.run();
      return { results: batches.map(({ id }) => (failed.has(id) ? { id, error: failed.get(id)! } : { id })), commits: 1 };
    } catch {
      this.rollbackQuietly();
      return this.oneByOne(batches);
    }
  }

  /** Each batch in its own transaction: the fallback, and the plain path for a lone batch. */
  private oneByOne(batches: WireBatch[]): GroupOutcome {
    const results: BatchResult[] = [];
    let commits = 0;
    for (const [i, b] of batches.entries()) {
      try {
        this.begin.run();
      } catch (e) {
        // Cannot even start: the rest would wait out the same busy timeout, one by one.
        const error = toWire(e);
        for (const rest of batches.slice(i)) results.push({ id: rest.id, error });
        break;
      }
      try {
        this.applyOps(b.ops);
        this.commit.run();
        commits++;
        results.push({ id: b.id });
      } catch (e) {
        this.rollbackQuietly();
        results.push({ id: b.id, error: toWire(e) });
      }
    }
    return { results, commits };
  }

  private applyOps(ops: WireOp[]): void {
    for (const [key, value] of ops) {
      if (value === null) this.del.run(key);
      else this.put.run(key, asBuffer(value));
    }
  }

  private rollbackQuietly(): void {
    // SQLite may already have rolled back on its own (it does for SQLITE_FULL and I/O errors).
    if (!this.db.inTransaction) return;
    try {
      this.rollback.run();
    } catch {
      // The connection is unusable; the next BEGIN reports why.
    }
  }
}
