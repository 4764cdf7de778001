/**
 * `-output-curl-string` and `-output-policy`: instead of sending the command's request, print
 * the equivalent curl command or the ACL policy it needs, and exit 0 (as vault does). The
 * KV version preflight still goes out, since the real path depends on it.
 */
import { type ApiResponse, type ClientOptions, type RequestOptions, VaultClient } from '../api/client.js';

export class DryRunOutput extends Error {
  constructor(readonly text: string) {
    super(text);
    this.name = 'DryRunOutput';
  }
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function capabilityFor(method: string, query: RequestOptions['query']): string[] {
  switch (method) {
    case 'GET': return query?.list === 'true' ? ['list'] : ['read'];
    case 'LIST': return ['list'];
    case 'DELETE': return ['delete'];
    case 'PATCH': return ['patch'];
    default: return ['create', 'update'];
  }
}

export class DryRunClient extends VaultClient {
  constructor(opts: ClientOptions, private readonly mode: 'curl' | 'policy') {
    super(opts);
  }

  override async request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const clean = path.replace(/^\/+/, '');
    if (method.toUpperCase() === 'GET' && clean.startsWith('sys/internal/ui/mounts/')) return super.request(method, path, opts);
    const upper = method.toUpperCase();
    if (this.mode === 'policy') {
      const caps = capabilityFor(upper, opts.query).map((c) => `"${c}"`).join(', ');
      throw new DryRunOutput(`path "${clean}" {\n  capabilities = [${caps}]\n}`);
    }
    const wire = upper === 'LIST' ? 'GET' : upper;
    const query = upper === 'LIST' ? { ...(opts.query ?? {}), list: 'true' } : opts.query;
    const parts = ['curl'];
    if (wire !== 'GET') parts.push('-X', wire);
    parts.push('-H', '"X-Vault-Request: true"');
    if (this.namespace) parts.push('-H', `"X-Vault-Namespace: ${this.namespace}"`);
    const token = opts.token === undefined ? this.token : opts.token;
    if (token) parts.push('-H', '"X-Vault-Token: $(coffer print token)"');
    const wrap = opts.wrapTTL === undefined ? this.wrapTTL : opts.wrapTTL;
    if (wrap) parts.push('-H', `"X-Vault-Wrap-TTL: ${wrap}"`);
    if (opts.body !== undefined) parts.push('-d', shellQuote(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)));
    parts.push(this.url(clean, query));
    throw new DryRunOutput(parts.join(' '));
  }
}
