/**
 * `coffer server`: production (`-config=FILE`, starts uninitialized and sealed) or dev mode
 * (`-dev`: in memory, initialized, unsealed, KV v2 at secret/, root token printed).
 */
import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '../core/core.js';
import { initDev, startServer, type RunningServer } from '../server/start.js';
import { ConfigError, loadServerConfig } from './server-config.js';

interface ServerFlags {
  dev: boolean;
  devRootTokenId?: string;
  devListenAddress: string;
  devKvV1: boolean;
  configs: string[];
  logLevel?: string;
}

export function parseServerFlags(args: string[], env: NodeJS.ProcessEnv): ServerFlags {
  const flags: ServerFlags = {
    dev: false,
    devRootTokenId: env.VAULT_DEV_ROOT_TOKEN_ID || undefined,
    devListenAddress: env.VAULT_DEV_LISTEN_ADDRESS || '127.0.0.1:8200',
    devKvV1: false,
    configs: [],
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^--?([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new ConfigError(`unexpected argument "${arg}"`);
    const [, name, inline] = m;
    const value = () => {
      if (inline !== undefined) return inline;
      const next = args[++i];
      if (next === undefined) throw new ConfigError(`flag -${name} needs a value`);
      return next;
    };
    const boolValue = () => inline === undefined || inline === 'true' || inline === '1';
    switch (name) {
      case 'dev': flags.dev = boolValue(); break;
      case 'dev-root-token-id': flags.devRootTokenId = value(); break;
      case 'dev-listen-address': flags.devListenAddress = value(); break;
      case 'dev-kv-v1': flags.devKvV1 = boolValue(); break;
      case 'config': flags.configs.push(value()); break;
      case 'log-level': flags.logLevel = value(); break;
      case 'dev-no-store-token': case 'dev-tls': case 'exit-on-core-shutdown': case 'recovery': break;
      default: throw new ConfigError(`flag provided but not defined: -${name}`);
    }
  }
  return flags;
}

function banner(lines: [string, string][]): string {
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${k.padStart(width + 13)}: ${v}`).join('\n');
}

export async function runServerCommand(args: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env: NodeJS.ProcessEnv } = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let flags: ServerFlags;
  try {
    flags = parseServerFlags(args, io.env);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  if (!flags.dev && !flags.configs.length) {
    io.stderr.write('No configuration files found. Please provide configurations with the -config flag. If you are supplying the path to a directory, please ensure the directory contains files with the .hcl or .json extension.\n');
    return 1;
  }
  let running: RunningServer;
  try {
    if (flags.dev) {
      running = await startServer({
        storage: { type: 'memory', options: {} },
        listeners: [{ address: flags.devListenAddress, tlsDisable: true }],
        logLevel: flags.logLevel ?? 'info',
      });
    } else {
      const cfg = loadServerConfig(flags.configs[0]!);
      for (const w of cfg.warnings) io.stderr.write(`WARNING: ${w}\n`);
      running = await startServer({
        storage: cfg.storage, listeners: cfg.listeners, apiAddr: cfg.apiAddr, clusterName: cfg.clusterName,
        defaultLeaseTTL: cfg.defaultLeaseTTL, maxLeaseTTL: cfg.maxLeaseTTL,
        logLevel: flags.logLevel ?? cfg.logLevel,
      });
    }
  } catch (e) {
    io.stderr.write(`Error initializing core: ${(e as Error).message}\n`);
    return 1;
  }
  const { core, addr } = running;
  io.stdout.write(`==> Coffer server configuration:\n\n${banner([
    ['Api Address', core.apiAddr || addr],
    ['Listener 1', `tcp (addr: "${addr.replace(/^https?:\/\//, '')}", tls: "${addr.startsWith('https') ? 'enabled' : 'disabled'}")`],
    ['Log Level', flags.logLevel ?? 'info'],
    ['Storage', core.storageType],
    ['Version', `Coffer v${VERSION}`],
  ])}\n\n==> Coffer server started! Log data will stream in below:\n\n`);

  if (flags.dev) {
    const { unsealKey, rootToken } = await initDev(core, { rootTokenId: flags.devRootTokenId, kvVersion: flags.devKvV1 ? '1' : '2' });
    try {
      writeFileSync(join(homedir(), '.vault-token'), rootToken, { mode: 0o600 });
    } catch { /* a read-only home only costs the convenience */ }
    io.stdout.write(`WARNING! dev mode is enabled! In this mode, Coffer runs entirely in-memory
and starts unsealed with a single unseal key. The root token is already
authenticated to the CLI, so you can immediately begin using Coffer.

You may need to set the following environment variables:

    $ export VAULT_ADDR='${addr}'

The unseal key and root token are displayed below in case you want to
seal/unseal the Vault or re-authenticate.

Unseal Key: ${Buffer.from(unsealKey).toString('base64')}
Root Token: ${rootToken}

Development mode should NOT be used in production installations!

`);
  }

  return new Promise<number>((resolve) => {
    const shutdown = async () => {
      io.stdout.write('==> Coffer shutdown triggered\n');
      await running.stop().catch(() => undefined);
      resolve(0);
    };
    process.once('SIGINT', () => { void shutdown(); });
    process.once('SIGTERM', () => { void shutdown(); });
  });
}

