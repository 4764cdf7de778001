/**
 * AWS Signature Version 4 (AWS4-HMAC-SHA256), from AWS's published algorithm: the canonical
 * request, the string to sign, the derived signing key and the Authorization header. Coffer does
 * not need to verify signatures in production (STS does that for the iam login); this is used by
 * clients that sign a GetCallerIdentity request and by the STS test server that checks them.
 */
import { createHash, createHmac } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';

export interface Credentials { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

export interface SignInput {
  method: string;
  url: string;
  /** Header names in any case; values as sent. A Host header is added from the URL when absent. */
  headers: Record<string, string>;
  body: string;
  region: string;
  service: string;
  /** The request time; AWS's x-amz-date format is derived from it. */
  date: Date;
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** 20150830T123600Z */
export function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, upper-case hex. */
export function uriEncode(s: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function canonicalURI(pathname: string): string {
  if (!pathname) return '/';
  // The path arrives percent-encoded from URL parsing: decode once, then encode each segment.
  return pathname.split('/').map((seg) => uriEncode(decodeURIComponentSafe(seg))).join('/') || '/';
}

function decodeURIComponentSafe(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}

function canonicalQuery(search: string): string {
  const params: [string, string][] = [];
  for (const part of search.replace(/^\?/, '').split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    const dec = (x: string) => decodeURIComponentSafe(x.replace(/\+/g, ' '));
    params.push([uriEncode(dec(k)), uriEncode(dec(v))]);
  }
  params.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1));
  return params.map(([k, v]) => `${k}=${v}`).join('&');
}

const trimValue = (v: string) => v.trim().replace(/\s+/g, ' ');

/** Lower-cased header map; repeated headers (given as arrays) are joined with commas. */
export function lowerHeaders(headers: Record<string, string | string[]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(headers)) {
    const key = k.toLowerCase();
    const val = Array.isArray(v) ? v.map(trimValue).join(',') : trimValue(v);
    out.set(key, out.has(key) ? `${out.get(key)},${val}` : val);
  }
  return out;
}

export interface CanonicalParts { method: string; url: URL; headers: Map<string, string>; signedHeaders: string[]; payloadHash: string }

export function canonicalRequest(p: CanonicalParts): string {
  const headerLines = p.signedHeaders.map((h) => `${h}:${p.headers.get(h) ?? ''}\n`).join('');
  return [p.method.toUpperCase(), canonicalURI(p.url.pathname), canonicalQuery(p.url.search), headerLines, p.signedHeaders.join(';'), p.payloadHash].join('\n');
}

export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/aws4_request`;
}

export function stringToSign(amzDateValue: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDateValue, scope, sha256Hex(canonical)].join('\n');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

export function signature(key: Buffer, toSign: string): string {
  return createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
}

export const payloadHash = (body: string | Buffer) => sha256Hex(body);

/**
 * Signs a request as the AWS SDKs do: adds Host, X-Amz-Date, X-Amz-Security-Token (with a session
 * token) and Authorization; every header given is signed. Returns the headers to send.
 */
export function signRequest(input: SignInput, creds: Credentials): Record<string, string> {
  const url = new URL(input.url);
  const headers: Record<string, string> = { ...input.headers };
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
  if (!has('host')) headers.Host = url.host;
  const stamp = amzDate(input.date);
  headers['X-Amz-Date'] = stamp;
  if (creds.sessionToken) headers['X-Amz-Security-Token'] = creds.sessionToken;
  const lower = lowerHeaders(headers);
  const signedHeaders = [...lower.keys()].filter((h) => h !== 'authorization').sort();
  const canonical = canonicalRequest({ method: input.method, url, headers: lower, signedHeaders, payloadHash: payloadHash(input.body) });
  const scope = credentialScope(stamp.slice(0, 8), input.region, input.service);
  const sig = signature(signingKey(creds.secretAccessKey, stamp.slice(0, 8), input.region, input.service), stringToSign(stamp, scope, canonical));
  headers.Authorization = `${ALGORITHM} Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}`;
  return headers;
}

export interface ParsedAuthorization { accessKeyId: string; date: string; region: string; service: string; signedHeaders: string[]; signature: string }

/** Parses `AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, SignedHeaders=…, Signature=…`. */
export function parseAuthorization(value: string): ParsedAuthorization | undefined {
  if (!value.startsWith(`${ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const cred = (fields.get('Credential') ?? '').split('/');
  const signedHeaders = (fields.get('SignedHeaders') ?? '').split(';').filter(Boolean);
  const sig = fields.get('Signature') ?? '';
  if (cred.length !== 5 || cred[4] !== 'aws4_request' || !signedHeaders.length || !/^[0-9a-f]{64}$/.test(sig)) return undefined;
  return { accessKeyId: cred[0]!, date: cred[1]!, region: cred[2]!, service: cred[3]!, signedHeaders, signature: sig };
}
