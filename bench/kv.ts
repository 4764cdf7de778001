/**
 * KV v2 read and write over HTTP (vault-benchmark's kvv2_read / kvv2_write: 10 connections,
 * numkvs=1000, kvsize=1, a random key per request) against a bare node:http JSON endpoint measured in the same run.
 * Both servers get the same request stream (method, random paths, headers, body), so the load
 * generator does the same work for each and the ratio compares the servers alone.
 *
 * Each server runs in its own child process so the load generator (this process) never shares
 * an event loop with it; on a 2-core machine that is one core each. Every response's latency
 * is recorded (sub-millisecond p99). Options: BENCH_SECONDS per measurement (default 3),
 * BENCH_ROUNDS (default 3; the median round is reported), BENCH_STORAGE (sqlite | memory,
 * default sqlite).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type autocannon from 'autocannon';
import { fmt, load, loopDelay, ratio, startBaseline, type LoadResult } from './lib/load.js';

const NUM_KVS = 1000;
const KV_SIZE = 1;
const CONNECTIONS = 10;

interface Served {
  addr: string;
  token: string;
  /** Stops the child and returns its event-loop delay while it served. */
  stop(): Promise<{ p99ms: number; maxms: number }>;
}

/** Child side: start one server, print where it listens, stop when the parent says so. */
async function serve(kind: 'coffer' | 'baseline', storage: 'sqlite' | 'memory'): Promise<void> {
  let addr: string;
  let token = '';
  let close: () => Promise<void>;
  if (kind === 'coffer') {
    const { startCoffer } = await import('../test/support/server.js');
    const c = await startCoffer({ storage });
    addr = c.addr;
    token = c.rootToken;
    close = () => c.stop();
  } else {
    const b = await startBaseline();
    addr = b.url;
    close = () => b.close();
  }
  const delay = loopDelay();
  process.stdout.write(JSON.stringify({ addr, token }) + '\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() !== 'stop') continue;
    const d = delay.stop();
    await close();
    process.stdout.write(JSON.stringify(d) + '\n');
    process.exit(0);
  }
  // The parent went away without saying stop: do not linger holding a port.
  process.exit(1);
}

async function spawnServer(kind: 'coffer' | 'baseline', storage: string): Promise<Served> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), `--serve=${kind}`, `--storage=${storage}`], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`${kind} server exited before listening`);
  const { addr, token } = JSON.parse(first.value) as { addr: string; token: string };
  return {
    addr,
    token,
    async stop() {
      child.stdin!.write('stop\n');
      const last = await lines.next();
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      return last.done ? { p99ms: NaN, maxms: NaN } : JSON.parse(last.value);
    },
  };
}

const value = 'x'.repeat(KV_SIZE);
const path = (i: number) => `/v1/secret/data/bench/kv-${i}`;

export interface KvBenchResult {
  storage: string;
  read: { coffer: LoadResult; baseline: LoadResult; ratios: number[] };
  write: { coffer: LoadResult; baseline: LoadResult; ratios: number[] };
  cofferLoopDelay: { p99ms: number; maxms: number };
}

/** The round with the median req/s: robust to a neighbour stealing the CPU for one round. */
function median(rounds: LoadResult[]): LoadResult {
  return [...rounds].sort((a, b) => a.rps - b.rps)[Math.floor(rounds.length / 2)]!;
}

/** Each round's Coffer req/s over the baseline's in the round just before it, sorted. */
function roundRatios(coffer: LoadResult[], baseline: LoadResult[]): number[] {
  return coffer.map((c, i) => c.rps / baseline[i]!.rps).sort((a, b) => a - b);
}

/**
 * Measures KV v2 read and write on a fresh Coffer and the bare-HTTP floor in one run. The two
 * are measured alternately, round by round, so a busy neighbour skews both sides alike.
 */
export async function benchKv(opts: { storage?: 'sqlite' | 'memory'; seconds?: number; rounds?: number } = {}): Promise<KvBenchResult> {
  const storage = opts.storage ?? 'sqlite';
  const duration = opts.seconds ?? Number(process.env.BENCH_SECONDS ?? 3);
  const rounds = opts.rounds ?? Number(process.env.BENCH_ROUNDS ?? 3);

  const [base, coffer] = await Promise.all([spawnServer('baseline', storage), spawnServer('coffer', storage)]);
  const headers = { 'x-vault-token': coffer.token, 'content-type': 'application/json' };
  for (let i = 0; i < NUM_KVS; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, NUM_KVS - i) }, async (_, j) => {
      const res = await fetch(coffer.addr + path(i + j), { method: 'POST', headers, body: JSON.stringify({ data: { foo: value } }) });
      if (res.status !== 200) throw new Error(`seeding kv-${i + j} answered ${res.status}: ${await res.text()}`);
    }));
  }
  const body = JSON.stringify({ data: { foo: value } });
  // Each request names a random key, as vault-benchmark's targets do (rand.Int31n(numkvs)). A
  // fixed sequence would march all connections over the same keys in lockstep, so writes would
  // queue on each other's per-key lock: a contention pattern no real client produces.
  const randomKey = (r: autocannon.Request) => ({ ...r, path: path(Math.floor(Math.random() * NUM_KVS)) });
  const reads = [{ method: 'GET' as const, setupRequest: randomKey }];
  const writes = [{ method: 'POST' as const, body, setupRequest: randomKey }];
  const series = { baseRead: [] as LoadResult[], read: [] as LoadResult[], baseWrite: [] as LoadResult[], write: [] as LoadResult[] };
  for (let r = 0; r < rounds; r++) {
    series.baseRead.push(await load({ url: base.addr, headers, requests: reads, connections: CONNECTIONS, duration }));
    series.read.push(await load({ url: coffer.addr, headers, requests: reads, connections: CONNECTIONS, duration }));
  }
  for (let r = 0; r < rounds; r++) {
    series.baseWrite.push(await load({ url: base.addr, headers, requests: writes, connections: CONNECTIONS, duration }));
    series.write.push(await load({ url: coffer.addr, headers, requests: writes, connections: CONNECTIONS, duration }));
  }
  const [, cofferLoopDelay] = await Promise.all([base.stop(), coffer.stop()]);
  return {
    storage,
    read: { coffer: median(series.read), baseline: median(series.baseRead), ratios: roundRatios(series.read, series.baseRead) },
    write: { coffer: median(series.write), baseline: median(series.baseWrite), ratios: roundRatios(series.write, series.baseWrite) },
    cofferLoopDelay,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * The ratio of the two medians, then the median of the rounds' own ratios with their range:
 * a round's ratio pairs two measurements taken seconds apart, so a host that slows down for a
 * while moves both sides of it alike.
 */
function ratioLine(side: KvBenchResult['read'], goal: string): string {
  const rs = side.ratios;
  const paired = rs.length ? `; per round ${pct(rs[Math.floor(rs.length / 2)]!)} (${pct(rs[0]!)}–${pct(rs[rs.length - 1]!)})` : '';
  return `${ratio(side.coffer.rps, side.baseline.rps)} of baseline req/s${paired} (goal ≥ ${goal})`;
}

export function report(r: KvBenchResult): string {
  return [
    `KV v2 over HTTP, ${r.storage} storage, ${CONNECTIONS} connections, ${NUM_KVS} keys of ${KV_SIZE} byte(s); median of rounds`,
    `  read   coffer   ${fmt(r.read.coffer)}`,
    `         baseline ${fmt(r.read.baseline)}`,
    `         ratio    ${ratioLine(r.read, '40%')}`,
    `  write  coffer   ${fmt(r.write.coffer)}`,
    `         baseline ${fmt(r.write.baseline)}`,
    `         ratio    ${ratioLine(r.write, '15%')}`,
    `  coffer event-loop delay p99 ${r.cofferLoopDelay.p99ms.toFixed(2)} ms, max ${r.cofferLoopDelay.maxms.toFixed(2)} ms`,
  ].join('\n');
}

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const storageArg = (args.get('storage') ?? process.env.BENCH_STORAGE ?? 'sqlite') as 'sqlite' | 'memory';
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (args.has('serve')) await serve(args.get('serve') as 'coffer' | 'baseline', storageArg);
  else console.log(report(await benchKv({ storage: storageArg })));
}
