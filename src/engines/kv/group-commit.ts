/**
 * Group commit: transactions requested during the same event-loop turn are applied as one
 * storage transaction, so N concurrent KV writes cost one durable commit (one fsync on
 * SQLite) instead of N. Each request's ops stay all-or-nothing (the combined transaction is
 * atomic); if it fails, every request in the batch gets the error and none of them wrote.
 * Callers must not put two requests touching the same key into one batch — KV's per-key
 * locks guarantee that, since a writer holds its key until its commit resolves.
 */
import type { LogicalStorage } from '../../framework/types.js';
import type { StorageOp } from './v2-store.js';

/** Keeps one physical transaction within what every storage backend accepts (etcd: 128 ops). */
const MAX_OPS = 128;

interface Pending {
  ops: StorageOp[];
  resolve(): void;
  reject(e: unknown): void;
}

export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(private readonly storage: LogicalStorage) {}

  apply(ops: StorageOp[]): Promise<void> {
    if (!ops.length) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ ops, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate runs after this turn's I/O callbacks: every request that arrived
        // together (typically while the previous commit blocked) joins the same batch.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const all = this.pending;
    this.pending = [];
    this.scheduled = false;
    let batch: Pending[] = [];
    let size = 0;
    for (const p of all) {
      if (batch.length && size + p.ops.length > MAX_OPS) {
        void this.commit(batch);
        batch = [];
        size = 0;
      }
      batch.push(p);
      size += p.ops.length;
    }
    if (batch.length) void this.commit(batch);
  }

  private async commit(batch: Pending[]): Promise<void> {
    try {
      await this.storage.transaction(batch.length === 1 ? batch[0]!.ops : batch.flatMap((p) => p.ops));
      for (const p of batch) p.resolve();
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}
