/** Shared setup for PKI tests: a mount on memory storage, and real openssl/cfssl runs in a temp dir. */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { createTestBackend, type TestBackend } from '../../support/backend.js';
import { makePkiFactory } from '../../../src/engines/pki/backend.js';
import { CofferError } from '../../../src/lib/errors.js';
import type { Operation, Response } from '../../../src/framework/types.js';

export interface Pki extends TestBackend {
  /** Calls and asserts success; returns the response data. */
  ok(op: Operation, path: string, data?: Record<string, unknown>): Promise<Record<string, any>>;
  /** Calls and asserts a CofferError with this status; returns its message. */
  fails(op: Operation, path: string, data?: Record<string, unknown>, status?: number): Promise<string>;
  clock: { offset: number };
}

export async function newPki(opts: { maxLeaseTTL?: number; defaultLeaseTTL?: number; path?: string; services?: Record<string, unknown>; periodicMs?: number } = {}): Promise<Pki> {
  const clock = { offset: 0 };
  const b = await createTestBackend(makePkiFactory({ now: () => Date.now() + clock.offset, periodicMs: opts.periodicMs }), {
    type: 'pki', path: opts.path ?? 'pki/', maxLeaseTTL: opts.maxLeaseTTL ?? 87600 * 3600, defaultLeaseTTL: opts.defaultLeaseTTL, services: opts.services,
  });
  const pki = b as Pki;
  pki.clock = clock;
  pki.ok = async (op, path, data = {}) => {
    const r = await b.call(op, path, data);
    return (r?.data ?? {}) as Record<string, any>;
  };
  pki.fails = async (op, path, data = {}, status = 400) => {
    try {
      await b.call(op, path, data);
    } catch (e) {
      assert.ok(e instanceof CofferError, `expected a CofferError, got ${String(e)}`);
      assert.equal(e.status, status, `status for ${path}: ${e.message}`);
      return e.message;
    }
    assert.fail(`${op} ${path} succeeded but should have failed`);
  };
  return pki;
}

export const call = (pki: Pki, op: Operation, path: string, data: Record<string, unknown> = {}): Promise<Response | null> => pki.call(op, path, data);

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'coffer-pki-'));
  file(name: string, content: string | Buffer): string {
    const p = join(this.path, name);
    writeFileSync(p, content);
    return p;
  }
  cleanup(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Runs openssl; returns { status, out } with stdout+stderr so assertions can read either. */
export function openssl(args: string[], input?: string | Buffer): { status: number; out: string } {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8' });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

export function opensslOk(args: string[], input?: string | Buffer): string {
  const r = openssl(args, input);
  assert.equal(r.status, 0, `openssl ${args.join(' ')} failed:\n${r.out}`);
  return r.out;
}

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A root CA in the mount, returning its PEM. */
export async function makeRoot(pki: Pki, data: Record<string, unknown> = {}): Promise<Record<string, any>> {
  return pki.ok('update', 'root/generate/internal', { common_name: 'Coffer Test Root', key_type: 'ec', ttl: '8760h', ...data });
}

/** openssl without blocking the event loop (needed when it talks to a server in this process). */
export function opensslAsync(args: string[]): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('openssl', args);
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    child.on('close', (code) => resolve({ status: code ?? -1, out }));
  });
}
