/**
 * HTTP → Request: method to operation, path checks, body and query parsing, token headers.
 * Pure translation: no Coffer decisions are made here.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { randomUUID } from 'node:crypto';
import type { Operation, Request } from '../framework/types.js';
import { parseDuration } from '../lib/duration.js';
import { badRequest, CofferError } from '../lib/errors.js';
import { parseClientJSON } from '../framework/json.js';

export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new CofferError(413, 'http: request body too large'));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new CofferError(413, 'http: request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const GO_TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);

function operationFor(method: string, query: URLSearchParams): Operation {
  switch (method) {
    // Vault parses ?list= as a Go boolean ("1", "t", "true", …).
    case 'GET': case 'HEAD': return query.size > 0 && GO_TRUE.has(query.get('list') ?? '') ? 'list' : 'read';
    case 'LIST': return 'list';
    case 'POST': case 'PUT': return 'update';
    case 'DELETE': return 'delete';
    case 'PATCH': return 'patch';
    default: throw new CofferError(405, 'unsupported operation');
  }
}

export function checkPath(path: string): void {
  if (path.includes('.') && path.split('/').some((seg) => seg === '..' || seg === '.')) throw badRequest(`invalid request path "${path}"`);
  if (path.includes('\0')) throw badRequest('invalid request path');
}

export function tokenFrom(req: IncomingMessage): string {
  const h = req.headers['x-vault-token'];
  if (typeof h === 'string' && h) return h.trim();
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  return '';
}

export function parseJSONBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = parseClientJSON(body.toString('utf8'));
  } catch (e) {
    throw badRequest(`failed to parse JSON input: ${(e as Error).message}`);
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('failed to parse JSON input: expected a JSON object');
  return parsed as Record<string, unknown>;
}

export async function toRequest(req: IncomingMessage, query: URLSearchParams, path: string, body: Buffer): Promise<Request> {
  const operation = operationFor(req.method ?? 'GET', query);
  checkPath(path);
  const contentType = String(req.headers['content-type'] ?? '');
  if (operation === 'patch' && !contentType.toLowerCase().startsWith('application/merge-patch+json')) {
    throw new CofferError(415, `PATCH requires Content-Type of application/merge-patch+json, provided ${contentType}`);
  }
  const takesBody = operation === 'update' || operation === 'patch' || operation === 'create';
  const data: Record<string, unknown> = takesBody && !/application\/(ocsp-request|pkix|x-pem)/.test(contentType) ? parseJSONBody(body) : {};
  const q: Record<string, string> = {};
  if (query.size > 0) {
    for (const [k, v] of query) q[k] = v;
    // Vault maps query parameters into data for reads, lists and deletes.
    if (!takesBody) for (const [k, v] of query) if (k !== 'list' && k !== 'help') data[k] = v;
  }
  let wrapTTL: number | undefined;
  const wrapHeader = req.headers['x-vault-wrap-ttl'];
  if (typeof wrapHeader === 'string' && wrapHeader) {
    try {
      wrapTTL = parseDuration(wrapHeader);
    } catch {
      throw badRequest('error parsing wrap TTL');
    }
    if (wrapTTL <= 0) throw badRequest('invalid wrap TTL');
  }
  const socket = req.socket as TLSSocket;
  return {
    id: randomUUID(),
    operation,
    fullPath: path,
    path,
    data,
    query: q,
    headers: req.headers,
    clientToken: tokenFrom(req),
    mountPoint: '',
    mountType: '',
    mountAccessor: '',
    remoteAddr: req.socket.remoteAddress ?? '',
    tlsSocket: socket.encrypted ? socket : undefined,
    wrapTTL,
    rawBody: body,
  };
}
