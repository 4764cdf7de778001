/**
 * An STS test server: answers `sts:GetCallerIdentity` over HTTP on loopback as AWS does, after
 * checking the request's SigV4 signature against a table of test access keys (the same checks
 * STS makes: known key, scope date and service, clock skew, every signed header, the payload
 * hash, the signature). Test infrastructure for the aws auth method's iam login, never used in a
 * production path.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { AwsTestError, readBody, verifySigV4 } from './sigv4-verify.js';

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

export const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <Error>\n    <Type>Sender</Type>\n    <Code>${code}</Code>\n    <Message>${xmlEscape(message)}</Message>\n  </Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`;
}

function identityXml(p: TestPrincipal): string {
  return `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <GetCallerIdentityResult>\n    <Arn>${xmlEscape(p.arn)}</Arn>\n    <UserId>${xmlEscape(p.userId)}</UserId>\n    <Account>${xmlEscape(p.account)}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n`;
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
        const principal = verifySigV4(req, body, principals, 'sts', now());
        const act = action(req, body);
        if (act !== 'GetCallerIdentity') throw new AwsTestError(400, 'InvalidAction', `Could not find operation ${act ?? ''} for version 2011-06-15`);
        text = identityXml(principal);
      } catch (e) {
        if (!(e instanceof AwsTestError)) throw e;
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
