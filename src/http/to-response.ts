/** Response → HTTP: Vault's envelope, error bodies, raw replies. */
import type { ServerResponse } from 'node:http';
import type { Auth, Request, Response } from '../framework/types.js';

export function sendJSON(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  const text = body === undefined ? '' : JSON.stringify(body);
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

export function authJSON(a: Auth): Record<string, unknown> {
  return {
    client_token: a.clientToken ?? '',
    accessor: a.accessor ?? '',
    policies: a.policies,
    token_policies: a.tokenPolicies ?? a.policies,
    identity_policies: a.identityPolicies?.length ? a.identityPolicies : undefined,
    metadata: a.metadata ?? null,
    lease_duration: a.leaseOptions?.ttl ?? a.ttl ?? 0,
    renewable: a.leaseOptions?.renewable ?? a.renewable ?? false,
    entity_id: a.entityId ?? '',
    token_type: a.tokenType === 'batch' ? 'batch' : 'service',
    orphan: true,
    mfa_requirement: null,
    num_uses: a.numUses ?? 0,
  };
}

export function envelope(req: Request, resp: Response): Record<string, unknown> {
  return {
    request_id: req.id,
    lease_id: resp.leaseId ?? '',
    renewable: resp.renewable ?? false,
    lease_duration: resp.leaseDuration ?? 0,
    data: resp.data ?? null,
    wrap_info: resp.wrapInfo ?? null,
    warnings: resp.warnings?.length ? resp.warnings : null,
    auth: resp.auth ? authJSON(resp.auth) : null,
    mount_type: resp.mountType ?? '',
  };
}

export function sendResponse(res: ServerResponse, req: Request, resp: Response | null): void {
  if (resp?.raw) {
    const body = resp.raw.body;
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
