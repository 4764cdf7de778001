/**
 * Raw SQLite storage write throughput: SqliteStorage.put with 1, 10 and 100 concurrent
 * writers, against a plain write+fdatasync loop on the same disk measured in the same run
 * (the floor for one durable write per fsync). Group commit shows as puts/s above that floor
 * and as puts per commit; the main thread's busy share shows whether commits block it.
 * Options: BENCH_SECONDS per measurement (default 3), BENCH_ROUNDS (default 3; the median
 * round is reported), BENCH_WRITERS (default 1,10,100).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SqliteStorage } from '../src/storage/sqlite.js';

/** About the size of a small secret after the barrier's encryption. */
const VALUE_BYTES = 128;
const KEYS_PER_WRITER = 100;

interface Run {
  ops: number;
  seconds: number;
  /** Per-operation latency, ms. */
  p50: number;
  p99: number;
  /**
   * Share of the run the main thread was busy (event-loop utilization): what is left of it is
   * what other requests get. A synchronous commit keeps it busy through every fsync.
   */
  busy: number;
  /** Puts per durable commit, where the storage reports it. */
  perCommit?: number;
}

const rate = (r: Run) => r.ops / r.seconds;

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! : 0;
}

function busyMonitor() {
  const start = performance.eventLoopUtilization();
  return () => performance.eventLoopUtilization(start).utilization;
}

/**
 * The floor: write a record and fdatasync it, one after another. The records go round a
 * preallocated file, as SQLite's WAL does once it has grown, so no fdatasync has to carry a
 * file-size change: the cheapest durable write this disk offers.
 */
function fdatasyncLoop(dir: string, seconds: number): Run {
  const file = join(dir, 'fdatasync.log');
  const fd = openSync(file, 'w', 0o600);
  const ring = 4096;
  writeSync(fd, Buffer.alloc(ring * VALUE_BYTES));
  fdatasyncSync(fd);
  const record = randomBytes(VALUE_BYTES);
  const lat: number[] = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let now = t0;
  try {
    for (let i = 0; now < end; i++) {
      record.writeUInt32BE(i, 0);
      writeSync(fd, record, 0, VALUE_BYTES, (i % ring) * VALUE_BYTES);
      fdatasyncSync(fd);
      const t = performance.now();
      lat.push(t - now);
      now = t;
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  lat.sort((a, b) => a - b);
  // A synchronous loop: the main thread is busy all along.
  return { ops: lat.length, seconds: (now - t0) / 1000, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), busy: 1 };
}

async function storagePuts(dir: string, writers: number, seconds: number, round: number): Promise<Run> {
  const s = new SqliteStorage(join(dir, `w${writers}-r${round}.db`));
  // Values differ from put to put: SQLite skips writing a row whose bytes did not change, and
  // a commit with nothing to write does not fsync.
  const value = new Uint8Array(randomBytes(VALUE_BYTES));
  const next = (n: number) => {
    const v = new Uint8Array(value);
    new DataView(v.buffer).setFloat64(0, n);
    return v;
  };
  // Warm up: the writer thread is started and every key exists, so the run measures updates.
  await Promise.all(Array.from({ length: writers }, (_, w) =>
    s.transaction(Array.from({ length: KEYS_PER_WRITER }, (_, i) => ({ op: 'put' as const, key: `bench/w${w}/${i}`, value })))));
  const stats0 = (s as Partial<SqliteStorage>).writeStats?.();
  const lat: number[] = [];
  const stopBusy = busyMonitor();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; performance.now() < end; i++) {
      const t = performance.now();
      await s.put(`bench/w${w}/${i % KEYS_PER_WRITER}`, next(i * writers + w));
      lat.push(performance.now() - t);
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  const busy = stopBusy();
  const stats1 = (s as Partial<SqliteStorage>).writeStats?.();
  await s.close();
  lat.sort((a, b) => a - b);
  const commits = stats0 && stats1 ? stats1.commits - stats0.commits : undefined;
  return {
    ops: lat.length, seconds: elapsed, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), busy,
    perCommit: commits ? lat.length / commits : undefined,
  };
}

function medianRun(runs: Run[]): Run {
  return [...runs].sort((a, b) => rate(a) - rate(b))[Math.floor(runs.length / 2)]!;
}

export interface StorageWriteResult {
  baseline: Run;
  byWriters: { writers: number; run: Run }[];
}

/** Baseline and each writer count alternate round by round, so a busy neighbour skews all alike. */
export async function benchStorageWrite(opts: { seconds?: number; rounds?: number; writers?: number[] } = {}): Promise<StorageWriteResult> {
  const seconds = opts.seconds ?? Number(process.env.BENCH_SECONDS ?? 3);
  const rounds = opts.rounds ?? Number(process.env.BENCH_ROUNDS ?? 3);
  const counts = opts.writers ?? (process.env.BENCH_WRITERS ?? '1,10,100').split(',').map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'coffer-bench-storage-'));
  try {
    const base: Run[] = [];
    const runs = new Map<number, Run[]>(counts.map((n) => [n, []]));
    for (let r = 0; r < rounds; r++) {
      base.push(fdatasyncLoop(dir, seconds));
      for (const n of counts) runs.get(n)!.push(await storagePuts(dir, n, seconds, r));
    }
    return { baseline: medianRun(base), byWriters: counts.map((writers) => ({ writers, run: medianRun(runs.get(writers)!) })) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmtRun = (r: Run) => `${rate(r).toFixed(0).padStart(7)} ops/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms`;

export function report(r: StorageWriteResult): string {
  const lines = [
    `SQLite storage put (${VALUE_BYTES}-byte values, synchronous=FULL) vs a write+fdatasync loop; median of rounds`,
    `  fdatasync loop   ${fmtRun(r.baseline)}`,
  ];
  for (const { writers, run } of r.byWriters) {
    const perCommit = run.perCommit === undefined ? 'n/a' : run.perCommit.toFixed(1);
    lines.push(`  ${String(writers).padStart(3)} writer(s)     ${fmtRun(run)}  ${(rate(run) / rate(r.baseline)).toFixed(2)}x fdatasync/s  ` +
      `${perCommit} puts/commit  main thread busy ${(run.busy * 100).toFixed(0)}%`);
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(report(await benchStorageWrite()));
