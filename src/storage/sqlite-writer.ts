/**
 * The main thread's side of SQLite writes. Commits (and their fsync) run on a worker thread
 * that owns the write connection (sqlite-worker.ts), so the event loop never waits on the
 * disk. Writes submitted during one callback travel in one message; the worker applies
 * whatever has queued up as one group commit (sqlite-group.ts). A write's promise settles
 * only after the worker's COMMIT returned: with synchronous=FULL that is after the WAL was
 * fsynced, and any read started afterwards on another connection of the file sees it.
 */
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { GroupCommitter, type BatchResult, type WireBatch, type WireError, type WireOp } from './sqlite-group.js';

export type ToWorker = { type: 'write'; batches: WireBatch[] } | { type: 'close' };
export type FromWorker =
  | { type: 'ready'; journalMode: string; synchronous: number }
  | { type: 'failed'; error: WireError }
  | { type: 'done'; results: BatchResult[]; commits: number };

export interface WriterStats {
  /** Batches (puts, deletes, transactions) acknowledged, successfully or not. */
  batches: number;
  /** Durable commits they cost: batches / commits is the group size. */
  commits: number;
}

export interface WriterSettings {
  journalMode: string;
  synchronous: number;
}

/** Where the writes of one SqliteStorage go. Ops are already validated and copied. */
export interface Writer {
  submit(ops: WireOp[]): Promise<void>;
  /** Resolves once every write submitted so far has settled. */
  drain(): Promise<void>;
  /** Settles every submitted write, then stops; later submits reject. */
  close(): Promise<void>;
  stats(): WriterStats;
  settings(): Promise<WriterSettings>;
}

function fromWire(e: WireError): Error {
  const err = new Error(e.message);
  if (e.code !== undefined) (err as Error & { code?: string }).code = e.code;
  return err;
}

const closedError = () => new Error('storage "sqlite": the storage is closed');

/**
 * Starts the worker module next to this one: sqlite-worker.js in the compiled dist/. From the
 * TypeScript sources (tests, benchmarks, run under tsx), the worker is sqlite-worker.ts; Node
 * 20 does not pass the main thread's --import hooks on to worker threads, so the worker first
 * registers tsx itself.
 *
 * The worker gets none of the process's flags: it runs SQLite and nothing else, and a worker
 * refuses many of them. Inherited, --input-type stops a file worker from loading; passed
 * explicitly, V8 and process flags (--max-old-space-size, --trace-gc, --title) make the
 * Worker constructor throw. Either way the server would not start.
 */
function startWorker(path: string): Worker {
  const options = { workerData: { path }, execArgv: [] };
  const fromSources = new URL(import.meta.url).pathname.endsWith('.ts');
  if (!fromSources) return new Worker(new URL('./sqlite-worker.js', import.meta.url), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./sqlite-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

interface Waiter {
  resolve(): void;
  reject(e: Error): void;
}

export class WorkerWriter implements Writer {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;
  private outbox: WireBatch[] = [];
  private transfer: ArrayBuffer[] = [];
  private postScheduled = false;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;
  private readonly exited: Promise<void>;
  private readonly ready: Promise<WriterSettings>;
  private counts: WriterStats = { batches: 0, commits: 0 };
  private onDrained: (() => void)[] = [];
  private started = false;

  constructor(path: string) {
    this.worker = startWorker(path);
    let onReady!: (s: WriterSettings) => void;
    let onNotReady!: (e: Error) => void;
    this.ready = new Promise<WriterSettings>((res, rej) => { onReady = res; onNotReady = rej; });
    this.ready.catch(() => undefined);
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'done') this.settle(m.results, m.commits);
      else if (m.type === 'ready') {
        this.started = true;
        onReady({ journalMode: m.journalMode, synchronous: m.synchronous });
        this.unrefIfIdle();
      } else {
        const e = new Error(`storage "sqlite": the writer cannot open the database: ${m.error.message}`);
        onNotReady(e);
        this.fail(e);
        void this.worker.terminate();
      }
    });
    this.worker.on('error', (e) => this.fail(new Error(`storage "sqlite": the writer thread failed: ${e.message}`)));
    this.exited = new Promise<void>((resolve) => {
      this.worker.once('exit', (code) => {
        onNotReady(new Error(`storage "sqlite": the writer thread exited (code ${code})`));
        // Writes still waiting now may or may not have committed: say so rather than guess.
        this.fail(new Error(`storage "sqlite": the writer thread exited (code ${code}) before acknowledging the write`));
        resolve();
      });
    });
  }

  submit(ops: WireOp[]): Promise<void> {
    if (this.closing) return Promise.reject(closedError());
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      const id = this.nextId++;
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.outbox.push({ id, ops });
      // The values of one submit share one buffer (see SqliteStorage): transfer it once.
      for (const [, v] of ops) {
        if (v !== null && this.transfer[this.transfer.length - 1] !== v.buffer) this.transfer.push(v.buffer as ArrayBuffer);
      }
      if (!this.postScheduled) {
        this.postScheduled = true;
        // Once the current callback is done: its writes (a KV group flush makes several) travel
        // in one message. Waiting longer gains nothing: the worker groups whatever messages
        // arrive while it commits, and every later hop would add to each write's latency.
        queueMicrotask(() => this.post());
      }
    });
  }

  private post(): void {
    this.postScheduled = false;
    if (this.outbox.length === 0 || this.failure) return;
    const msg: ToWorker = { type: 'write', batches: this.outbox };
    // The values are our own copies (see SqliteStorage): hand their memory over, no second copy.
    this.worker.postMessage(msg, this.transfer);
    this.outbox = [];
    this.transfer = [];
  }

  private settle(results: BatchResult[], commits: number): void {
    this.counts.commits += commits;
    for (const r of results) {
      const w = this.waiting.get(r.id);
      if (!w) continue;
      this.waiting.delete(r.id);
      this.counts.batches++;
      if (r.error) w.reject(fromWire(r.error));
      else w.resolve();
    }
    this.unrefIfIdle();
    this.checkDrained();
  }

  /**
   * An idle writer must not keep the process alive; one that is starting or has writes in
   * flight does (ref() in submit), so a process that ends by itself still gets its writes
   * acknowledged, and a caller awaiting settings() gets an answer.
   */
  private unrefIfIdle(): void {
    if (this.waiting.size === 0 && !this.closing && this.started) this.worker.unref();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.outbox = [];
    this.transfer = [];
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiting) w.reject(e);
    this.checkDrained();
  }

  drain(): Promise<void> {
    this.post();
    if (this.waiting.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.onDrained.push(resolve));
  }

  private checkDrained(): void {
    if (this.waiting.size !== 0) return;
    const waiters = this.onDrained;
    this.onDrained = [];
    for (const w of waiters) w();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.worker.ref();
      await this.drain();
      this.worker.postMessage({ type: 'close' } satisfies ToWorker);
      await this.exited;
    })();
    return this.closing;
  }

  stats(): WriterStats {
    return { ...this.counts };
  }

  settings(): Promise<WriterSettings> {
    return this.ready;
  }
}

/**
 * For ":memory:" databases, which cannot be shared with another thread: the same group
 * committer, run inline. There is no disk to wait for.
 */
export class InlineWriter implements Writer {
  private readonly committer: GroupCommitter;
  private closed = false;
  private counts: WriterStats = { batches: 0, commits: 0 };

  constructor(private readonly db: Database.Database) {
    this.committer = new GroupCommitter(db);
  }

  async submit(ops: WireOp[]): Promise<void> {
    if (this.closed) throw closedError();
    const { results, commits } = this.committer.apply([{ id: 0, ops }]);
    this.counts.commits += commits;
    this.counts.batches++;
    if (results[0]!.error) throw fromWire(results[0]!.error);
  }

  async drain(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }

  stats(): WriterStats {
    return { ...this.counts };
  }

  async settings(): Promise<WriterSettings> {
    return { journalMode: String(this.db.pragma('journal_mode', { simple: true })), synchronous: Number(this.db.pragma('synchronous', { simple: true })) };
  }
}
