/**
 * The agent's listener: an API proxy to Vault that can add the auto-auth token
 * (use_auto_auth_token = true adds it when the request has none, "force" always replaces it),
 * and, with a `cache {}` block, answers repeated requests for leased secrets and logins from
 * memory until their lease runs out, so an app restarting in a loop does not mint a new
 * credential each time. Also serves /agent/v1/quit and /agent/v1/cache-clear.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { VaultClient } from '../api/client.js';
import type { Logger } from '../lib/logger.js';
import type { ListenerConfig } from './config.js';

export interface ApiProxy {
  address: string;
  close(): Promise<void>;
  readonly cacheSize: number;
}

export interface ProxyOptions {
  listener: ListenerConfig;
  client: VaultClient;
  logger: Logger;
  useAutoAuthToken: boolean | 'force';
  cache: boolean;
  token: () => string | undefined;
  onInvalidToken: (token: string) => void;
  onQuit: () => void;
}

interface CacheEntry {
  status: number;
  body: unknown;
  expires: number;
  leaseId?: string;
  token?: string;
  path: string;
}

const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'proxy-connection']);

export async function startApiProxy(o: ProxyOptions): Promise<ApiProxy> {
  const cache = new Map<string, CacheEntry>();
  const log = o.logger;

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://agent');
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    if (o.listener.requireRequestHeader && req.headers['x-vault-request'] !== 'true') {
      return reply(412, { errors: ['missing required request header'] });
    }
    if (url.pathname === '/agent/v1/quit') {
      if (!o.listener.enableQuit) return reply(404, { errors: [] });
      if (req.method !== 'POST') return reply(405, { errors: ['method not allowed'] });
      reply(200, undefined);
      setImmediate(o.onQuit);
      return;
    }
    if (url.pathname === '/agent/v1/cache-clear') {
      if (!o.cache) return reply(404, { errors: ['caching is not enabled'] });
      let spec: { type?: string; value?: string } = {};
      try {
        spec = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        return reply(400, { errors: ['failed to parse JSON input'] });
      }
      clearCache(cache, spec.type ?? '', spec.value ?? '');
      return reply(200, undefined);
    }
    if (!url.pathname.startsWith('/v1/')) return reply(404, { errors: [] });

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_HEADERS.has(k) && typeof v === 'string') headers[k] = v;
    let token = headers['x-vault-token'] ?? (headers.authorization?.startsWith('Bearer ') ? headers.authorization.slice(7) : undefined);
    const agentToken = o.token();
    let usedAgentToken = false;
    if (agentToken && (o.useAutoAuthToken === 'force' || (o.useAutoAuthToken === true && !token))) {
      token = agentToken;
      usedAgentToken = true;
      delete headers.authorization;
      headers['x-vault-token'] = agentToken;
    }
    const path = url.pathname.slice('/v1/'.length);
    const key = createHash('sha256').update(`${req.method}\n${url.pathname}${url.search}\n${token ?? ''}\n`).update(body).digest('hex');
    if (o.cache) {
      const hit = cache.get(key);
      if (hit && hit.expires > Date.now()) {
        res.setHeader('X-Cache', 'HIT');
        return reply(hit.status, hit.body);
      }
      if (hit) cache.delete(key);
    }
    let upstream;
    try {
      upstream = await o.client.request(req.method ?? 'GET', path + url.search, {
        body: body.length ? body : undefined,
        headers,
        token: token ?? null,
        contentType: headers['content-type'],
        wrapTTL: null,
      });
    } catch (e) {
      log.error({ path }, `proxy: ${(e as Error).message}`);
      return reply(502, { errors: [(e as Error).message] });
    }
    if (upstream.status === 403 && usedAgentToken && agentToken) o.onInvalidToken(agentToken);
    const b = upstream.body as Record<string, any> | null;
    if (o.cache && upstream.status === 200 && b && typeof b === 'object') {
      const ttl = Number(b.auth?.lease_duration ?? b.lease_duration ?? 0);
      if ((b.lease_id || b.auth?.client_token) && ttl > 0) {
        cache.set(key, { status: 200, body: b, expires: Date.now() + ttl * 1000, leaseId: b.lease_id || undefined, token: b.auth?.client_token, path });
      }
      if (/^sys\/leases\/revoke/.test(path.split('?')[0]!) || /^auth\/token\/revoke/.test(path.split('?')[0]!)) evictRevoked(cache, path, body);
    }
    res.setHeader('Content-Type', String(upstream.headers['content-type'] ?? 'application/json'));
    res.writeHead(upstream.status);
    res.end(b === null ? '' : typeof b === 'string' ? b : JSON.stringify(b));
  };

  const l = o.listener;
  const server = l.tlsDisable || !l.tlsCertFile
    ? http.createServer((q, s) => void handler(q, s).catch((e) => failed(s, e)))
    : https.createServer({ cert: readFileSync(l.tlsCertFile), key: readFileSync(l.tlsKeyFile!) }, (q, s) => void handler(q, s).catch((e) => failed(s, e)));
  function failed(s: http.ServerResponse, e: unknown) {
    log.error({}, `proxy: ${(e as Error).message}`);
    if (!s.headersSent) s.writeHead(500);
    s.end();
  }
  let address: string;
  if (l.type === 'unix') {
    rmSync(l.address, { force: true });
    await new Promise<void>((r, j) => server.once('error', j).listen(l.address, () => r()));
    address = l.address;
  } else {
    const [host, port] = splitHostPort(l.address);
    await new Promise<void>((r, j) => server.once('error', j).listen(port, host, () => r()));
    const a = server.address() as AddressInfo;
    address = `${server instanceof https.Server ? 'https' : 'http'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }
  log.info({ address }, 'proxy: listening');
  return {
    address,
    get cacheSize() {
      return cache.size;
    },
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections?.();
    }),
  };
}

function splitHostPort(addr: string): [string, number] {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(addr);
  if (!m) return [addr, 8100];
  return [m[1] || '127.0.0.1', Number(m[2])];
}

function clearCache(cache: Map<string, CacheEntry>, type: string, value: string): void {
  for (const [k, e] of cache) {
    const match = type === 'all' || (type === 'lease' && e.leaseId === value) || (type === 'token' && e.token === value) || (type === 'request_path' && e.path.startsWith(value.replace(/^\/?v1\//, '')));
    if (match) cache.delete(k);
  }
}

function evictRevoked(cache: Map<string, CacheEntry>, path: string, body: Buffer): void {
  let leaseId = '';
  try {
    leaseId = String(JSON.parse(body.toString('utf8') || '{}').lease_id ?? '');
  } catch {
    // no JSON body: the lease id may be in the path
  }
  if (!leaseId) leaseId = path.replace(/^sys\/leases\/revoke\/?/, '');
  for (const [k, e] of cache) if (e.leaseId && (e.leaseId === leaseId || e.leaseId.startsWith(leaseId + '/'))) cache.delete(k);
}
