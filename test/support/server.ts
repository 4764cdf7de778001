/**
 * Starts a real Coffer (storage → core → HTTP on a random loopback port) for integration
 * tests. Dev-style by default: initialized, unsealed, KV v2 at secret/.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Core } from '../../src/core/core.js';
import { silentLogger } from '../../src/lib/logger.js';
import { initDev, startServer } from '../../src/server/start.js';

export interface TestCoffer {
  addr: string;
  rootToken: string;
  unsealKey: string;
  core: Core;
  dataDir: string;
  stop(): Promise<void>;
  /** fetch against /v1 with the root token unless another is given. */
  api(method: string, path: string, body?: unknown, token?: string, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
}

export interface StartOptions {
  storage?: 'memory' | 'sqlite';
  /** Leave the server uninitialized and sealed (for init/unseal tests). */
  uninitialized?: boolean;
  kvVersion?: '1' | '2';
  dataDir?: string;
  rootTokenId?: string;
  defaultLeaseTTL?: number;
  maxLeaseTTL?: number;
}

/** One /v1 call to the server at `addr`, as a Vault client makes it; the body parsed if JSON. */
export async function apiAt(addr: string, method: string, path: string, body?: unknown, token?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${addr}/v1/${path.replace(/^\/+/, '')}`, {
    method,
    headers: { ...(token ? { 'x-vault-token': token } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* raw body */ }
  return { status: res.status, body: parsed, headers: res.headers };
}

export async function startCoffer(opts: StartOptions = {}): Promise<TestCoffer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'coffer-test-'));
  const storage = opts.storage === 'sqlite'
    ? { type: 'sqlite', options: { path: join(dataDir, 'coffer.db') } }
    : { type: 'memory', options: {} };
  const running = await startServer({
    storage, listeners: [{ address: '127.0.0.1:0', tlsDisable: true }], logger: silentLogger(),
    defaultLeaseTTL: opts.defaultLeaseTTL, maxLeaseTTL: opts.maxLeaseTTL,
  });
  let rootToken = '';
  let unsealKey = '';
  if (!opts.uninitialized) {
    const dev = await initDev(running.core, { kvVersion: opts.kvVersion, rootTokenId: opts.rootTokenId });
    rootToken = dev.rootToken;
    unsealKey = Buffer.from(dev.unsealKey).toString('hex');
  }
  const addr = running.addr;
  return {
    addr, rootToken, unsealKey, core: running.core, dataDir,
    stop: () => running.stop(),
    api: (method, path, body, token, headers) => apiAt(addr, method, path, body, token ?? rootToken, headers),
  };
}
