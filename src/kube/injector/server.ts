/**
 * The injector's HTTPS endpoint: `POST /mutate` takes an AdmissionReview (v1, or v1beta1 answered
 * in kind) and answers with the decision of mutate(); `GET /health/ready` for probes. The serving
 * certificate is re-read when its files change, so cert-manager style rotation needs no restart.
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../lib/logger.js';
import type { InjectorSettings } from './annotations.js';
import { mutate } from './mutate.js';

export interface InjectorServerOptions {
  settings: InjectorSettings;
  certFile: string;
  keyFile: string;
  /** host:port or :port (all interfaces), as vault-k8s's -listen. */
  listen: string;
  logger: Logger;
  /** How often the certificate files are checked for changes (ms). */
  certCheckMs?: number;
}

export interface RunningInjector {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

export function splitListen(listen: string): { host?: string; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(listen);
  if (!m || Number(m[3]) > 65535) throw new Error(`invalid listen address "${listen}": expected host:port or :port`);
  const host = m[1] ?? m[2];
  return { host: host || undefined, port: Number(m[3]) };
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) { resolve(undefined); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function handleMutate(req: IncomingMessage, res: ServerResponse, settings: InjectorSettings, log: Logger): Promise<void> {
  const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (ct !== 'application/json') return send(res, 400, `Invalid content-type: "${req.headers['content-type'] ?? ''}"\n`);
  const body = await readBody(req);
  if (body === undefined) return send(res, 413, 'request body too large\n');
  if (body.length === 0) return send(res, 400, 'Empty request body\n');
  let review: Record<string, any>;
  try {
    review = JSON.parse(body.toString('utf8'));
    if (!review || typeof review !== 'object' || typeof review.request !== 'object' || review.request === null) throw new Error('no request in the AdmissionReview');
  } catch (e) {
    return send(res, 400, `error decoding admission request: ${(e as Error).message}\n`);
  }
  const request = review.request;
  const response = mutate(request, settings);
  const pod = request.object?.metadata ?? {};
  const where = { namespace: request.namespace, pod: pod.name || pod.generateName || '', uid: response.uid };
  if (!response.allowed) log.warn({ ...where, reason: response.status?.message }, 'pod denied');
  else if (response.patch) log.info(where, 'agent injected');
  else log.debug(where, 'pod not annotated for injection');
  const apiVersion = typeof review.apiVersion === 'string' && review.apiVersion.startsWith('admission.k8s.io/') ? review.apiVersion : 'admission.k8s.io/v1';
  send(res, 200, JSON.stringify({ apiVersion, kind: 'AdmissionReview', response }), 'application/json');
}

export async function startInjectorServer(o: InjectorServerOptions): Promise<RunningInjector> {
  const load = () => ({ cert: readFileSync(o.certFile), key: readFileSync(o.keyFile) });
  const stamp = () => `${statSync(o.certFile).mtimeMs}:${statSync(o.keyFile).mtimeMs}`;
  let loaded = stamp();
  const server = createServer({ ...load(), minVersion: 'TLSv1.2' }, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/mutate' && req.method === 'POST') {
      handleMutate(req, res, o.settings, o.logger).catch((e) => {
        o.logger.error({ err: (e as Error).message }, 'admission request failed');
        if (!res.headersSent) send(res, 500, 'internal error\n');
      });
      return;
    }
    if (path === '/health/ready' && (req.method === 'GET' || req.method === 'HEAD')) { res.writeHead(204); res.end(); return; }
    send(res, path === '/mutate' ? 405 : 404, path === '/mutate' ? 'method not allowed\n' : 'not found\n');
  });
  const reload = setInterval(() => {
    try {
      const now = stamp();
      if (now === loaded) return;
      server.setSecureContext({ ...load(), minVersion: 'TLSv1.2' });
      loaded = now;
      o.logger.info({ cert: o.certFile }, 'TLS certificate reloaded');
    } catch (e) {
      // Half-written files during rotation: keep serving the old pair and retry next tick.
      o.logger.warn({ err: (e as Error).message }, 'could not reload the TLS certificate');
    }
  }, o.certCheckMs ?? 10_000);
  reload.unref();
  const { host, port } = splitListen(o.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as { address: string; port: number };
  const shown = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  return {
    server, port: addr.port, url: `https://${shown}:${addr.port}`,
    close: () => new Promise<void>((resolve) => {
      clearInterval(reload);
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
