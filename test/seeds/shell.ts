/**
 * Runs a seed's shell lines as written: bash with a `coffer` executable on PATH (the CLI from
 * source, one real process per call, as the article's `vault` was), VAULT_ADDR/VAULT_TOKEN
 * pointing at a test Coffer and, where the seed talks to a cluster, KUBECONFIG pointing at the
 * Kubernetes API test server. Coffer and the test server run in this process, so every child is
 * started asynchronously (a synchronous child would block the servers it talks to).
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeTestServer } from '../../src/kube/testing/index.js';
import type { TestCoffer } from '../support/server.js';

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SeedShell {
  /** The working directory of every script (the article's current directory). */
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Runs `script` with bash -o pipefail; never throws on a non-zero exit. */
  run(script: string, opts?: { env?: NodeJS.ProcessEnv; stdin?: string }): Promise<ShellResult>;
  /** Runs `script` with bash -e -o pipefail and fails with its stderr unless it exits 0. */
  ok(script: string, opts?: { env?: NodeJS.ProcessEnv; stdin?: string }): Promise<string>;
}

const repo = join(import.meta.dirname, '..', '..');

/** A directory holding a `coffer` executable that runs src/cli/main.ts through tsx. */
export function cofferBin(): string {
  const bin = mkdtempSync(join(tmpdir(), 'coffer-seed-bin-'));
  const shim = join(repo, 'test', 'cli', 'process-shim.ts');
  const loader = import.meta.resolve('tsx');
  writeFileSync(join(bin, 'coffer'), `#!/bin/sh\nexec '${process.execPath}' --import '${loader}' '${shim}' "$@"\n`);
  chmodSync(join(bin, 'coffer'), 0o755);
  return bin;
}

export function seedShell(opts: { coffer?: TestCoffer; kube?: KubeTestServer; env?: NodeJS.ProcessEnv } = {}): SeedShell {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-seed-'));
  mkdirSync(join(dir, 'home'));
  // Only what the scripts need: nothing from the developer's own VAULT_* or KUBECONFIG leaks in.
  const env: NodeJS.ProcessEnv = {
    PATH: `${cofferBin()}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: join(dir, 'home'),
    LANG: 'C.UTF-8',
  };
  if (opts.coffer) {
    env.VAULT_ADDR = opts.coffer.addr;
    env.VAULT_TOKEN = opts.coffer.rootToken;
  }
  if (opts.kube) {
    writeFileSync(join(dir, 'home', 'kubeconfig'), opts.kube.kubeconfig(), { mode: 0o600 });
    env.KUBECONFIG = join(dir, 'home', 'kubeconfig');
  }
  Object.assign(env, opts.env);

  const exec = (flags: string[], script: string, o: { env?: NodeJS.ProcessEnv; stdin?: string } = {}) => new Promise<ShellResult>((resolve) => {
    const child = execFile('bash', [...flags, '-c', script], { cwd: dir, env: { ...env, ...o.env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin!.on('error', () => { /* the script exited without reading its input */ });
    child.stdin!.end(o.stdin ?? '');
  });
  return {
    dir,
    env,
    run: (script, o) => exec(['-o', 'pipefail'], script, o),
    async ok(script, o) {
      const r = await exec(['-e', '-o', 'pipefail'], script, o);
      if (r.code !== 0) throw new Error(`script failed (exit ${r.code}):\n${script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
      return r.stdout;
    },
  };
}
