/**
 * The hostile-input tables and the raw HTTP client of the robustness sweep
 * (robustness.test.ts). Values are sampled per field type by a counter, never at random,
 * so every run sends the same requests in the same order.
 */
import { Agent, request } from 'node:http';

/** Every secret the sweep sends starts with this; no error text may contain it. */
export const MARKER = 'R0BUST-S3CRET-MARKER';
export const BOUND_MS = 10_000;
export const MIB_STRING = 'x'.repeat(1024 * 1024);

/** Field names that carry secrets even where a Backend forgot to mark them sensitive. */
const SECRET_NAMES = new Set([
  'password', 'secret_id', 'jwt', 'token', 'private_key', 'client_secret', 'oidc_client_secret',
  'token_reviewer_jwt', 'service_account_jwt', 'pem_bundle', 'secret_key', 'client_key',
]);

export interface FieldSpec {
  name: string;
  /** OpenAPI type ('' when the field takes any JSON). */
  type: string;
  format?: string;
  items?: string;
  sensitive: boolean;
}

export function fieldsOf(schema: any): FieldSpec[] {
  const props = schema?.properties ?? {};
  return Object.keys(props).sort().map((name) => {
    const p = props[name];
    return { name, type: p.type ?? '', format: p.format, items: p.items?.type, sensitive: Boolean(p['x-vault-sensitive']) || SECRET_NAMES.has(name) };
  });
}

const deep = { a: { b: { c: [{ d: null }] } } };
/** JSON text nested `n` objects deep. */
export const nestedText = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** Parses as a JWT but carries none of the claims a login expects, and a signature nobody made. */
export const JWT_SHAPED = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: 'kubernetes/serviceaccount', sub: 'robust', aud: ['robust'], iat: 1700000000, exp: 4102444800 })}.${b64('not-a-signature')}`;
/** Wrong JSON types and edge values per declared type; a secret field gets the marker inside. */
function table(f: FieldSpec): unknown[] {
  const secret = f.sensitive ? MARKER : 'not-a-valid-value';
  const obj = { v: f.sensitive ? MARKER : 'x' };
  if (f.type === 'integer' && f.format === 'seconds') {
    return [secret, -1, '-1h', 1e308, '9999999999999999h', obj, [obj], true, 'NaN', 1.5, -9007199254740993, '1h-5m'];
  }
  switch (f.type) {
    case 'integer': return [secret, 1e308, -1, 9007199254740994, -9e18, 1.5, obj, [obj], true, '', '12abc', '0x10'];
    case 'boolean': return [secret, obj, [obj], 2, -1, 'TRUE ', 'maybe', 1e308];
    case 'array':
      if (f.items === 'integer') return [secret, [obj], ['1e3'], [1.5], [-1], obj, [[1]], [1e308]];
      return [[obj], obj, [[secret]], 'a,,b, ,', [null], 1e308, true, ['ünï☃', '../..', '%2F']];
    case 'object': return [secret, [1, 2], 5, '[1]', deep, true, ['k=v', 'bad'], { k: obj }, nestedText(600)];
    case 'string': return [obj, [obj], deep, 1e308, true, '', 'ünï☃\u0000\u202e', '../../etc/passwd', f.sensitive ? MARKER : '%2F..%2F', JWT_SHAPED];
    default: return [obj, [obj], secret, 1e308, true, deep, ''];
  }
}

/**
 * Values for one field: `n` chosen by a running counter so the whole table is used across
 * fields, or all of them for a secret (credentials are where a parser meets hostile input first).
 */
export function sampleValues(f: FieldSpec, counter: number, n = 3): unknown[] {
  const t = table(f);
  if (f.sensitive) return t;
  const out: unknown[] = [];
  for (let j = 0; j < n && j < t.length; j++) out.push(t[(counter * n + j) % t.length]);
  return out;
}

/** A well-typed value for a field (the marker for secrets), to pair with hostile values elsewhere. */
export function plainValue(f: FieldSpec): unknown {
  if (f.sensitive) return `${MARKER}-plain`;
  if (f.type === 'integer' && f.format === 'seconds') return -3600;
  switch (f.type) {
    case 'integer': return -1;
    case 'boolean': return true;
    case 'array': return ['robust'];
    case 'object': return { robust: 'x' };
    default: return 'robust';
  }
}

/** Query-string values sent to reads and deletes, where every value arrives as a string. */
export const QUERY_VALUES = ['not-a-number', '-1', '1e308', '', 'ünï☃', '%2F..'];

/** Path-segment variants that replace a benign parameter value. */
export const SEGMENTS: { label: string; value: string }[] = [
  { label: 'unicode segment', value: encodeURIComponent('ünïcødé-☃-𝄞') },
  { label: '%2F in segment', value: 'a%2Fb' },
  { label: '.. segment', value: '..' },
  { label: 'empty segment', value: 'a//b' },
  { label: 'NUL in segment', value: 'a%00b' },
  { label: 'bad percent-encoding', value: 'a%E0%A4%A' },
  { label: '4 KiB segment', value: 's'.repeat(4096) },
];

/** X-Vault-Wrap-TTL values no request should survive as a 5xx. */
export const WRAP_TTLS = ['abc', '-1', '0', '1e308', '9999999999999999h', '1s', '%00', '1h-1m'];

/** Non-object JSON bodies, one per write operation in turn. */
export const BAD_BODIES = ['null', '[]', '"str"', '42', '{"a":', '\u0000', '{"a":1}{"b":2}', '\uFEFF{}', '{"a":1,"a":{"b":2}}'];

export interface Reply { status: number; text: string; ms: number; contentType?: string }

export class RawClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly host: string;
  private readonly port: number;
  constructor(addr: string) {
    const u = new URL(addr);
    this.host = u.hostname;
    this.port = Number(u.port);
  }

  /** `path` is sent byte for byte (no URL normalisation), so dot segments and %2F reach the server. */
  send(method: string, path: string, token: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
    const started = performance.now();
    return new Promise((resolve) => {
      const h: Record<string, string | number> = { ...(token ? { 'x-vault-token': token } : {}), ...headers };
      if (body !== undefined) {
        h['content-length'] = Buffer.byteLength(body);
        if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
      }
      const req = request({ host: this.host, port: this.port, method, path, headers: h, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started, contentType: res.headers['content-type'] }));
        res.on('error', (e) => resolve({ status: 0, text: `response error: ${e.message}`, ms: performance.now() - started }));
      });
      req.setTimeout(BOUND_MS, () => req.destroy(new Error(`no response within ${BOUND_MS} ms`)));
      req.on('error', (e) => resolve({ status: 0, text: `request error: ${e.message}`, ms: performance.now() - started }));
      req.end(body);
    });
  }

  close(): void { this.agent.destroy(); }
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

export interface Sent { label: string; method: string; path: string; body?: string; tokenKind: string; op: string }

/**
 * The sweep's invariants for one reply: no 5xx, no hang, a non-empty `errors` array on 4xx,
 * no marker echoed in an error or a warning. Vault's own 404 shapes are kept as they are (the
 * contract): `{"errors":[]}` or an empty body for "nothing there", and KV v2's 404 carrying only
 * a warning for a path outside its API. OCSP answers in its own binary format.
 * Returns a printable failure or undefined.
 */
export function judge(s: Sent, r: Reply): string | undefined {
  const problems: string[] = [];
  if (r.status === 0) problems.push('no response');
  else if (r.status >= 500) problems.push(`${r.status}`);
  if (r.ms > BOUND_MS) problems.push(`took ${Math.round(r.ms)} ms`);
  let parsed: any;
  try { parsed = r.text ? JSON.parse(r.text) : undefined; } catch { /* not JSON */ }
  if (r.status >= 400 && r.status < 500 && r.contentType !== 'application/ocsp-response') {
    const errors = parsed?.errors;
    const wellFormed = Array.isArray(errors) && errors.length > 0 && errors.every((e: unknown) => typeof e === 'string' && e !== '');
    const vaultNotFound = r.status === 404 && (r.text === '' || (Array.isArray(errors) && errors.length === 0) || (Array.isArray(parsed?.warnings) && parsed.warnings.length > 0));
    if (!wellFormed && !vaultNotFound) problems.push('4xx without a non-empty errors array');
  }
  if (r.status >= 400 && r.text.includes(MARKER)) problems.push('error echoes a secret value');
  if (Array.isArray(parsed?.warnings) && parsed.warnings.some((w: string) => w.includes(MARKER))) problems.push('warning echoes a secret value');
  if (!problems.length) return undefined;
  return `[${problems.join(', ')}] ${s.tokenKind} ${s.label}: ${s.method} ${clip(s.path, 160)}` +
    (s.body !== undefined ? ` body=${clip(s.body, 240)}` : '') + ` → ${r.status} ${clip(r.text, 400)}`;
}
