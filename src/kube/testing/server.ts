/**
 * The HTTPS front of the Kubernetes API test server: bearer-token authentication, RBAC
 * authorization, discovery and OIDC documents, then the resource handlers. Errors are Status
 * objects with the apiserver's codes and wording.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ANONYMOUS, Authenticator } from './authn.js';
import { openapiGroupVersion, openapiRoot, openapiV2 } from './openapi.js';
import { decodeProtobufBody, PROTOBUF } from './protobuf.js';
import type { KubeCluster } from './cluster.js';
import * as discovery from './discovery.js';
import { handleResource, type Answer } from './handlers.js';
import { forbiddenReason } from './rbac.js';
import { parseRequestInfo, type RequestInfo } from './request-info.js';
import { badRequest, failure, forbidden, isKubeError, pathNotFound, unauthorized } from './status.js';
import type { UserInfo } from './tokens.js';

const MAX_BODY = 3 * 1024 * 1024;

export interface HttpFrontOptions {
  cluster: KubeCluster;
  authn: Authenticator;
  /** A listening HTTPS server (started first, so the issuer can be its URL). */
  server: Server;
  /** Called for requests that fail authentication (tests assert on it; never gets the token). */
  onAuthFailure?: (error: string) => void;
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) { reject(failure(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (!raw.length) return resolve(undefined);
      const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
      try {
        if (type === PROTOBUF) return resolve(decodeProtobufBody(raw));
        if (type === 'application/yaml') return resolve(parseYaml(raw.toString('utf8')));
        if (!type.endsWith('json')) {
          throw failure(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf');
        }
        resolve(JSON.parse(raw.toString('utf8')));
      } catch (e) {
        reject(isKubeError(e) ? e : badRequest(`the body of the request was in an unknown format: ${(e as Error).message}`));
      }
    });
    req.on('error', reject);
  });
}

export class HttpFront {
  readonly server: Server;
  readonly watches = new Set<ServerResponse>();
  /** Set once listening: where discovery says the server is. */
  serverAddress = '';
  jwksUri = '';

  constructor(private readonly o: HttpFrontOptions) {
    this.server = o.server;
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res));
  }

  private send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
    if (res.headersSent) { res.end(); return; }
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private', 'Audit-Id': randomUUID(), 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async authenticate(req: IncomingMessage): Promise<UserInfo | null> {
    const header = req.headers.authorization;
    if (!header) return ANONYMOUS;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return null;
    const result = await this.o.authn.authenticate(m[1]!);
    if (result.ok) return result.user;
    this.o.onAuthFailure?.(Authenticator.errorText(result));
    return null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const user = await this.authenticate(req);
      if (!user) throw unauthorized();
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
      const info = parseRequestInfo(req.method ?? 'GET', path, url.searchParams, this.o.cluster.kinds);
      if (!info) {
        this.authorize(user, { resourceRequest: false, path, verb: (req.method ?? 'get').toLowerCase(), apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '' });
        throw pathNotFound();
      }
      this.authorize(user, info);
      const answer: Answer = info.resourceRequest
        ? await handleResource({ cluster: this.o.cluster, authn: this.o.authn, user, info, query: url.searchParams, req, res, body: () => readBody(req), watches: this.watches })
        : await this.nonResource(info, req.headers.accept);
      if (answer) this.send(res, answer.status, answer.body, answer.contentType ?? (typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json'));
    } catch (e) {
      if (isKubeError(e)) { this.send(res, e.code, e.status); return; }
      this.send(res, 500, failure(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`).status);
    }
  }

  private authorize(user: UserInfo, info: RequestInfo): void {
    const attrs = { user, ...info };
    const decision = this.o.cluster.rbac.authorize(attrs);
    if (decision.allowed) return;
    const why = forbiddenReason(attrs) + (decision.reason ? `: ${decision.reason}` : '');
    if (!info.resourceRequest) throw forbidden(null, '', why);
    throw forbidden({ group: info.apiGroup, plural: info.resource }, info.name, why);
  }

  private async nonResource(info: RequestInfo, accept = ''): Promise<Answer> {
    const c = this.o.cluster;
    if (info.verb !== 'get') throw failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const segs = info.path.split('/').filter(Boolean);
    const ok = (body: unknown): Answer => ({ status: 200, body });
    switch (info.path) {
      case '/api': return ok(discovery.apiVersions(this.serverAddress));
      case '/apis': return ok(discovery.apiGroupList(c.kinds));
      case '/version': return ok(discovery.SERVER_VERSION);
      case '/healthz': case '/livez': case '/readyz': return ok('ok');
      case '/.well-known/openid-configuration': return ok(discovery.openidConfiguration(c.signer.issuer, this.jwksUri));
      case '/openid/v1/jwks': return { status: 200, body: await c.signer.jwks(), contentType: 'application/jwk-set+json' };
    }
    if (info.path === '/openapi/v2') return openapiV2(accept);
    let doc: Record<string, unknown> | undefined;
    if (info.path === '/openapi/v3') doc = openapiRoot(c.kinds);
    else if (segs[0] === 'openapi' && segs[1] === 'v3') doc = openapiGroupVersion(c.kinds, segs.slice(2).join('/'));
    else if (segs[0] === 'api' && segs.length === 2) doc = discovery.apiResourceList(c.kinds, '', segs[1]!);
    else if (segs[0] === 'apis' && segs.length === 2) doc = discovery.apiGroup(c.kinds, segs[1]!);
    else if (segs[0] === 'apis' && segs.length === 3) doc = discovery.apiResourceList(c.kinds, segs[1]!, segs[2]!);
    if (doc) return ok(doc);
    throw pathNotFound();
  }

  close(): Promise<void> {
    for (const w of this.watches) w.end();
    this.watches.clear();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
