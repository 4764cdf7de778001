/**
 * An EC2 instance metadata service test server (IMDS, the 169.254.169.254 paths) on loopback:
 * the instance id, the identity document and its signatures, with IMDSv2 session tokens
 * accepted but not required (as an instance with IMDSv1 enabled). The signed documents are
 * supplied by the caller (tests sign them with their own "AWS" certificate). Test
 * infrastructure for ec2 logins, never used in a production path.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

export interface InstanceIdentity {
  /** The identity document, as JSON text. */
  document: string;
  /** base64 PKCS#7 of the document (the /pkcs7 path), 64-character lines as AWS serves it. */
  pkcs7: string;
  /** base64 SHA256-RSA signature of the document (the /signature path), if any. */
  signature?: string;
}

export interface ImdsTestServer { url: string; close(): Promise<void> }

const wrap64 = (b64: string) => b64.replace(/\s+/g, '').replace(/(.{64})/g, '$1\n').trim();

export async function startImdsTestServer(identity: InstanceIdentity): Promise<ImdsTestServer> {
  const doc = JSON.parse(identity.document) as Record<string, unknown>;
  const tokens = new Set<string>();
  const routes: Record<string, string | undefined> = {
    '/latest/meta-data/instance-id': String(doc.instanceId ?? ''),
    '/latest/meta-data/ami-id': String(doc.imageId ?? ''),
    '/latest/meta-data/placement/region': String(doc.region ?? ''),
    '/latest/dynamic/instance-identity/document': identity.document,
    '/latest/dynamic/instance-identity/pkcs7': wrap64(identity.pkcs7),
    '/latest/dynamic/instance-identity/signature': identity.signature ? wrap64(identity.signature) : undefined,
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'PUT' && path === '/latest/api/token') {
      const token = randomBytes(24).toString('base64');
      tokens.add(token);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(token);
      return;
    }
    const token = req.headers['x-aws-ec2-metadata-token'];
    if (typeof token === 'string' && !tokens.has(token)) {
      res.writeHead(401);
      res.end();
      return;
    }
    const body = req.method === 'GET' ? routes[path] : undefined;
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<title>404 - Not Found</title>');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
