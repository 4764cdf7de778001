/**
 * Runs the CLI in-process with captured streams: `await runCLI(['kv', 'get', 'secret/x'], { env })`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CLIResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  stdin?: string;
  /** Pretend stdout is a terminal (raw values then end with a newline). */
  tty?: boolean;
}

function sink(): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

export async function runCLI(args: string[], opts: RunOptions = {}): Promise<CLIResult> {
  const out = sink();
  const err = sink();
  if (opts.tty) out.stream.isTTY = true;
  const stdin = Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]);
  const code = await main(args, { env: opts.env ?? {}, stdout: out.stream, stderr: err.stream, stdin });
  await new Promise((r) => setImmediate(r));
  return { code, stdout: out.text(), stderr: err.text() };
}

/** A fresh HOME so ~/.vault-token is private to the test. */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'coffer-cli-home-'));
}

/** Environment pointing the CLI at a test server, with the root token and a private HOME. */
export function cliEnv(server: { addr: string; rootToken: string }, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { VAULT_ADDR: server.addr, VAULT_TOKEN: server.rootToken, HOME: tempHome(), ...extra };
}
