/**
 * PKI `issue` throughput for ec-256 and rsa-2048 leaves, against node:crypto doing only the
 * same work that cannot be avoided — generating the leaf key and signing a certificate-sized
 * TBS with the issuer key — measured in the same run, round by round, with the same number
 * of requests in flight. Issuing should be dominated by that crypto (goal: ≥ 60% for ec-256).
 *
 * 1. Through the Backend (framework + engine + memory storage view), in this process.
 * 2. Over HTTP against a real Coffer in a child process (autocannon, 10 connections), where
 *    the HTTP layer, token check, ACL and barrier encryption are paid as well.
 *
 * Options: BENCH_SECONDS per measurement (default 3), BENCH_ROUNDS (default 3, median round
 * reported), BENCH_CONCURRENCY for the in-process runs (default 8), BENCH_PKI_HTTP=0 to skip HTTP.
 */
import { generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Backend } from '../src/framework/backend.js';
import { LogicalView } from '../src/framework/logical.js';
import type { Request } from '../src/framework/types.js';
import { silentLogger } from '../src/lib/logger.js';
import { MemoryStorage } from '../src/storage/memory.js';
import { pkiFactory } from '../src/engines/pki/backend.js';
import { fmt, load, ratio, type LoadResult } from './lib/load.js';
import { generateKeyMaterial, signerFor, type Signer } from '../src/engines/pki/x509/keys.js';

const genKeyPair = promisify(generateKeyPair) as unknown as (type: string, opts: Record<string, unknown>) => Promise<{ privateKey: KeyObject }>;
const signAsync = promisify(sign) as (alg: string, data: Uint8Array, key: KeyObject) => Promise<Buffer>;

type Kind = 'ec-256' | 'rsa-2048';
const ROLE: Record<Kind, Record<string, unknown>> = {
  'ec-256': { key_type: 'ec', key_bits: 256 },
  'rsa-2048': { key_type: 'rsa', key_bits: 2048 },
};
const KEYGEN: Record<Kind, [string, Record<string, unknown>]> = {
  'ec-256': ['ec', { namedCurve: 'P-256' }],
  'rsa-2048': ['rsa', { modulusLength: 2048 }],
};

interface Measured { rps: number; cpuUs: number }

/** Throughput and process CPU time per operation (robust when neighbours steal the CPU). */
async function measure(op: () => Promise<unknown>, seconds: number, concurrency: number): Promise<Measured> {
  const c0 = process.cpuUsage();
  let n = 0;
  const rps = await throughput(async () => { await op(); n++; }, seconds, concurrency);
  const c = process.cpuUsage(c0);
  return { rps, cpuUs: (c.user + c.system) / Math.max(1, n) };
}

const medianBy = (xs: Measured[]): Measured => [...xs].sort((a, b) => a.rps - b.rps)[Math.floor(xs.length / 2)]!;

/** Runs `op` with `concurrency` in flight for `seconds`; returns completions per second. */
async function throughput(op: () => Promise<unknown>, seconds: number, concurrency: number): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (Date.now() < end) {
      await op();
      done++;
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((Date.now() - t0) / 1000);
}

async function pkiBackend(): Promise<{ issue(kind: Kind): Promise<unknown>; issuerKey: KeyObject; issuer: Signer }> {
  const storage = new LogicalView(new MemoryStorage(), 'logical/bench/');
  const mount = { path: 'pki/', type: 'pki', uuid: 'bench', accessor: 'pki_bench', description: '', config: { defaultLeaseTTL: 0, maxLeaseTTL: 0 }, options: {} };
  const ctx = { storage, mount, logger: silentLogger(), system: { defaultLeaseTTL: () => 768 * 3600, maxLeaseTTL: () => 87600 * 3600, service: () => undefined } };
  const backend = new Backend(await pkiFactory(ctx), ctx);
  await backend.def.init?.();
  const call = (operation: 'update' | 'read', path: string, data: Record<string, unknown> = {}) => {
    const req: Request = { id: 'bench', operation, fullPath: `pki/${path}`, path, data, query: {}, headers: {}, clientToken: '', mountPoint: 'pki/', mountType: 'pki', mountAccessor: 'pki_bench', remoteAddr: '127.0.0.1' };
    return backend.handle(req);
  };
  // The root's key is imported so the baseline can sign with the very same key.
  const issuerKey = (await genKeyPair('ec', { namedCurve: 'P-256' })).privateKey;
  const keyPem = issuerKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  await call('update', 'keys/import', { pem_bundle: keyPem, key_name: 'bench' });
  await call('update', 'root/generate/existing', { common_name: 'Bench Root', key_ref: 'bench', ttl: '87600h' });
  for (const kind of Object.keys(ROLE) as Kind[]) {
    await call('update', `roles/${kind}`, { allowed_domains: 'bench.example.com', allow_subdomains: true, max_ttl: '72h', ...ROLE[kind] });
  }
  return {
    issuerKey,
    issuer: signerFor(issuerKey),
    issue: async (kind) => {
      const r = await call('update', `issue/${kind}`, { common_name: 'svc.bench.example.com', alt_names: 'a.bench.example.com', ttl: '1h' });
      if (!r?.data?.certificate) throw new Error('issue returned no certificate');
      return r;
    },
  };
}

/**
 * The floor: the same crypto calls issuing makes — the engine's own key generation (P-256
 * inline, RSA in the thread pool) and one signature by the issuer's Signer over a
 * certificate-sized TBS — and nothing else.
 */
function baselineOp(kind: Kind, issuer: Signer): () => Promise<unknown> {
  const tbs = randomBytes(kind === 'rsa-2048' ? 620 : 360);
  const [type, bits] = kind === 'ec-256' ? ['ec', 256] as const : ['rsa', 2048] as const;
  return async () => {
    await generateKeyMaterial(type, bits);
    return issuer.sign(tbs);
  };
}

/** For context: the textbook node:crypto calls (async generateKeyPair and sign). */
function textbookOp(kind: Kind, issuerKey: KeyObject): () => Promise<unknown> {
  const tbs = randomBytes(kind === 'rsa-2048' ? 620 : 360);
  const [type, opts] = KEYGEN[kind];
  return async () => {
    await genKeyPair(type, opts);
    return signAsync('sha256', tbs, issuerKey);
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ------------------------------------------------------------------ HTTP

async function serve(): Promise<void> {
  const { startCoffer } = await import('../test/support/server.js');
  const c = await startCoffer({ storage: 'memory' });
  const api = c.api.bind(c);
  await api('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
  await api('POST', 'pki/root/generate/internal', { common_name: 'Bench Root', key_type: 'ec', ttl: '87600h' });
  for (const kind of Object.keys(ROLE) as Kind[]) {
    await api('POST', `pki/roles/${kind}`, { allowed_domains: 'bench.example.com', allow_subdomains: true, max_ttl: '72h', ...ROLE[kind] });
  }
  process.stdout.write(JSON.stringify({ addr: c.addr, token: c.rootToken }) + '\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === 'stop') { await c.stop(); process.exit(0); }
  }
  process.exit(1);
}

async function spawnCoffer(): Promise<{ addr: string; token: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error('coffer exited before listening');
  const { addr, token } = JSON.parse(first.value) as { addr: string; token: string };
  return {
    addr, token,
    stop: async () => {
      child.stdin!.write('stop\n');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    },
  };
}

// ------------------------------------------------------------------ run

export interface PkiIssueBenchResult {
  concurrency: number;
  kinds: Record<Kind, { backend: Measured; baseline: Measured; textbook: Measured; http?: LoadResult }>;
}

export async function runPkiIssueBench(opts: { seconds?: number; rounds?: number; concurrency?: number; http?: boolean } = {}): Promise<PkiIssueBenchResult> {
  const seconds = opts.seconds ?? Number(process.env.BENCH_SECONDS ?? 3);
  const rounds = opts.rounds ?? Number(process.env.BENCH_ROUNDS ?? 3);
  const concurrency = opts.concurrency ?? Number(process.env.BENCH_CONCURRENCY ?? 8);
  const withHttp = opts.http ?? process.env.BENCH_PKI_HTTP !== '0';
  const pki = await pkiBackend();
  const kinds = {} as PkiIssueBenchResult['kinds'];
  const coffer = withHttp ? await spawnCoffer() : undefined;
  try {
    for (const kind of Object.keys(ROLE) as Kind[]) {
      const base = baselineOp(kind, pki.issuer);
      const textbook = textbookOp(kind, pki.issuerKey);
      const issue = () => pki.issue(kind);
      for (const op of [base, textbook, issue]) await throughput(op, 0.3, concurrency);
      const b: Measured[] = [];
      const t: Measured[] = [];
      const c: Measured[] = [];
      for (let r = 0; r < rounds; r++) {
        b.push(await measure(base, seconds, concurrency));
        t.push(await measure(textbook, seconds, concurrency));
        c.push(await measure(issue, seconds, concurrency));
      }
      kinds[kind] = { backend: medianBy(c), baseline: medianBy(b), textbook: medianBy(t) };
      if (coffer) {
        const body = JSON.stringify({ common_name: 'svc.bench.example.com', alt_names: 'a.bench.example.com', ttl: '1h' });
        const runs: LoadResult[] = [];
        for (let r = 0; r < rounds; r++) {
          runs.push(await load({ url: `${coffer.addr}/v1/pki/issue/${kind}`, method: 'POST', headers: { 'x-vault-token': coffer.token, 'content-type': 'application/json' }, body, connections: 10, duration: seconds }));
        }
        kinds[kind].http = runs.sort((x, y) => x.rps - y.rps)[Math.floor(runs.length / 2)];
      }
    }
  } finally {
    await coffer?.stop();
  }
  return { concurrency, kinds };
}

export function report(r: PkiIssueBenchResult): string {
  const lines = [
    `PKI issue (EC P-256 issuer), ${r.concurrency} requests in flight in-process; HTTP: 10 connections; median of rounds.`,
    'baseline = the engine\'s own key generation + one issuer signature, nothing else; textbook = async generateKeyPair + sign.',
  ];
  const row = (label: string, m: Measured) => `           ${label.padEnd(22)} ${m.rps.toFixed(0).padStart(7)} /s  ${m.cpuUs.toFixed(0).padStart(5)} µs CPU/op`;
  for (const [kind, k] of Object.entries(r.kinds)) {
    lines.push(`  ${kind}`);
    lines.push(row('issue (Backend)', k.backend));
    lines.push(row('baseline keygen+sign', k.baseline));
    lines.push(row('textbook keygen+sign', k.textbook));
    lines.push(`           ratio  ${ratio(k.backend.rps, k.baseline.rps)} of baseline req/s${kind === 'ec-256' ? ' (goal ≥ 60%)' : ''}, ${ratio(k.baseline.cpuUs, k.backend.cpuUs)} by CPU/op; ${ratio(k.backend.rps, k.textbook.rps)} of textbook req/s`);
    if (k.http) lines.push(`           http   ${fmt(k.http)}  → ${ratio(k.http.rps, k.baseline.rps)} of baseline`);
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--serve')) await serve();
  else console.log(report(await runPkiIssueBench()));
}
