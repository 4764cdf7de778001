/** Response → HTTP: Vault's envelope, error bodies, raw replies. */
import type { ServerResponse } from 'node:http';
import type { Request, Response } from '../framework/types.js';
import { envelope } from '../core/request/response-json.js';

export function sendJSON(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  // Go's json.Encoder (Vault) ends every body with a newline; curl users see it.
  const text = body === undefined ? '' : JSON.stringify(body) + '\n';
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, errors: string[], headers?: Record<string, string>): void {
  sendJSON(res, status, { errors }, headers);
}

export function sendResponse(res: ServerResponse, req: Request, resp: Response | null): void {
  if (resp?.raw) {
    let body = resp.raw.body;
    // Raw JSON answers (sys/health, seal-status, …) end with a newline like every Vault body.
    if (typeof body === 'string' && body !== '' && resp.raw.contentType.startsWith('application/json') && !body.endsWith('\n')) body += '\n';
    res.writeHead(resp.raw.status, {
      'content-type': resp.raw.contentType,
      'content-length': Buffer.byteLength(body),
      ...resp.raw.headers,
      ...resp.headers,
    });
    res.end(body);
    return;
  }
  if (!resp) {
    if (req.operation === 'read' || req.operation === 'list') sendError(res, 404, []);
    else { res.writeHead(204); res.end(); }
    return;
  }
  const hasContent = resp.data || resp.auth || resp.wrapInfo || resp.warnings?.length || resp.leaseId;
  if (!hasContent && !resp.status) {
    res.writeHead(204, resp.headers);
    res.end();
    return;
  }
  if (resp.wrapInfo) {
    // A wrapped reply carries only wrap_info (Vault strips data and auth).
    sendJSON(res, resp.status ?? 200, { request_id: req.id, lease_id: '', renewable: false, lease_duration: 0, data: null, wrap_info: resp.wrapInfo, warnings: resp.warnings?.length ? resp.warnings : null, auth: null, mount_type: resp.mountType ?? '' }, resp.headers);
    return;
  }
  const env = envelope(req, resp);
  sendJSON(res, resp.status ?? 200, resp.legacyTopLevel && resp.data ? { ...resp.data, ...env } : env, resp.headers);
}
