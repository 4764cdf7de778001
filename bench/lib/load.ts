/**
 * Shared load helpers: autocannon with each response's latency recorded (autocannon's own
 * histogram has whole-millisecond buckets), and a bare node:http baseline in this process.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  duration?: number;
  /** Varies the request per call (e.g. one of numkvs keys). */
  requests?: autocannon.Request[];
}

export async function load(opts: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const instance = autocannon({
    url: opts.url,
    method: (opts.method ?? 'GET') as autocannon.Request['method'],
    headers: opts.headers,
    body: opts.body,
    connections: opts.connections ?? 10,
    duration: opts.duration ?? Number(process.env.BENCH_SECONDS ?? 5),
    requests: opts.requests,
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => { latencies.push(responseTime); });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]! : 0;
  return { rps: result.requests.average, p50: pct(0.5), p99: pct(0.99), errors: result.errors, non2xx: result.non2xx };
}

/** A plain node:http endpoint answering a Vault-sized JSON envelope: the framework floor. */
export async function startBaseline(): Promise<{ url: string; close(): Promise<void> }> {
  const body = JSON.stringify({ request_id: '00000000-0000-0000-0000-000000000000', lease_id: '', renewable: false, lease_duration: 0, data: { data: { foo: 'bar' }, metadata: { created_time: '2026-01-01T00:00:00Z', version: 1 } }, wrap_info: null, warnings: null, auth: null });
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

export function fmt(r: LoadResult): string {
  return `${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms${r.errors || r.non2xx ? `  (errors ${r.errors}, non-2xx ${r.non2xx})` : ''}`;
}

export function ratio(a: number, b: number): string {
  return b ? `${((a / b) * 100).toFixed(1)}%` : 'n/a';
}

export function loopDelay() {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return { stop: () => { h.disable(); return { p99ms: h.percentile(99) / 1e6, maxms: h.max / 1e6 }; } };
}
