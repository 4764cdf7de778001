/**
 * A small client for Vault's HTTP API (and so Coffer's), shared by the CLI, the agent and the
 * Kubernetes tools. It speaks the wire protocol only: no retries, no caching, no renewal loops.
 *
 *   const c = VaultClient.fromEnv();                // VAULT_ADDR, VAULT_TOKEN, ~/.vault-token, …
 *   await c.write('secret/data/app', { data: { password: 's3cret' } });
 *   const s = await c.read('secret/data/app');      // Secret | null (null: nothing at that path)
 *
 * The helpers (read/write/list/delete/patch) behave like Vault's Go client: they throw an
 * ApiError for a 4xx/5xx answer, except a 404 without data or warnings, which reads as null.
 * `request()` is the raw form: it never throws for an HTTP status, only for a network failure.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { clientOptionsFromEnv } from './env.js';

export const DEFAULT_ADDRESS = 'https://127.0.0.1:8200';

export interface ClientOptions {
  /** Server URL; Vault's default is https://127.0.0.1:8200. */
  address?: string;
  token?: string;
  /** Path to a PEM file of CA certificates; replaces the system roots, as in Vault. */
  caCert?: string;
  /** Directory of PEM CA certificates (used when caCert is not set). */
  caPath?: string;
  skipVerify?: boolean;
  /** Paths to a PEM client certificate and its key, for TLS client authentication. */
  clientCert?: string;
  clientKey?: string;
  tlsServerName?: string;
  namespace?: string;
  /** Wrap every response in a cubbyhole token with this TTL (e.g. "5m"). */
  wrapTTL?: string;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** Per-request timeout in milliseconds (default 60 s, as VAULT_CLIENT_TIMEOUT). */
  timeoutMs?: number;
}

export type Query = Record<string, string | number | boolean | string[] | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
  /** Override the client's wrap TTL for this request; null turns wrapping off. */
  wrapTTL?: string | null;
  /** Override the client's token for this request; null sends none. */
  token?: string | null;
  contentType?: string;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON when the body is JSON, the text otherwise, null when empty. */
  body: T;
  method: string;
  url: string;
}

export interface WrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}

export interface SecretAuth {
  client_token: string;
  accessor: string;
  policies: string[] | null;
  token_policies: string[] | null;
  identity_policies?: string[] | null;
  metadata: Record<string, string> | null;
  orphan: boolean;
  entity_id?: string;
  lease_duration: number;
  renewable: boolean;
  [k: string]: unknown;
}

/** Vault's response envelope. */
export interface Secret {
  request_id: string;
  lease_id: string;
  lease_duration: number;
  renewable: boolean;
  data: Record<string, any> | null;
  warnings: string[] | null;
  auth?: SecretAuth | null;
  wrap_info?: WrapInfo | null;
  mount_type?: string;
  [k: string]: unknown;
}

/** An error answer from the server, worded as Vault's client words it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
    readonly method: string,
    readonly url: string,
    /** True when the body was not Vault's {"errors": [...]} and `errors` holds the raw text. */
    readonly rawError = false,
    readonly response?: ApiResponse,
  ) {
    super(describeApiError(status, errors, method, url, rawError));
    this.name = 'ApiError';
  }
}

function describeApiError(status: number, errors: string[], method: string, url: string, raw: boolean): string {
  const head = `Error making API request.\n\nURL: ${method} ${url}\nCode: ${status}. ${raw ? 'Raw Message' : 'Errors'}:\n\n`;
  if (raw && errors.length === 1) return head + errors[0];
  // Vault's Go client runs the bullets together; one per line reads better and parses the same.
  return head + errors.map((e) => `* ${e}`).join('\n');
}

/** A request that never got an HTTP answer (refused, reset, TLS failure, timeout). */
export class NetworkError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

function goOp(method: string): string {
  return method[0]! + method.slice(1).toLowerCase();
}

function describeNetworkError(method: string, url: string, err: NodeJS.ErrnoException, host: string): string {
  const reasons: Record<string, string> = {
    ECONNREFUSED: `dial tcp ${host}: connect: connection refused`,
    ECONNRESET: 'connection reset by peer',
    ENOTFOUND: `dial tcp: lookup ${host.replace(/:\d+$/, '')}: no such host`,
    ETIMEDOUT: 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
    EPROTO: 'http: server gave HTTP response to HTTPS client',
  };
  return `${goOp(method)} "${url}": ${reasons[err.code ?? ''] ?? err.message}`;
}

function readCAs(caCert?: string, caPath?: string): Buffer[] | undefined {
  if (caCert) return [readFileSync(caCert)];
  if (caPath) {
    return readdirSync(caPath)
      .map((f) => join(caPath, f))
      .filter((f) => statSync(f).isFile())
      .map((f) => readFileSync(f));
  }
  return undefined;
}

function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, item);
    else params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return null;
  if ((contentType ?? '').includes('json') || /^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

export class VaultClient {
  readonly address: string;
  token: string | undefined;
  namespace: string | undefined;
  wrapTTL: string | undefined;
  readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(opts: ClientOptions = {}) {
    this.address = (opts.address || DEFAULT_ADDRESS).replace(/\/+$/, '');
    let base: URL;
    try {
      base = new URL(this.address);
    } catch {
      throw new Error(`invalid address "${this.address}": must be a URL such as https://127.0.0.1:8200`);
    }
    if (base.protocol === 'unix:') throw new Error('unix socket addresses are not supported');
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`unsupported protocol scheme "${base.protocol.replace(/:$/, '')}"`);
    this.base = base;
    this.token = opts.token || undefined;
    this.namespace = opts.namespace || undefined;
    this.wrapTTL = opts.wrapTTL || undefined;
    this.headers = { ...(opts.headers ?? {}) };
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    if (base.protocol === 'https:') {
      const agentOpts: https.AgentOptions = {
        keepAlive: true,
        rejectUnauthorized: !opts.skipVerify,
        ca: readCAs(opts.caCert, opts.caPath),
        servername: opts.tlsServerName || undefined,
      };
      if (opts.clientCert || opts.clientKey) {
        if (!opts.clientCert || !opts.clientKey) throw new Error('both a client certificate and a client key are needed for TLS client authentication');
        agentOpts.cert = readFileSync(opts.clientCert);
        agentOpts.key = readFileSync(opts.clientKey);
      }
      this.agent = new https.Agent(agentOpts);
    } else {
      this.agent = new http.Agent({ keepAlive: true });
    }
  }

  /** A client configured the way the vault CLI is: VAULT_* variables, then ~/.vault-token. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, overrides: ClientOptions = {}): VaultClient {
    return new VaultClient({ ...clientOptionsFromEnv(env), ...dropUndefined(overrides) });
  }

  /** Releases pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  /** The full URL a request for `path` (relative to /v1/) goes to. */
  url(path: string, query?: Query): string {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    return `${this.base.protocol}//${this.base.host}${basePath}/v1/${path.replace(/^\/+/, '')}${encodeQuery(query)}`;
  }

  /** One HTTP request to /v1/<path>; resolves for any HTTP status, rejects on network failure. */
  async request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const upper = method.toUpperCase();
    // LIST is Vault's own verb; GET ?list=true passes proxies that drop unknown methods.
    const wireMethod = upper === 'LIST' ? 'GET' : upper;
    const query = upper === 'LIST' ? { ...(opts.query ?? {}), list: 'true' } : opts.query;
    const url = this.url(path, query);
    const headers: Record<string, string> = { 'X-Vault-Request': 'true', ...this.headers };
    const token = opts.token === undefined ? this.token : opts.token ?? undefined;
    if (token) headers['X-Vault-Token'] = token;
    if (this.namespace) headers['X-Vault-Namespace'] = this.namespace;
    const wrap = opts.wrapTTL === undefined ? this.wrapTTL : opts.wrapTTL ?? undefined;
    if (wrap) headers['X-Vault-Wrap-TTL'] = wrap;
    Object.assign(headers, opts.headers ?? {});
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
      headers['Content-Type'] = opts.contentType ?? 'application/json';
    }
    let res = await this.send(wireMethod, url, headers, payload);
    // A standby node answers 307 to its active node; follow once as Vault's client does.
    if ([301, 302, 307, 308].includes(res.status) && typeof res.headers.location === 'string') {
      res = await this.send(wireMethod, new URL(res.headers.location, url).toString(), headers, payload);
    }
    return res as ApiResponse<T>;
  }

  private send(method: string, url: string, headers: Record<string, string>, payload?: Buffer): Promise<ApiResponse> {
    const target = new URL(url);
    const mod = target.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(target, { method, headers: payload ? { ...headers, 'Content-Length': String(payload.length) } : headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new NetworkError(describeNetworkError(method, url, e, target.host), (e as NodeJS.ErrnoException).code)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parseBody(text, res.headers['content-type']), method, url });
        });
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => reject(new NetworkError(describeNetworkError(method, url, e, target.host), e.code)));
      req.end(payload);
    });
  }

  /** Throws ApiError for 4xx/5xx; returns the envelope, or null for 204 / an empty 404. */
  async call(method: string, path: string, opts: RequestOptions = {}): Promise<Secret | null> {
    const res = await this.request(method, path, opts);
    const m = method.toUpperCase();
    return secretOrThrow(res, m === 'GET' || m === 'LIST');
  }

  read(path: string, query?: Query): Promise<Secret | null> {
    return this.call('GET', path, { query });
  }

  write(path: string, data: Record<string, unknown> = {}): Promise<Secret | null> {
    return this.call('PUT', path, { body: data });
  }

  list(path: string): Promise<Secret | null> {
    return this.call('LIST', path);
  }

  delete(path: string, query?: Query): Promise<Secret | null> {
    return this.call('DELETE', path, { query });
  }

  /** HTTP PATCH with a JSON merge patch body (RFC 7396), as KV v2 expects. */
  patch(path: string, data: Record<string, unknown>): Promise<Secret | null> {
    return this.call('PATCH', path, { body: data, contentType: 'application/merge-patch+json' });
  }

  /** Unwraps a response-wrapping token (or the client's own token when none is given). */
  async unwrap(wrappingToken?: string): Promise<Secret | null> {
    const wt = wrappingToken?.trim();
    if (wt && this.token && wt !== this.token) return this.call('PUT', 'sys/wrapping/unwrap', { body: { token: wt }, wrapTTL: null });
    return this.call('PUT', 'sys/wrapping/unwrap', { token: wt || this.token, wrapTTL: null });
  }
}

/**
 * Vault's rule for turning an answer into a Secret. A 404 carrying data or warnings is a
 * Secret (a soft-deleted KV version answers that way). Otherwise, for reads and lists
 * (`lenient404`) any 404 means "nothing there" and gives null, while for writes and deletes
 * only an empty 404 does and one with errors is an error, as in Vault's Go client.
 */
export function secretOrThrow(res: ApiResponse, lenient404 = false): Secret | null {
  const body = res.body;
  if (res.status === 404) {
    if (body === null || body === '') return null;
    if (typeof body === 'object' && !Array.isArray(body)) {
      const hasData = body.data && typeof body.data === 'object' && Object.keys(body.data).length > 0;
      const hasWarnings = Array.isArray(body.warnings) && body.warnings.length > 0;
      if (hasData || hasWarnings) return normalizeSecret(body);
    }
    if (lenient404) return null;
    throw toApiError(res);
  }
  if (res.status < 200 || res.status >= 400) throw toApiError(res);
  if (res.status === 204 || body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  return normalizeSecret(body);
}

export function toApiError(res: ApiResponse): ApiError {
  const body = res.body;
  if (body && typeof body === 'object' && Array.isArray(body.errors)) {
    return new ApiError(res.status, body.errors.map(String), res.method, res.url, false, res);
  }
  const text = body === null ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return new ApiError(res.status, [text], res.method, res.url, true, res);
}

/** Fills in the envelope fields Vault always returns so callers can rely on them. */
export function normalizeSecret(body: Record<string, any>): Secret {
  return {
    ...body,
    request_id: body.request_id ?? '',
    lease_id: body.lease_id ?? '',
    lease_duration: body.lease_duration ?? 0,
    renewable: body.renewable ?? false,
    data: body.data ?? null,
    warnings: body.warnings ?? null,
  };
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
