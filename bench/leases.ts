/**
 * Lease restore benchmark (issue 4): create LEASES leases (default 100,000) through the
 * request pipeline on sqlite, stop, then start a fresh process on the same data and time
 * unseal → lease timers restored → first request served. Reports leases/s restored and the
 * restoring process's RSS high-water mark, next to a baseline process that restores nothing.
 * Goal: 100k leases in under 10 s and under 300 MB.
 *
 * The restoring processes run the compiled build (tsc into a temporary folder), as a server
 * does in production: under tsx every loaded module also keeps its transform in memory,
 * which would add ~80 MB to both runs. BENCH_TSX=1 measures under tsx instead.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Core } from '../src/core/core.js';
import type { LeaseManager } from '../src/core/leases/lease-manager.js';
import type { Request } from '../src/framework/types.js';

const LEASES = Number(process.env.LEASES ?? 100_000);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

type Modules = {
  start: typeof import('../src/server/start.js');
  registry: typeof import('../src/core/registry.js');
  pipeline: typeof import('../src/core/request/handle-request.js');
  logger: typeof import('../src/lib/logger.js');
};

/** Coffer's modules, from the sources (tsx). */
async function load(): Promise<Modules> {
  const m = (p: string) => import(`../src/${p}.js`);
  const mods: Modules = {
    start: await m('server/start'), registry: await m('core/registry'), pipeline: await m('core/request/handle-request'), logger: await m('lib/logger'),
  };
  // A Backend that hands out leased credentials (nothing expires during the bench).
  mods.registry.registerType('benchlease', 'secret', () => ({
    help: 'bench',
    paths: [{
      pattern: 'creds/:name',
      operations: {
        read: async (_req, d) => ({
          data: { username: `${d.str('name')}-${randomUUID()}` },
          secret: { type: 'creds', ttl: 3600, renewable: true, internal: { name: d.str('name') } },
        }),
      },
    }],
    secrets: [{ type: 'creds', renew: async () => null, revoke: async () => undefined }],
  }));
  return mods;
}

function request(path: string, token: string): Request {
  return {
    id: randomUUID(), operation: 'read', fullPath: path, path, data: {}, query: {}, headers: {},
    clientToken: token, mountPoint: '', mountType: '', mountAccessor: '', remoteAddr: '127.0.0.1',
  };
}

async function start(mods: Modules, dataDir: string) {
  return mods.start.startServer({
    storage: { type: 'sqlite', options: { path: join(dataDir, 'coffer.db') } },
    listeners: [{ address: '127.0.0.1:0', tlsDisable: true }],
    logger: mods.logger.silentLogger(),
  });
}

async function create(mods: Modules, dataDir: string, count: number): Promise<{ unsealKey: string; rootToken: string; ms: number }> {
  const running = await start(mods, dataDir);
  const core: Core = running.core;
  const dev = await mods.start.initDev(core, {});
  await core.mounts.enable('mounts', 'bench/', 'benchlease', '', {}, {});
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await mods.pipeline.handleRequest(core, request(`bench/creds/role${next % 8}`, dev.rootToken));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const ms = Date.now() - started;
  const m = core.services.leases as LeaseManager;
  if (m.count !== count) throw new Error(`expected ${count} leases, have ${m.count}`);
  await running.stop();
  return { unsealKey: Buffer.from(dev.unsealKey).toString('hex'), rootToken: dev.rootToken, ms };
}

interface RestoreReport { leases: number; restoreMs: number; unsealToServingMs: number; startToServingMs: number; maxRssMB: number; listed: number }

/** The child under tsx: start on existing data, unseal, serve one lease listing. */
async function restore(dataDir: string, unsealKey: string, rootToken: string): Promise<void> {
  const t0 = performance.now();
  const mods = await load();
  const running = await start(mods, dataDir);
  const booted = performance.now();
  const res = await fetch(`${running.addr}/v1/sys/unseal`, { method: 'PUT', body: JSON.stringify({ key: unsealKey }) });
  if (!res.ok) throw new Error(`unseal failed: ${res.status}`);
  const m = running.core.services.leases as LeaseManager;
  const list = await fetch(`${running.addr}/v1/sys/leases/lookup/bench/creds/role1/`, { method: 'LIST', headers: { 'x-vault-token': rootToken } });
  const served = performance.now();
  const keys = list.ok ? ((await list.json()) as { data: { keys: string[] } }).data.keys.length : 0;
  const out: RestoreReport = {
    leases: m.count, restoreMs: m.restoredIn, unsealToServingMs: served - booted, startToServingMs: served - t0,
    maxRssMB: process.resourceUsage().maxRSS / 1024, listed: keys,
  };
  await running.stop();
  process.stdout.write(JSON.stringify(out));
}

/**
 * The restoring process. With a compiled build it is plain node running a few lines of
 * JavaScript (no TypeScript loader in the measured process); otherwise this file under tsx.
 */
function child(dataDir: string, unsealKey: string, rootToken: string, dist: string | undefined): RestoreReport {
  const args = dist
    ? ['--input-type=module', '-e', compiledChild(dist), dataDir, unsealKey, rootToken]
    : ['--import', 'tsx', fileURLToPath(import.meta.url), 'restore', dataDir, unsealKey, rootToken, ''];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`restore process failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as RestoreReport;
}

/** restore() above, in JavaScript over the compiled modules. */
function compiledChild(dist: string): string {
  const url = (p: string) => JSON.stringify(pathToFileURL(join(dist, `${p}.js`)).href);
  return `
const t0 = performance.now();
const [dataDir, unsealKey, rootToken] = process.argv.slice(1);
const { startServer } = await import(${url('server/start')});
const { registerType } = await import(${url('core/registry')});
const { silentLogger } = await import(${url('lib/logger')});
registerType('benchlease', 'secret', () => ({ help: 'bench', paths: [], secrets: [{ type: 'creds', revoke: async () => undefined }] }));
const running = await startServer({ storage: { type: 'sqlite', options: { path: dataDir + '/coffer.db' } }, listeners: [{ address: '127.0.0.1:0', tlsDisable: true }], logger: silentLogger() });
const booted = performance.now();
const res = await fetch(running.addr + '/v1/sys/unseal', { method: 'PUT', body: JSON.stringify({ key: unsealKey }) });
if (!res.ok) throw new Error('unseal failed: ' + res.status);
const m = running.core.services.leases;
const list = await fetch(running.addr + '/v1/sys/leases/lookup/bench/creds/role1/', { method: 'LIST', headers: { 'x-vault-token': rootToken } });
const served = performance.now();
const keys = list.ok ? (await list.json()).data.keys.length : 0;
const out = { leases: m.count, restoreMs: m.restoredIn, unsealToServingMs: served - booted, startToServingMs: served - t0, maxRssMB: process.resourceUsage().maxRSS / 1024, listed: keys };
await running.stop();
process.stdout.write(JSON.stringify(out));
`;
}

/** tsc into a folder under bench/ (so node_modules resolves); emits despite type errors elsewhere. */
function build(): string | undefined {
  if (process.env.BENCH_TSX) return undefined;
  const out = mkdtempSync(join(here, '.dist-'));
  spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), '--outDir', out, '--sourceMap', 'false'], { stdio: 'ignore' });
  if (existsSync(join(out, 'server/start.js'))) return out;
  rmSync(out, { recursive: true, force: true });
  console.log('(compiled build unavailable: measuring under tsx)');
  return undefined;
}

async function main(): Promise<void> {
  if (process.argv[2] === 'restore') return restore(process.argv[3]!, process.argv[4]!, process.argv[5]!);
  const baseDir = mkdtempSync(join(tmpdir(), 'coffer-bench-leases-base-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'coffer-bench-leases-'));
  const dist = build();
  try {
    const mods = await load();
    const base = await create(mods, baseDir, 0);
    const made = await create(mods, dataDir, LEASES);
    console.log(`created ${LEASES} leases in ${(made.ms / 1000).toFixed(1)} s (${Math.round(LEASES / (made.ms / 1000))} leases/s through the request pipeline)`);
    const baseline = child(baseDir, base.unsealKey, base.rootToken, dist);
    const run = child(dataDir, made.unsealKey, made.rootToken, dist);
    if (run.leases !== LEASES) throw new Error(`restored ${run.leases} of ${LEASES} leases`);
    const rate = LEASES / (Math.max(1, run.restoreMs) / 1000);
    console.log(`running ${dist ? 'the compiled build' : 'under tsx'}`);
    console.log(`baseline (0 leases): unseal → serving ${baseline.unsealToServingMs.toFixed(0)} ms, max RSS ${baseline.maxRssMB.toFixed(0)} MB`);
    console.log(`restore ${LEASES} leases: index scan + heap ${run.restoreMs} ms (${Math.round(rate)} leases/s), unseal → serving ${run.unsealToServingMs.toFixed(0)} ms, process start → serving ${run.startToServingMs.toFixed(0)} ms`);
    console.log(`max RSS ${run.maxRssMB.toFixed(0)} MB (baseline ${baseline.maxRssMB.toFixed(0)} MB, +${(run.maxRssMB - baseline.maxRssMB).toFixed(0)} MB for the leases)`);
    console.log(`ratio to baseline: time ${(run.unsealToServingMs / baseline.unsealToServingMs).toFixed(1)}x, RSS ${(run.maxRssMB / baseline.maxRssMB).toFixed(2)}x`);
    const ok = run.startToServingMs < 10_000 && run.maxRssMB < 300;
    console.log(`goal (< 10 s, < 300 MB): ${ok ? 'met' : 'NOT met'}`);
  } finally {
    for (const d of [baseDir, dataDir, dist]) if (d) rmSync(d, { recursive: true, force: true });
  }
}

await main();
