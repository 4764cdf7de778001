/**
 * Resource requests after authentication and authorization: get/list/watch/create/update/patch/
 * delete/deletecollection, the status and token subresources, and the review endpoints.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from './authn.js';
import type { KubeCluster } from './cluster.js';
import { filterMatches, parseFilter } from './filter.js';
import type { RequestInfo } from './request-info.js';
import { apiVersionOf, type KindInfo } from './resources.js';
import * as reviews from './reviews.js';
import { badRequest, methodNotSupported, pathNotFound } from './status.js';
import type { KubeObject } from './store.js';
import { toTable, wantsTable } from './table.js';
import type { UserInfo } from './tokens.js';
import { serveWatch } from './watch.js';

export interface HandlerContext {
  cluster: KubeCluster;
  authn: Authenticator;
  user: UserInfo;
  info: RequestInfo;
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
  body: () => Promise<unknown>;
  watches: Set<ServerResponse>;
}

/** An answer to write, or null when the handler streamed its own response (watch). */
export type Answer = { status: number; body: unknown; contentType?: string } | null;

const stripTypeMeta = (o: KubeObject): KubeObject => {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest as KubeObject;
};

function encodeContinue(key: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', start: key })).toString('base64url');
}

function decodeContinue(token: string): string {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof v.start === 'string') return v.start;
  } catch { /* fall through */ }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

function list(ctx: HandlerContext, kind: KindInfo): Answer {
  const { cluster, info, query } = ctx;
  const filter = parseFilter(kind, query);
  let items = cluster.store.list(kind, info.namespace || undefined).filter((o) => filterMatches(filter, o));
  const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const cont = query.get('continue');
  if (cont) {
    const start = decodeContinue(cont);
    items = items.filter((o) => keyOf(o) > start);
  }
  const meta: Record<string, unknown> = { resourceVersion: cluster.store.resourceVersion() };
  const limit = Number(query.get('limit') ?? 0);
  if (limit > 0 && items.length > limit) {
    meta.continue = encodeContinue(keyOf(items[limit - 1]!));
    meta.remainingItemCount = items.length - limit;
    items = items.slice(0, limit);
  }
  if (wantsTable(ctx.req.headers.accept)) {
    return { status: 200, body: toTable(kind, items, cluster.now(), meta, query.get('includeObject') ?? 'Metadata') };
  }
  return { status: 200, body: { kind: kind.listKind, apiVersion: apiVersionOf(kind), metadata: meta, items: items.map(stripTypeMeta) } };
}

function watch(ctx: HandlerContext, kind: KindInfo): Answer {
  const { query, info } = ctx;
  const filter = parseFilter(kind, query);
  if (info.name) filter.fields.push({ path: 'metadata.name', equal: true, value: info.name });
  const timeout = query.get('timeoutSeconds');
  serveWatch(ctx.res, ctx.cluster, {
    kind, namespace: info.namespace && kind.namespaced ? info.namespace : undefined, filter,
    resourceVersion: query.get('resourceVersion') ?? '', timeoutSeconds: timeout ? Number(timeout) : undefined,
    sendInitialEvents: query.get('sendInitialEvents') === 'true', allowBookmarks: query.get('allowWatchBookmarks') === 'true',
    asTable: wantsTable(ctx.req.headers.accept),
  }, ctx.watches);
  return null;
}

async function subresource(ctx: HandlerContext, kind: KindInfo): Promise<Answer> {
  const { cluster, info, user } = ctx;
  const ns = info.namespace || undefined;
  if (kind.plural === 'serviceaccounts' && !kind.group && info.subresource === 'token') {
    if (info.verb !== 'create') throw methodNotSupported({ group: 'authentication.k8s.io', plural: 'tokenrequests' }, info.verb);
    return { status: 201, body: await reviews.tokenRequest(cluster, info.namespace, info.name, await ctx.body()) };
  }
  if (info.subresource === 'status' && kind.subresources?.some((s) => s.name === 'status')) {
    switch (info.verb) {
      case 'get': return { status: 200, body: cluster.get(kind, ns, info.name) };
      case 'update': return { status: 200, body: await cluster.update(kind, ns, info.name, (await ctx.body()) as KubeObject, user, 'status') };
      case 'patch': return { status: 200, body: await cluster.patch(kind, ns, info.name, ctx.req.headers['content-type'] ?? '', await ctx.body(), user, 'status') };
    }
    throw methodNotSupported(kind, info.verb);
  }
  throw pathNotFound();
}

async function review(ctx: HandlerContext, kind: KindInfo): Promise<Answer> {
  const { cluster, user } = ctx;
  // Reviews are create-only: the apiserver registers no route for a named review (404), and
  // only POST on the collection (405 for other verbs). kubectl apply relies on that 404.
  if (ctx.info.name) throw pathNotFound();
  if (ctx.info.verb !== 'create') throw methodNotSupported(kind, ctx.info.verb);
  const body = await ctx.body();
  switch (kind.kind) {
    case 'TokenReview': return { status: 201, body: await reviews.tokenReview(cluster, ctx.authn, body) };
    case 'SelfSubjectReview': return { status: 201, body: reviews.selfSubjectReview(cluster, user, body) };
    case 'SubjectAccessReview': return { status: 201, body: reviews.subjectAccessReview(cluster, body) };
    case 'SelfSubjectAccessReview': return { status: 201, body: reviews.selfSubjectAccessReview(cluster, user, body) };
    case 'SelfSubjectRulesReview': return { status: 201, body: reviews.selfSubjectRulesReview(cluster, user, body) };
  }
  throw pathNotFound();
}

function deleteOptions(ctx: HandlerContext, body: unknown): { propagationPolicy?: string; preconditions?: { uid?: string; resourceVersion?: string } } {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, any>;
  return { propagationPolicy: ctx.query.get('propagationPolicy') ?? b.propagationPolicy, preconditions: b.preconditions };
}

export async function handleResource(ctx: HandlerContext): Promise<Answer> {
  const { cluster, info, user, query } = ctx;
  const kind = info.kind!;
  if (query.has('dryRun')) throw badRequest('dryRun is not supported by the Coffer Kubernetes test server');
  if (kind.virtual) return review(ctx, kind);
  if (info.subresource) return subresource(ctx, kind);
  const ns = kind.namespaced ? info.namespace || undefined : undefined;
  switch (info.verb) {
    case 'get': {
      const obj = cluster.get(kind, ns, info.name);
      if (wantsTable(ctx.req.headers.accept)) return { status: 200, body: toTable(kind, [obj], cluster.now(), { resourceVersion: obj.metadata.resourceVersion }, query.get('includeObject') ?? 'Metadata') };
      return { status: 200, body: obj };
    }
    case 'list': return list(ctx, kind);
    case 'watch': return watch(ctx, kind);
    case 'create':
      if (info.name) throw methodNotSupported(kind, 'create');
      if (kind.namespaced && !ns) throw pathNotFound();
      return { status: 201, body: await cluster.create(kind, ns, (await ctx.body()) as KubeObject, user) };
    case 'update': return { status: 200, body: await cluster.update(kind, ns, info.name, (await ctx.body()) as KubeObject, user) };
    case 'patch': return { status: 200, body: await cluster.patch(kind, ns, info.name, ctx.req.headers['content-type'] ?? '', await ctx.body(), user) };
    case 'delete': return { status: 200, body: await cluster.delete(kind, ns, info.name, deleteOptions(ctx, await ctx.body())) };
    case 'deletecollection': {
      if (!kind.verbs.includes('deletecollection')) throw methodNotSupported(kind, 'deletecollection');
      const filter = parseFilter(kind, query);
      const opts = deleteOptions(ctx, await ctx.body());
      const deleted: KubeObject[] = [];
      for (const o of cluster.store.list(kind, ns).filter((x) => filterMatches(filter, x))) {
        if (!cluster.store.get(kind, o.metadata.namespace, o.metadata.name)) continue;
        await cluster.delete(kind, o.metadata.namespace, o.metadata.name, opts);
        deleted.push(o);
      }
      return { status: 200, body: { kind: kind.listKind, apiVersion: apiVersionOf(kind), metadata: { resourceVersion: cluster.store.resourceVersion() }, items: deleted.map(stripTypeMeta) } };
    }
  }
  throw methodNotSupported(kind, info.verb);
}
