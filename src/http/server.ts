/**
 * The /v1 HTTP API: node:http (or https) in front of core. Translation only: decisions live
 * in core, so this layer imports core types and the request entry point, never an engine.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Core } from '../core/core.js';
import { handleRequest, isLifecyclePath } from '../core/request/handle-request.js';
import { handleHelp } from '../core/request/help.js';
import { handleLifecycle } from '../engines/sys/lifecycle.js';
import { isCofferError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { acceptListVerb } from './list-verb.js';
import { readBody, toRequest } from './to-request.js';
import { sendError, sendResponse } from './to-response.js';

export interface ListenerConfig {
  address: string; // host:port
  tlsDisable: boolean;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Client certificates are requested (for the cert auth method) but never required. */
  tlsClientCAFile?: string;
}

const NO_QUERY = new URLSearchParams();
const EMPTY_BODY = Buffer.alloc(0);

/**
 * HTTP/1.1 messages have a body only when they declare one (RFC 9112 6.3). A request without
 * one is answered without waiting on its stream; node drains it when the response ends.
 */
function hasBody(req: IncomingMessage): boolean {
  const h = req.headers;
  return (h['content-length'] !== undefined && h['content-length'] !== '0') || h['transfer-encoding'] !== undefined;
}

export function requestHandler(core: Core, logger: Logger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let requestId = '';
    try {
      const rawUrl = req.url ?? '/';
      const q = rawUrl.indexOf('?');
      const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
      // Dot segments would be resolved silently by URL parsers; refuse them instead.
      if (rawPath.includes('.') && (/(^|\/)\.\.?(\/|$)/.test(rawPath) || /%2e%2e/i.test(rawPath))) {
        sendError(res, 400, [`invalid request path "${rawPath.slice(0, 200)}"`]);
        return;
      }
      if (!rawPath.startsWith('/v1/')) {
        sendError(res, 404, []);
        return;
      }
      let path: string;
      try {
        path = rawPath.includes('%') ? decodeURIComponent(rawPath.slice(4)) : rawPath.slice(4);
      } catch {
        sendError(res, 400, ['invalid request path encoding']);
        return;
      }
      const query = q === -1 ? NO_QUERY : new URLSearchParams(rawUrl.slice(q + 1));
      const body = hasBody(req) ? await readBody(req) : EMPTY_BODY;
      const creq = await toRequest(req, query, path, body);
      requestId = creq.id;
      const bare = path.replace(/\/+$/, '');
      let resp;
      if (isLifecyclePath(bare)) {
        creq.fullPath = creq.path = bare;
        resp = await handleLifecycle(core, creq);
      } else if (query.has('help') && creq.operation === 'read') {
        resp = await handleHelp(core, creq);
      } else {
        resp = await handleRequest(core, creq);
      }
      sendResponse(res, creq, resp);
    } catch (e) {
      if (isCofferError(e)) {
        // Errors may carry their own headers (a quota's Retry-After); a bare 429 still gets one.
        const headers = (e as { headers?: Record<string, string> }).headers ?? (e.status === 429 ? { 'retry-after': '1' } : undefined);
        sendError(res, e.status, e.message === '' && e.status === 404 ? [] : [e.message, ...e.details], headers);
        return;
      }
      logger.error({ request_id: requestId, err: (e as Error)?.stack ?? String(e) }, 'internal error');
      sendError(res, 500, [`1 error occurred:\n\t* internal error\n\nrequest id: ${requestId}`]);
    }
  };
}

export function createApiServer(core: Core, listener: ListenerConfig, logger: Logger): Server {
  const handler = requestHandler(core, logger);
  const onRequest = (req: IncomingMessage, res: ServerResponse) => { void handler(req, res); };
  let server: Server;
  if (listener.tlsDisable) {
    server = createHttpServer({ keepAlive: true }, onRequest);
  } else {
    if (!listener.tlsCertFile || !listener.tlsKeyFile) throw new Error('listener: tls_cert_file and tls_key_file are required unless tls_disable = true');
    server = createHttpsServer({
      cert: readFileSync(listener.tlsCertFile),
      key: readFileSync(listener.tlsKeyFile),
      ...(listener.tlsClientCAFile ? { ca: readFileSync(listener.tlsClientCAFile), requestCert: true, rejectUnauthorized: false } : {}),
      keepAlive: true,
    }, onRequest);
  }
  server.keepAliveTimeout = 65_000;
  acceptListVerb(server, handler);
  return server;
}

export function listen(server: Server, address: string): Promise<AddressInfo> {
  const idx = address.lastIndexOf(':');
  const host = (idx === -1 ? address : address.slice(0, idx)).replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = idx === -1 ? 8200 : Number(address.slice(idx + 1));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}
