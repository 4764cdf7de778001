/**
 * A request's way through core (DESIGN.md): sealed? → route → token → ACL → audit →
 * Backend → lease/token for what it returned → wrap → audit. Each step is a small
 * function; services that are not present are skipped, and authorization then falls back
 * to root-only (default deny).
 */
import { pathListMatches } from '../../framework/path.js';
import type { Request, Response } from '../../framework/types.js';
import { CofferError, permissionDenied, sealed } from '../../lib/errors.js';
import type { Core } from '../core.js';
import type { RouteEntry } from '../mounts/router.js';
import type { TokenEntry } from '../tokens/token-entry.js';
import { checkBoundCIDRs, toTokenInfo } from '../tokens/token-info.js';
import { completeLogin } from './login.js';

/** sys paths served while sealed and without a token (Vault's unauthenticated lifecycle endpoints). */
const LIFECYCLE = new Set(['sys/init', 'sys/seal-status', 'sys/unseal', 'sys/health', 'sys/leader']);

export function isLifecyclePath(path: string): boolean {
  return LIFECYCLE.has(path);
}

export async function handleRequest(core: Core, req: Request): Promise<Response | null> {
  const end = core.services.observer?.begin(req);
  try {
    const resp = await handle(core, req);
    end?.(resp);
    return resp;
  } catch (e) {
    end?.(null, e);
    throw e;
  }
}

async function handle(core: Core, req: Request): Promise<Response | null> {
  if (core.sealed) throw sealed();
  const route = core.mounts.router.match(req.fullPath);
  if (!route) {
    // The token is checked before routing (as Vault does), so callers without one learn nothing about mounts.
    const t = req.clientToken ? await core.tokens.lookup(req.clientToken) : undefined;
    if (!t) throw permissionDenied();
    if (!t.policies.includes('root')) {
      const authz = core.services.authorizer as { capabilities?: (t: TokenEntry, p: string) => Promise<string[]> } | undefined;
      const caps = (await authz?.capabilities?.(t, req.fullPath)) ?? ['deny'];
      if (caps.includes('deny')) throw permissionDenied();
    }
    throw new CofferError(404, `no handler for route "${req.fullPath}". route entry not found.`);
  }
  bindRoute(req, route);
  const backend = route.backend;
  const quotaHeaders = await core.services.quotas?.check(req, route);

  const unauthenticated = pathListMatches(backend.def.unauthenticatedPaths ?? [], req.path);
  const audit = core.services.audit;
  let token: TokenEntry | undefined;
  try {
    if (req.clientToken) token = await core.tokens.lookup(req.clientToken);
    if (!unauthenticated) {
      if (!token || token.num_uses === -1) throw permissionDenied();
      checkBoundCIDRs(token, req.remoteAddr);
    }
    if (token) req.token = toTokenInfo(token);
    req.operation = await backend.resolveOperation(req);
    if (!unauthenticated && token) await authorize(core, req, token, route);
  } catch (e) {
    // Refused requests leave a trace too (Vault audits permission denied).
    await audit?.logRequest(req, token, e as Error).catch(() => undefined);
    await audit?.logResponse(req, token, null, e as Error).catch(() => undefined);
    throw e;
  }

  let exhausted = false;
  if (token && !unauthenticated) exhausted = (await core.tokens.useToken(token)).exhausted;

  await audit?.logRequest(req, token);
  let resp: Response | null;
  try {
    resp = await backend.handle(req);
    if (resp?.secret) await registerSecret(core, req, resp, route);
    if (resp?.auth && unauthenticated) resp = await completeLogin(core, req, resp, route);
    else if (resp?.auth) await trackTokenLease(core, req, resp, route);
    if (resp && req.wrapTTL && core.services.wrapping && !resp.raw) resp = await core.services.wrapping.wrap(req, resp, req.wrapTTL);
  } catch (e) {
    await audit?.logResponse(req, token, null, e as Error).catch(() => undefined);
    throw e;
  } finally {
    if (exhausted && token) await core.tokens.revokeTree(token).catch(() => undefined);
  }
  await audit?.logResponse(req, token, resp);
  if (resp) resp.mountType = route.entry.type;
  if (resp && quotaHeaders) resp.headers = { ...quotaHeaders, ...resp.headers };
  return resp;
}

function bindRoute(req: Request, route: RouteEntry): void {
  req.path = req.fullPath.length >= route.path.length ? req.fullPath.slice(route.path.length) : '';
  req.mountPoint = route.path;
  req.mountType = route.entry.type;
  req.mountAccessor = route.entry.accessor;
}

async function authorize(core: Core, req: Request, token: TokenEntry, route: RouteEntry): Promise<void> {
  if (token.policies.includes('root')) return;
  const authorizer = core.services.authorizer;
  if (!authorizer) throw permissionDenied();
  const needsSudo = pathListMatches(route.backend.def.rootPaths ?? [], req.path);
  const result = await authorizer.authorize({ req, token, route, needsSudo });
  if (!result.allowed) throw permissionDenied();
}

async function registerSecret(core: Core, req: Request, resp: Response, route: RouteEntry): Promise<void> {
  const secret = resp.secret!;
  const max = route.backend.ctx.system.maxLeaseTTL();
  let ttl = secret.ttl || route.backend.ctx.system.defaultLeaseTTL();
  if (ttl > max) ttl = max;
  if (secret.maxTTL && ttl > secret.maxTTL) ttl = secret.maxTTL;
  secret.ttl = ttl;
  resp.leaseDuration = ttl;
  resp.renewable = secret.renewable;
  if (core.services.leases) await core.services.leases.registerSecret(req, resp, route);
}

/** Tokens created or renewed through auth/token/ get or move their lease (Vault's request handling). */
async function trackTokenLease(core: Core, req: Request, resp: Response, route: RouteEntry): Promise<void> {
  const leases = core.services.leases;
  const accessor = resp.auth?.accessor;
  if (!leases || !accessor || !req.fullPath.startsWith('auth/token/')) return;
  const entry = await core.tokens.lookupAccessor(accessor);
  if (!entry) return;
  if (req.fullPath.startsWith('auth/token/renew')) await leases.syncTokenLease?.(entry);
  else await leases.registerAuth(req, resp, entry, route);
}
