/**
 * The iam login's proof: the client signs an `sts:GetCallerIdentity` request with its AWS
 * credentials and hands it to Coffer (method, URL, body, headers); Coffer checks it is exactly
 * that request (and carries the signed server-id header when one is configured), sends it to the
 * configured STS endpoint, never anywhere else, and reads who STS says signed it.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { badRequest } from '../../lib/errors.js';
import { DEFAULT_ALLOWED_STS_HEADERS, canonicalHeaderKey } from './config-client.js';
import { child, parseXml, textAt, type XmlElement } from './xml.js';

export const IAM_SERVER_ID_HEADER = 'X-Vault-AWS-IAM-Server-ID';

export type Headers = Record<string, string[]>;

export interface CallerIdentity { arn: string; userId: string; account: string }

/** Vault's TypeHeader: a JSON object (string or list values), or that JSON, optionally base64-encoded. */
export function parseHeaderField(raw: unknown): Headers {
  const fail = (why: string) => badRequest(`error converting input for field "iam_request_headers": ${why}`);
  let value = raw;
  if (typeof value === 'string') {
    let text = value.trim();
    if (!text.startsWith('{')) {
      const decoded = Buffer.from(text, 'base64').toString('utf8');
      if (!decoded.trim().startsWith('{')) throw fail('expected a JSON object or its base64 encoding');
      text = decoded;
    }
    try {
      value = JSON.parse(text);
    } catch {
      throw fail('invalid JSON');
    }
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw fail('expected a map of header names to values');
  const out: Headers = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const vals = Array.isArray(v) ? v : [v];
    if (!vals.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) throw fail(`header "${k}" must be a string or a list of strings`);
    out[canonicalHeaderKey(k)] = [...(out[canonicalHeaderKey(k)] ?? []), ...vals.map(String)];
  }
  return out;
}

/** The body must be GetCallerIdentity and nothing else (Version allowed). */
export function checkRequestBody(body: string): void {
  const params = new URLSearchParams(body);
  for (const k of new Set(params.keys())) {
    if (k === 'Version') continue;
    if (k !== 'Action' || params.getAll(k).length !== 1 || params.get(k) !== 'GetCallerIdentity') throw badRequest('iam request body is invalid');
  }
}

const headerValue = (h: Headers, name: string) => {
  const key = Object.keys(h).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : h[key]!.join(',');
};

/** The configured server id must be present, equal, and covered by the signature. */
export function checkServerIdHeader(h: Headers, required: string): void {
  const given = headerValue(h, IAM_SERVER_ID_HEADER);
  const err = (m: string) => badRequest(`error validating ${IAM_SERVER_ID_HEADER} header: ${m}`);
  if (!given) throw err(`missing header "${IAM_SERVER_ID_HEADER}"`);
  // Not a secret: it names the Coffer server the request was signed for (replay protection).
  if (given !== required) throw err(`expected "${required}" but got "${given}"`);
  const authz = headerValue(h, 'Authorization');
  if (authz === undefined) throw err('missing Authorization header');
  const found = [...authz.matchAll(/SignedHeaders=([^,]+)/g)];
  if (!found.length) throw err("vault header wasn't signed");
  if (found.length > 1) throw err('found multiple SignedHeaders components');
  if (!found[0]![1]!.split(';').includes(IAM_SERVER_ID_HEADER.toLowerCase())) throw err("vault header wasn't signed");
}

export function checkAllowedHeaders(h: Headers, allowed: string[]): void {
  for (const k of Object.keys(h)) {
    const c = canonicalHeaderKey(k);
    if (c.startsWith('X-Amz-') && !DEFAULT_ALLOWED_STS_HEADERS.includes(c) && !allowed.includes(c)) throw badRequest(`invalid request header: ${k}`);
  }
}

/** Reads Arn, UserId and Account from a GetCallerIdentityResponse document. */
export function parseCallerIdentity(xml: string): CallerIdentity {
  const text = xml.trim();
  if (!text.startsWith('<GetCallerIdentityResponse') && !text.startsWith('<?xml')) throw new Error('body of GetCallerIdentity is invalid');
  let doc: XmlElement;
  try {
    doc = parseXml(text);
  } catch {
    throw new Error('error parsing STS response');
  }
  const result = child(doc, 'GetCallerIdentityResult');
  if (doc.name !== 'GetCallerIdentityResponse' || !result) throw new Error('error parsing STS response');
  return { arn: textAt(result, 'Arn'), userId: textAt(result, 'UserId'), account: textAt(result, 'Account') };
}

interface Answer { status: number; contentType: string; body: string }

function send(target: URL, method: string, host: string, headers: Headers, body: string, timeoutMs: number): Promise<Answer> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length') out[k] = v;
  // SigV4 signs the Host the client meant (sts.amazonaws.com or a regional name): keep it,
  // whatever address the configured endpoint has (a proxy, a VPC endpoint, a test server).
  out.Host = host;
  out['Content-Length'] = String(Buffer.byteLength(body));
  const fn = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = fn(target, { method, headers: out, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 1 << 20) req.destroy(new Error('STS response too large'));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

export interface SubmitOptions { endpoint: string; maxRetries: number; timeoutMs?: number }

/** Sends the client's request to the STS endpoint; retries network errors and 5xx answers. */
export async function submitCallerIdentity(opts: SubmitOptions, method: string, clientUrl: URL, body: string, headers: Headers): Promise<CallerIdentity> {
  const base = opts.endpoint.replace(/\/+$/, '');
  const target = new URL(base + clientUrl.pathname + clientUrl.search);
  const retries = opts.maxRetries < 0 ? 3 : opts.maxRetries;
  let answer: Answer | undefined;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt) await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2000)));
    try {
      answer = await send(target, method, clientUrl.host, headers, body, opts.timeoutMs ?? 15000);
      lastError = undefined;
      if (answer.status < 500) break;
    } catch (e) {
      lastError = e as Error;
    }
  }
  if (lastError || !answer) throw new Error(`error making request: ${lastError?.message ?? 'no answer'}`);
  if (answer.contentType.split(';')[0]!.trim() !== 'text/xml') throw new Error('body of GetCallerIdentity is invalid');
  if (answer.status !== 200) throw new Error(`received error code ${answer.status} from STS: ${answer.body}`);
  return parseCallerIdentity(answer.body);
}
