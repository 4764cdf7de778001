/**
 * Lease restore benchmark (issue 4): create LEASES leases (default 100,000) through the
 * request pipeline on sqlite, stop, then start a fresh process on the same data and time
 * unseal → lease timers restored → first request served. Reports leases/s restored and the
 * restoring process's RSS high-water mark, next to a baseline process that restores nothing.
 * Goal: 100k leases in under 10 s and under 300 MB.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Core } from '../src/core/core.js';
import { registerType } from '../src/core/registry.js';
import type { LeaseManager } from '../src/core/leases/lease-manager.js';
import { handleRequest } from '../src/core/request/handle-request.js';
import type { Request } from '../src/framework/types.js';
import { silentLogger } from '../src/lib/logger.js';
import { initDev, startServer } from '../src/server/start.js';

const LEASES = Number(process.env.LEASES ?? 100_000);

// A Backend that hands out leased credentials (revocation is a no-op: nothing expires here).
registerType('benchlease', 'secret', () => ({
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

function request(path: string, token: string): Request {
  return {
    id: randomUUID(), operation: 'read', fullPath: path, path, data: {}, query: {}, headers: {},
    clientToken: token, mountPoint: '', mountType: '', mountAccessor: '', remoteAddr: '127.0.0.1',
  };
}

async function start(dataDir: string) {
  return startServer({
    storage: { type: 'sqlite', options: { path: join(dataDir, 'coffer.db') } },
    listeners: [{ address: '127.0.0.1:0', tlsDisable: true }],
    logger: silentLogger(),
  });
}

async function create(dataDir: string, count: number): Promise<{ unsealKey: string; rootToken: string; ms: number }> {
  const running = await start(dataDir);
  const core: Core = running.core;
  const dev = await initDev(core, {});
  await core.mounts.enable('mounts', 'bench/', 'benchlease', '', {}, {});
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await handleRequest(core, request(`bench/creds/role${next % 8}`, dev.rootToken));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const ms = Date.now() - started;
  const m = core.services.leases as LeaseManager;
  if (m.count !== count) throw new Error(`expected ${count} leases, have ${m.count}`);
  await running.stop();
  return { unsealKey: Buffer.from(dev.unsealKey).toString('hex'), rootToken: dev.rootToken, ms };
}

/** The child: start on existing data, unseal, serve one lease lookup. */
async function restore(dataDir: string, unsealKey: string, rootToken: string): Promise<void> {
  const t0 = performance.now();
  const running = await start(dataDir);
  const booted = performance.now();
  const res = await fetch(`${running.addr}/v1/sys/unseal`, { method: 'PUT', body: JSON.stringify({ key: unsealKey }) });
  if (!res.ok) throw new Error(`unseal failed: ${res.status}`);
  const m = running.core.services.leases as LeaseManager;
  const list = await fetch(`${running.addr}/v1/sys/leases/lookup/bench/creds/role1/`, { method: 'LIST', headers: { 'x-vault-token': rootToken } });
  const served = performance.now();
  const keys = list.ok ? ((await list.json()) as { data: { keys: string[] } }).data.keys.length : 0;
  const out = {
    leases: m.count, restoreMs: m.restoredIn, unsealToServingMs: served - booted, startToServingMs: served - t0,
    maxRssMB: process.resourceUsage().maxRSS / 1024, listed: keys,
  };
  await running.stop();
  process.stdout.write(JSON.stringify(out));
}

function child(dataDir: string, unsealKey: string, rootToken: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'restore', dataDir, unsealKey, rootToken], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`restore process failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { leases: number; restoreMs: number; unsealToServingMs: number; startToServingMs: number; maxRssMB: number; listed: number };
}

async function main(): Promise<void> {
  if (process.argv[2] === 'restore') return restore(process.argv[3]!, process.argv[4]!, process.argv[5]!);
  const baseDir = mkdtempSync(join(tmpdir(), 'coffer-bench-leases-base-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'coffer-bench-leases-'));
  try {
    const base = await create(baseDir, 0);
    const made = await create(dataDir, LEASES);
    console.log(`created ${LEASES} leases in ${(made.ms / 1000).toFixed(1)} s (${Math.round(LEASES / (made.ms / 1000))} leases/s through the request pipeline)`);
    const baseline = child(baseDir, base.unsealKey, base.rootToken);
    const run = child(dataDir, made.unsealKey, made.rootToken);
    if (run.leases !== LEASES) throw new Error(`restored ${run.leases} of ${LEASES} leases`);
    const rate = LEASES / (run.restoreMs / 1000);
    console.log(`baseline (0 leases): unseal → serving ${baseline.unsealToServingMs.toFixed(0)} ms, max RSS ${baseline.maxRssMB.toFixed(0)} MB`);
    console.log(`restore ${LEASES} leases: index scan + heap ${run.restoreMs} ms (${Math.round(rate)} leases/s), unseal → serving ${run.unsealToServingMs.toFixed(0)} ms, process start → serving ${run.startToServingMs.toFixed(0)} ms`);
    console.log(`max RSS ${run.maxRssMB.toFixed(0)} MB (baseline ${baseline.maxRssMB.toFixed(0)} MB, +${(run.maxRssMB - baseline.maxRssMB).toFixed(0)} MB for the leases)`);
    console.log(`ratio to baseline: time ${(run.unsealToServingMs / baseline.unsealToServingMs).toFixed(1)}x, RSS ${(run.maxRssMB / baseline.maxRssMB).toFixed(2)}x`);
    const ok = run.unsealToServingMs < 10_000 && run.maxRssMB < 300;
    console.log(`goal (< 10 s, < 300 MB): ${ok ? 'met' : 'NOT met'}`);
  } finally {
    for (const d of [baseDir, dataDir]) rmSync(d, { recursive: true, force: true });
  }
}

await main();
