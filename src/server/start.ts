/**
 * Starts a Coffer server: storage → core → HTTP listeners. Used by `coffer server`, by
 * dev mode and by the integration tests, so all three run the same code.
 */
import type { Server } from 'node:http';
import './builtins.js';
import { Core } from '../core/core.js';
import { createApiServer, listen, type ListenerConfig } from '../http/server.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { createStorage } from '../storage/registry.js';

export interface ServerOptions {
  storage: { type: string; options: Record<string, string> };
  listeners: ListenerConfig[];
  apiAddr?: string;
  defaultLeaseTTL?: number;
  maxLeaseTTL?: number;
  logLevel?: string;
  logger?: Logger;
  clusterName?: string;
}

export interface RunningServer {
  core: Core;
  servers: Server[];
  /** The first listener's URL, e.g. http://127.0.0.1:8200. */
  addr: string;
  logger: Logger;
  stop(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger(opts.logLevel ?? 'info');
  const physical = await createStorage(opts.storage.type, opts.storage.options);
  const core = new Core({
    physical, logger, defaultLeaseTTL: opts.defaultLeaseTTL, maxLeaseTTL: opts.maxLeaseTTL,
    apiAddr: opts.apiAddr, clusterName: opts.clusterName, storageType: opts.storage.type,
  });
  const servers: Server[] = [];
  let addr = '';
  try {
    for (const l of opts.listeners) {
      const server = createApiServer(core, l, logger);
      const info = await listen(server, l.address);
      servers.push(server);
      if (!addr) {
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
        addr = `${l.tlsDisable ? 'http' : 'https'}://${host}:${info.port}`;
        // With HA storage, what a standby's sys/leader names when api_addr is not set.
        core.listenerAddr = addr;
      }
    }
  } catch (e) {
    for (const s of servers) s.close();
    await physical.close?.();
    throw e;
  }
  return {
    core, servers, addr, logger,
    async stop() {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections?.();
      })));
      if (!core.sealed || core.standby) await core.sealCore();
      await physical.close?.();
    },
  };
}

/** Dev mode: initialize with one key share, unseal, and optionally pin the root token id. */
export async function initDev(core: Core, opts: { rootTokenId?: string; kvVersion?: '1' | '2' }): Promise<{ unsealKey: Uint8Array; rootToken: string }> {
  const { keys, rootToken } = await core.initialize(1, 1);
  await core.submitUnsealKey(keys[0]!);
  let token = rootToken;
  if (opts.rootTokenId) {
    const generated = await core.tokens.lookup(rootToken);
    await core.createRootToken(opts.rootTokenId);
    if (generated) await core.tokens.revokeTree(generated);
    token = opts.rootTokenId;
  }
  await core.mounts.enable('mounts', 'secret/', 'kv', 'key/value secret storage', {}, { version: opts.kvVersion ?? '2' });
  return { unsealKey: keys[0]!, rootToken: token };
}
