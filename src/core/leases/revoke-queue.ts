/**
 * The revocation work queue: a bounded pool of workers shared fairly between mounts (one
 * FIFO per mount, served round-robin, each mount capped below the pool size), so a Backend
 * whose revocations hang or fail cannot starve the others. Jobs never throw here: the lease
 * manager records failures and schedules retries itself.
 */
export interface RevokeQueueOptions {
  workers: number;
  perGroup: number;
  /** The fairness group of a lease (its mount). */
  groupOf(id: string): string;
  run(id: string): Promise<void>;
}

interface Group {
  ids: string[];
  head: number;
  running: number;
}

export class RevokeQueue {
  private readonly groups = new Map<string, Group>();
  private readonly queued = new Set<string>();
  private running = 0;
  private cursor = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: RevokeQueueOptions) {}

  get pending(): number {
    return this.queued.size;
  }

  get active(): number {
    return this.running;
  }

  enqueue(id: string): void {
    if (this.stopped || this.queued.has(id)) return;
    this.queued.add(id);
    const name = this.opts.groupOf(id);
    let g = this.groups.get(name);
    if (!g) {
      g = { ids: [], head: 0, running: 0 };
      this.groups.set(name, g);
    }
    g.ids.push(id);
    this.pump();
  }

  /** Resolves once nothing is queued or running (tests, seal). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queued.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking jobs; running ones finish on their own. */
  stop(): void {
    this.stopped = true;
    this.groups.clear();
    this.queued.clear();
    this.checkIdle();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.opts.workers) {
      const next = this.nextRunnable();
      if (!next) break;
      const [g, id] = next;
      g.running++;
      this.running++;
      void this.opts.run(id).catch(() => undefined).finally(() => {
        g.running--;
        this.running--;
        this.queued.delete(id);
        this.pump();
        this.checkIdle();
      });
    }
    this.checkIdle();
  }

  /** Round-robin over mounts that have work and spare capacity. */
  private nextRunnable(): [Group, string] | undefined {
    const names = [...this.groups.keys()];
    for (let i = 0; i < names.length; i++) {
      const name = names[(this.cursor + i) % names.length]!;
      const g = this.groups.get(name)!;
      if (g.head >= g.ids.length) {
        if (g.running === 0) this.groups.delete(name);
        continue;
      }
      if (g.running >= this.opts.perGroup) continue;
      const id = g.ids[g.head++]!;
      if (g.head > 1024 && g.head * 2 > g.ids.length) {
        g.ids = g.ids.slice(g.head);
        g.head = 0;
      }
      this.cursor = (this.cursor + i + 1) % Math.max(1, names.length);
      return [g, id];
    }
    return undefined;
  }

  private checkIdle(): void {
    if (this.running === 0 && (this.queued.size === 0 || this.stopped)) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
