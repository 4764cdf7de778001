/**
 * PKI `issue` throughput for ec-256 and rsa-2048 leaves, against node:crypto doing only the
 * work that cannot be avoided — generating the leaf key and signing a certificate-sized TBS
 * with the issuer's key — measured in the same process, round by round, with the same number
 * of requests in flight. Issuing should be dominated by that crypto (goal: ≥ 60% for ec-256).
 *
 * 1. Through the Backend (framework + engine + memory storage view).
 * 2. Over HTTP against a real Coffer in a child process (autocannon, 10 connections), where
 *    the HTTP layer, token check, ACL and barrier encryption are paid as well.
 *
 * Both run the compiled build (tsc into bench/.dist-*, plain node), as a server runs; with
 * BENCH_TSX=1 or when the build fails, the sources under tsx (slower: tsx wraps every function).
 * Options: BENCH_SECONDS per measurement (default 3), BENCH_ROUNDS (default 3, the median round
 * is reported), BENCH_CONCURRENCY in-process (default 8), BENCH_PKI_HTTP=0 to skip HTTP.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fmt, load, ratio, type LoadResult } from './lib/load.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

type Kind = 'ec-256' | 'rsa-2048';
const KINDS: Kind[] = ['ec-256', 'rsa-2048'];

interface Measured { rps: number; cpuUs: number }

export interface PkiIssueBenchResult {
  build: 'compiled' | 'tsx';
  concurrency: number;
  kinds: Record<Kind, { backend: Measured; baseline: Measured; textbook: Measured; http?: LoadResult }>;
}

/** tsc into a folder under bench/ (so node_modules resolves); emits despite type errors elsewhere. */
function build(): string | undefined {
  if (process.env.BENCH_TSX) return undefined;
  const out = mkdtempSync(join(here, '.dist-'));
  spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), '--outDir', out, '--sourceMap', 'false'], { stdio: 'ignore' });
  if (existsSync(join(out, 'engines/pki/backend.js')) && existsSync(join(out, 'server/start.js'))) return out;
  rmSync(out, { recursive: true, force: true });
  console.log('(compiled build unavailable: measuring under tsx)');
  return undefined;
}

/** Module URL for `p` (relative to src/, no extension) in the compiled build or the sources. */
const moduleUrl = (dist: string | undefined, p: string) => JSON.stringify(dist ? pathToFileURL(join(dist, `${p}.js`)).href : pathToFileURL(join(root, 'src', `${p}.ts`)).href);

/**
 * The in-process measurement, as JavaScript over either build. The three operations run
 * alternately, round after round, so a neighbour stealing the CPU skews all of them alike.
 * baseline: the engine's own key generation (P-256 inline, RSA in the thread pool) and one
 * signature by the issuer's Signer; textbook: async generateKeyPair + sign; issue: the Backend.
 */
function inProcessScript(dist: string | undefined): string {
  const u = (p: string) => moduleUrl(dist, p);
  return `
const [seconds, rounds, concurrency] = process.argv.slice(-3).map(Number);
const { generateKeyPair, randomBytes, sign } = await import('node:crypto');
const { promisify } = await import('node:util');
const { Backend } = await import(${u('framework/backend')});
const { LogicalView } = await import(${u('framework/logical')});
const { MemoryStorage } = await import(${u('storage/memory')});
const { silentLogger } = await import(${u('lib/logger')});
const { pkiFactory } = await import(${u('engines/pki/backend')});
const { generateKeyMaterial, signerFor } = await import(${u('engines/pki/x509/keys')});
const gen = promisify(generateKeyPair), signAsync = promisify(sign);
const storage = new LogicalView(new MemoryStorage(), 'logical/bench/');
const mount = { path: 'pki/', type: 'pki', uuid: 'bench', accessor: 'pki_bench', description: '', config: { defaultLeaseTTL: 0, maxLeaseTTL: 0 }, options: {} };
const ctx = { storage, mount, logger: silentLogger(), system: { defaultLeaseTTL: () => 768 * 3600, maxLeaseTTL: () => 87600 * 3600, service: () => undefined } };
const backend = new Backend(await pkiFactory(ctx), ctx);
await backend.def.init?.();
const call = (operation, path, data = {}) => backend.handle({ id: 'bench', operation, fullPath: 'pki/' + path, path, data, query: {}, headers: {}, clientToken: '', mountPoint: 'pki/', mountType: 'pki', mountAccessor: 'pki_bench', remoteAddr: '127.0.0.1' });
// The root's key is imported so the baseline signs with the very same key.
const issuerKey = (await gen('ec', { namedCurve: 'P-256' })).privateKey;
await call('update', 'keys/import', { pem_bundle: issuerKey.export({ type: 'pkcs8', format: 'pem' }), key_name: 'bench' });
await call('update', 'root/generate/existing', { common_name: 'Bench Root', key_ref: 'bench', ttl: '87600h' });
const ROLE = { 'ec-256': { key_type: 'ec', key_bits: 256 }, 'rsa-2048': { key_type: 'rsa', key_bits: 2048 } };
for (const [kind, r] of Object.entries(ROLE)) await call('update', 'roles/' + kind, { allowed_domains: 'bench.example.com', allow_subdomains: true, max_ttl: '72h', ...r });
const issuer = signerFor(issuerKey);
async function throughput(op, secs) {
  const end = Date.now() + secs * 1000; let done = 0; const t0 = Date.now();
  await Promise.all(Array.from({ length: concurrency }, async () => { while (Date.now() < end) { await op(); done++; } }));
  return { n: done, rps: done / ((Date.now() - t0) / 1000) };
}
async function measure(op, secs) {
  const c0 = process.cpuUsage(); const t = await throughput(op, secs); const c = process.cpuUsage(c0);
  return { rps: t.rps, cpuUs: (c.user + c.system) / Math.max(1, t.n) };
}
const median = (xs) => [...xs].sort((a, b) => a.rps - b.rps)[Math.floor(xs.length / 2)];
const out = {};
for (const kind of Object.keys(ROLE)) {
  const [type, bits] = kind === 'ec-256' ? ['ec', 256] : ['rsa', 2048];
  const tbs = randomBytes(kind === 'rsa-2048' ? 620 : 360);
  const textbookArgs = kind === 'ec-256' ? ['ec', { namedCurve: 'P-256' }] : ['rsa', { modulusLength: 2048 }];
  const ops = {
    baseline: async () => { await generateKeyMaterial(type, bits); return issuer.sign(tbs); },
    textbook: async () => { await gen(...textbookArgs); return signAsync('sha256', tbs, issuerKey); },
    backend: async () => {
      const r = await call('update', 'issue/' + kind, { common_name: 'svc.bench.example.com', alt_names: 'a.bench.example.com', ttl: '1h' });
      if (!r?.data?.certificate) throw new Error('issue returned no certificate');
    },
  };
  for (const op of Object.values(ops)) await throughput(op, 0.3);
  const runs = { baseline: [], textbook: [], backend: [] };
  for (let i = 0; i < rounds; i++) for (const [name, op] of Object.entries(ops)) runs[name].push(await measure(op, seconds));
  out[kind] = { baseline: median(runs.baseline), textbook: median(runs.textbook), backend: median(runs.backend) };
}
await backend.def.cleanup?.();
process.stdout.write(JSON.stringify(out));
`;
}

/** A Coffer with a pki mount and the two roles; prints {addr, token}, stops on "stop". */
function serverScript(dist: string | undefined): string {
  const u = (p: string) => moduleUrl(dist, p);
  return `
const { startServer, initDev } = await import(${u('server/start')});
const { silentLogger } = await import(${u('lib/logger')});
const running = await startServer({ storage: { type: 'memory', options: {} }, listeners: [{ address: '127.0.0.1:0', tlsDisable: true }], logger: silentLogger() });
const { rootToken } = await initDev(running.core, {});
const api = (method, path, body) => fetch(running.addr + '/v1/' + path, { method, headers: { 'x-vault-token': rootToken, 'content-type': 'application/json' }, body: JSON.stringify(body) });
await api('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
await api('POST', 'pki/root/generate/internal', { common_name: 'Bench Root', key_type: 'ec', ttl: '87600h' });
for (const [kind, r] of Object.entries({ 'ec-256': { key_type: 'ec', key_bits: 256 }, 'rsa-2048': { key_type: 'rsa', key_bits: 2048 } })) {
  await api('POST', 'pki/roles/' + kind, { allowed_domains: 'bench.example.com', allow_subdomains: true, max_ttl: '72h', ...r });
}
process.stdout.write(JSON.stringify({ addr: running.addr, token: rootToken }) + '\\n');
const { createInterface } = await import('node:readline');
for await (const line of createInterface({ input: process.stdin })) if (line.trim() === 'stop') { await running.stop(); process.exit(0); }
process.exit(1);
`;
}

const nodeArgs = (dist: string | undefined, script: string, extra: string[] = []) =>
  [...(dist ? [] : ['--import', 'tsx']), '--input-type=module', '-e', script, ...extra];

async function spawnCoffer(dist: string | undefined): Promise<{ addr: string; token: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, nodeArgs(dist, serverScript(dist)), { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
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

export async function runPkiIssueBench(opts: { seconds?: number; rounds?: number; concurrency?: number; http?: boolean } = {}): Promise<PkiIssueBenchResult> {
  const seconds = opts.seconds ?? Number(process.env.BENCH_SECONDS ?? 3);
  const rounds = opts.rounds ?? Number(process.env.BENCH_ROUNDS ?? 3);
  const concurrency = opts.concurrency ?? Number(process.env.BENCH_CONCURRENCY ?? 8);
  const withHttp = opts.http ?? process.env.BENCH_PKI_HTTP !== '0';
  const dist = build();
  try {
    const r = spawnSync(process.execPath, nodeArgs(dist, inProcessScript(dist), [String(seconds), String(rounds), String(concurrency)]), { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`in-process measurement failed: ${r.stderr}`);
    const kinds = JSON.parse(r.stdout) as PkiIssueBenchResult['kinds'];
    if (withHttp) {
      const coffer = await spawnCoffer(dist);
      try {
        const body = JSON.stringify({ common_name: 'svc.bench.example.com', alt_names: 'a.bench.example.com', ttl: '1h' });
        for (const kind of KINDS) {
          const runs: LoadResult[] = [];
          for (let i = 0; i < rounds; i++) {
            runs.push(await load({ url: `${coffer.addr}/v1/pki/issue/${kind}`, method: 'POST', headers: { 'x-vault-token': coffer.token, 'content-type': 'application/json' }, body, connections: 10, duration: seconds }));
          }
          kinds[kind].http = runs.sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)];
        }
      } finally {
        await coffer.stop();
      }
    }
    return { build: dist ? 'compiled' : 'tsx', concurrency, kinds };
  } finally {
    if (dist) rmSync(dist, { recursive: true, force: true });
  }
}

export function report(r: PkiIssueBenchResult): string {
  const lines = [
    `PKI issue (EC P-256 issuer), ${r.build} build; ${r.concurrency} requests in flight in-process, 10 connections over HTTP; median of rounds.`,
    'baseline = the engine\'s own key generation + one issuer signature, nothing else; textbook = async generateKeyPair + sign.',
  ];
  const row = (label: string, m: Measured) => `           ${label.padEnd(22)} ${m.rps.toFixed(0).padStart(7)} /s  ${m.cpuUs.toFixed(0).padStart(6)} µs CPU/op`;
  for (const kind of KINDS) {
    const k = r.kinds[kind];
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
  console.log(report(await runPkiIssueBench()));
}
