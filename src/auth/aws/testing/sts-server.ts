/**
 * An STS test server: answers `sts:GetCallerIdentity` over HTTP on loopback as AWS does, after
 * checking the request's SigV4 signature against a table of test access keys (the same checks
 * STS makes: known key, scope date and service, clock skew, every signed header, the payload
 * hash, the signature). Test infrastructure for the aws auth method's iam login, never used in a
 * production path.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import {
  amzDate, canonicalRequest, credentialScope, lowerHeaders, parseAuthorization, payloadHash, signature, signingKey, stringToSign,
} from '../sigv4.js';

export interface TestPrincipal {
  secretAccessKey: string;
  /** What GetCallerIdentity answers: e.g. arn:aws:iam::123456789012:user/path/alice */
  arn: string;
  userId: string;
  account: string;
}

export interface StsTestServer {
  url: string;
  /** Every request received (method, path, host header), for assertions. */
  requests: { method: string; path: string; host: string }[];
  close(): Promise<void>;
}

const MAX_SKEW_MS = 15 * 60 * 1000;

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <Error>\n    <Type>Sender</Type>\n    <Code>${code}</Code>\n    <Message>${xmlEscape(message)}</Message>\n  </Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`;
}

function identityXml(p: TestPrincipal): string {
  return `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <GetCallerIdentityResult>\n    <Arn>${xmlEscape(p.arn)}</Arn>\n    <UserId>${xmlEscape(p.userId)}</UserId>\n    <Account>${xmlEscape(p.account)}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n`;
}

class StsError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function authenticate(req: IncomingMessage, body: Buffer, principals: Record<string, TestPrincipal>, now: Date): TestPrincipal {
  const auth = req.headers.authorization;
  if (!auth) throw new StsError(400, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  const parsed = parseAuthorization(auth);
  if (!parsed) throw new StsError(400, 'IncompleteSignature', 'Authorization header requires Credential, SignedHeaders and Signature parameters');
  const principal = principals[parsed.accessKeyId];
  if (!principal) throw new StsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  const headers = lowerHeaders(req.headers as Record<string, string | string[]>);
  const stamp = headers.get('x-amz-date') ?? '';
  if (!parsed.signedHeaders.includes('host') || !stamp || !parsed.signedHeaders.includes('x-amz-date')) {
    throw new StsError(400, 'IncompleteSignature', 'Host and X-Amz-Date must be signed');
  }
  if (parsed.service !== 'sts' || parsed.date !== stamp.slice(0, 8)) {
    throw new StsError(403, 'SignatureDoesNotMatch', 'Credential should be scoped to a valid date and the sts service.');
  }
  const at = Date.parse(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`);
  if (!Number.isFinite(at) || Math.abs(now.getTime() - at) > MAX_SKEW_MS) {
    throw new StsError(403, 'SignatureDoesNotMatch', `Signature expired: ${stamp} is now earlier or later than ${amzDate(now)} (15 min)`);
  }
  const url = new URL(req.url ?? '/', 'http://placeholder');
  const hash = payloadHash(body);
  const claimed = headers.get('x-amz-content-sha256');
  if (claimed && claimed !== hash) throw new StsError(400, 'XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
  const canonical = canonicalRequest({ method: req.method ?? 'GET', url, headers, signedHeaders: parsed.signedHeaders, payloadHash: hash });
  const scope = credentialScope(parsed.date, parsed.region, parsed.service);
  const expected = signature(signingKey(principal.secretAccessKey, parsed.date, parsed.region, parsed.service), stringToSign(stamp, scope, canonical));
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(parsed.signature))) {
    throw new StsError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
  }
  return principal;
}

function action(req: IncomingMessage, body: Buffer): string | null {
  const fromQuery = new URL(req.url ?? '/', 'http://placeholder').searchParams.get('Action');
  return new URLSearchParams(body.toString('utf8')).get('Action') ?? fromQuery;
}

export async function startStsTestServer(principals: Record<string, TestPrincipal>, opts: { now?: () => Date } = {}): Promise<StsTestServer> {
  const now = opts.now ?? (() => new Date());
  const requests: StsTestServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      requests.push({ method: req.method ?? '', path: req.url ?? '', host: String(req.headers.host ?? '') });
      let status = 200;
      let text: string;
      try {
        const principal = authenticate(req, body, principals, now());
        const act = action(req, body);
        if (act !== 'GetCallerIdentity') throw new StsError(400, 'InvalidAction', `Could not find operation ${act ?? ''} for version 2011-06-15`);
        text = identityXml(principal);
      } catch (e) {
        if (!(e instanceof StsError)) throw e;
        status = e.status;
        text = errorXml(e.code, e.message);
      }
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
      res.end(text);
    })().catch(() => {
      res.writeHead(500, { 'content-type': 'text/xml' });
      res.end(errorXml('InternalFailure', 'internal failure'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
