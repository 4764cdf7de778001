/**
 * Vault's audit entries: `{time, type: request|response, auth, request, response, error}`
 * with Go's omitempty (empty strings, zeros, false, empty lists and maps are left out).
 * Unless the device logs raw, the client token is HMAC'd, accessors too (hmac_accessor),
 * and every string in request and response data (see hash.ts).
 */
import type { Auth, Request, Response } from '../../framework/types.js';
import { isCofferError } from '../../lib/errors.js';
import type { TokenEntry } from '../tokens/token-entry.js';
import { hashStructure, type AuditSalt } from './hash.js';

export interface FormatConfig {
  raw: boolean;
  hmacAccessor: boolean;
  elideListResponses: boolean;
}

export interface AuditInput {
  req: Request;
  token?: TokenEntry;
  identityPolicies?: string[];
  resp?: Response | null;
  error?: Error;
  /** The mount's audit_non_hmac_request_keys / audit_non_hmac_response_keys. */
  nonHmacRequestKeys?: string[];
  nonHmacResponseKeys?: string[];
}

type Obj = Record<string, unknown>;

/** Go's omitempty for one struct level. */
function compact(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null || v === '' || v === 0 || v === false) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as Obj).length === 0) continue;
    out[k] = v;
  }
  return out;
}

const rfc3339Seconds = (sec: number) => new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

class Hasher {
  constructor(private readonly cfg: FormatConfig, private readonly salt: AuditSalt) {}
  token(s: string | undefined): string {
    return !s || this.cfg.raw ? s ?? '' : this.salt.hmac(s);
  }
  accessor(s: string | undefined): string {
    return !s || this.cfg.raw || !this.cfg.hmacAccessor ? s ?? '' : this.salt.hmac(s);
  }
  data(d: unknown, ignored: string[] | undefined): unknown {
    return this.cfg.raw ? d : hashStructure(d, (s) => this.salt.hmac(s), ignored);
  }
}

function tokenAuth(h: Hasher, t: TokenEntry | undefined, identityPolicies: string[] | undefined): Obj {
  // Vault's zero-value token type prints as "default" when no token was presented.
  if (!t) return { token_type: 'default' };
  const idp = identityPolicies ?? [];
  return compact({
    client_token: h.token(t.id),
    accessor: h.accessor(t.accessor),
    display_name: t.display_name,
    policies: [...new Set([...t.policies, ...idp])].sort(),
    token_policies: t.policies,
    identity_policies: idp,
    metadata: t.meta ?? undefined,
    entity_id: t.entity_id,
    remaining_uses: t.num_uses > 0 ? t.num_uses : 0,
    token_type: t.type,
    token_ttl: t.ttl,
    token_issue_time: t.creation_time ? rfc3339Seconds(t.creation_time) : '',
  });
}

function responseAuth(h: Hasher, a: Auth): Obj {
  return compact({
    client_token: h.token(a.clientToken),
    accessor: h.accessor(a.accessor),
    display_name: a.displayName,
    policies: a.policies,
    token_policies: a.tokenPolicies ?? a.policies,
    identity_policies: a.identityPolicies,
    metadata: a.metadata,
    num_uses: a.numUses,
    entity_id: a.entityId,
    token_type: a.tokenType === 'batch' ? 'batch' : 'service',
    token_ttl: a.leaseOptions?.ttl ?? a.ttl,
  });
}

function remote(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

function requestPart(h: Hasher, i: AuditInput): Obj {
  const { req, token } = i;
  const data = Object.keys(req.data ?? {}).length ? h.data(req.data, i.nonHmacRequestKeys) : undefined;
  return compact({
    id: req.id,
    operation: req.operation,
    mount_point: req.mountPoint,
    mount_type: req.mountType,
    mount_accessor: req.mountAccessor,
    client_token: h.token(req.clientToken),
    client_token_accessor: h.accessor(token?.accessor),
    namespace: { id: 'root' },
    path: req.fullPath,
    data,
    remote_address: remote(req.remoteAddr),
    wrap_ttl: req.wrapTTL,
  });
}

/** What a response carried: JSON data, or a raw body as Vault's http_* keys. */
function responseData(resp: Response): Obj | undefined {
  if (resp.raw) {
    const body = typeof resp.raw.body === 'string' ? resp.raw.body : resp.raw.body.toString('utf8');
    return { http_content_type: resp.raw.contentType, http_raw_body: body, http_status_code: resp.raw.status };
  }
  return resp.data ?? undefined;
}

function elide(data: Obj): Obj {
  const out = { ...data };
  if (Array.isArray(out.keys)) out.keys = out.keys.length;
  if (out.key_info && typeof out.key_info === 'object') out.key_info = Object.keys(out.key_info as Obj).length;
  return out;
}

function responsePart(h: Hasher, cfg: FormatConfig, i: AuditInput): Obj {
  const { req } = i;
  const resp = i.resp ?? {};
  let data = responseData(resp);
  if (data && cfg.elideListResponses && req.operation === 'list') data = elide(data);
  const w = resp.wrapInfo;
  return compact({
    mount_point: req.mountPoint,
    mount_type: req.mountType,
    mount_accessor: req.mountAccessor,
    auth: resp.auth ? responseAuth(h, resp.auth) : undefined,
    secret: resp.leaseId ? { lease_id: resp.leaseId } : undefined,
    data: data && Object.keys(data).length ? h.data(data, i.nonHmacResponseKeys) : undefined,
    warnings: resp.warnings,
    wrap_info: w ? compact({
      ttl: w.ttl, token: cfg.raw ? w.token : h.token(w.token), accessor: h.accessor(w.accessor),
      creation_time: w.creation_time, creation_path: w.creation_path, wrapped_accessor: h.accessor(w.wrapped_accessor),
    }) : undefined,
  });
}

export function requestEntry(i: AuditInput, cfg: FormatConfig, salt: AuditSalt, now = new Date()): Obj {
  const h = new Hasher(cfg, salt);
  return compact({
    time: now.toISOString(),
    type: 'request',
    auth: tokenAuth(h, i.token, i.identityPolicies),
    request: requestPart(h, i),
    error: i.error ? errorText(i.error) : '',
  });
}

export function responseEntry(i: AuditInput, cfg: FormatConfig, salt: AuditSalt, now = new Date()): Obj {
  const h = new Hasher(cfg, salt);
  return compact({
    time: now.toISOString(),
    type: 'response',
    auth: tokenAuth(h, i.token, i.identityPolicies),
    request: requestPart(h, i),
    response: responsePart(h, cfg, i),
    error: i.error ? errorText(i.error) : '',
  });
}

/** Coffer's own errors keep their (Vault-worded, secret-free) message; anything else is "internal error". */
function errorText(e: Error): string {
  return isCofferError(e) ? e.message : 'internal error';
}
