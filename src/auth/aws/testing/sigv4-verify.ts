/**
 * What AWS services check of a SigV4-signed request, for the project's AWS test servers: known
 * access key, credential scope (date, service), clock skew of at most 15 minutes, Host and
 * X-Amz-Date signed, the payload hash, and the signature itself (compared in constant time).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  amzDate, canonicalRequest, credentialScope, lowerHeaders, parseAuthorization, payloadHash, signature, signingKey, stringToSign,
} from '../sigv4.js';

const MAX_SKEW_MS = 15 * 60 * 1000;

/** An AWS error: HTTP status and AWS's error code. */
export class AwsTestError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Checks the request's signature; returns the table entry of its access key. */
export function verifySigV4<T extends { secretAccessKey: string }>(req: IncomingMessage, body: Buffer, keys: Record<string, T>, service: string, now: Date): T {
  const auth = req.headers.authorization;
  if (!auth) throw new AwsTestError(400, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  const parsed = parseAuthorization(auth);
  if (!parsed) throw new AwsTestError(400, 'IncompleteSignature', 'Authorization header requires Credential, SignedHeaders and Signature parameters');
  const principal = keys[parsed.accessKeyId];
  if (!principal) throw new AwsTestError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  const headers = lowerHeaders(req.headers as Record<string, string | string[]>);
  const stamp = headers.get('x-amz-date') ?? '';
  if (!parsed.signedHeaders.includes('host') || !stamp || !parsed.signedHeaders.includes('x-amz-date')) {
    throw new AwsTestError(400, 'IncompleteSignature', 'Host and X-Amz-Date must be signed');
  }
  if (parsed.service !== service || parsed.date !== stamp.slice(0, 8)) {
    throw new AwsTestError(403, 'SignatureDoesNotMatch', `Credential should be scoped to a valid date and the ${service} service.`);
  }
  const at = Date.parse(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`);
  if (!Number.isFinite(at) || Math.abs(now.getTime() - at) > MAX_SKEW_MS) {
    throw new AwsTestError(403, 'SignatureDoesNotMatch', `Signature expired: ${stamp} is now earlier or later than ${amzDate(now)} (15 min)`);
  }
  const url = new URL(req.url ?? '/', 'http://placeholder');
  const hash = payloadHash(body);
  const claimed = headers.get('x-amz-content-sha256');
  if (claimed && claimed !== hash) throw new AwsTestError(400, 'XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
  const canonical = canonicalRequest({ method: req.method ?? 'GET', url, headers, signedHeaders: parsed.signedHeaders, payloadHash: hash });
  const scope = credentialScope(parsed.date, parsed.region, parsed.service);
  const expected = signature(signingKey(principal.secretAccessKey, parsed.date, parsed.region, parsed.service), stringToSign(stamp, scope, canonical));
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(parsed.signature))) {
    throw new AwsTestError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
  }
  return principal;
}

