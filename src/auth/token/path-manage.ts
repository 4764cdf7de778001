/** Token lookup, renew and revoke (by token, self or accessor), accessors listing and tidy. */
import type { Core } from '../../core/core.js';
import type { TokenEntry } from '../../core/tokens/token-entry.js';
import type { PathDef } from '../../framework/backend.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { hasSudo, tokenAuthResponse } from './path-create.js';
import { tokenLookupJSON } from './token-json.js';

/**
 * The Request an auth method's renewAuth callback sees: the token's auth, and the connection
 * of the client asking for the renewal (cert auth checks the certificate it presents).
 */
function renewRequest(t: TokenEntry, from: Request): Request {
  return {
    id: from.id, operation: 'update', fullPath: 'auth/token/renew', path: 'renew', data: {}, query: {}, headers: {}, clientToken: '',
    mountPoint: '', mountType: '', mountAccessor: t.mount_accessor ?? '', remoteAddr: from.remoteAddr, tlsSocket: from.tlsSocket,
    auth: { policies: t.policies, metadata: t.meta ?? undefined, internal: t.internal_meta },
  };
}

async function lookupResponse(core: Core, t: TokenEntry | undefined, includeId: boolean): Promise<Response> {
  if (!t) throw badRequest('bad token');
  const idp = await core.services.authorizer?.identityPolicies?.(t);
  return { data: tokenLookupJSON(t, core.tokens.now(), { includeId, identityPolicies: idp }) };
}

/**
 * Vault's renewal rules: periodic tokens get their period again (capped only by an explicit
 * max); others get the increment (or their original TTL), capped by explicit max and the
 * mount's max TTL counted from creation.
 */
export async function renewToken(core: Core, t: TokenEntry | undefined, increment: number, from: Request): Promise<Response> {
  if (!t) throw badRequest('bad token');
  if (t.type === 'batch') throw badRequest('batch tokens cannot be renewed');
  if (!t.renewable) throw badRequest('lease is not renewable');
  // A login's token is renewed only if its auth method still vouches for it (user, role unchanged).
  let authMax = 0;
  if (t.mount_accessor) {
    const route = core.mounts.router.findByAccessor(t.mount_accessor);
    if (route?.backend.def.renewAuth) {
      const checked = await route.backend.def.renewAuth(renewRequest(t, from), {
        policies: t.policies, metadata: t.meta ?? undefined, internal: t.internal_meta, ttl: t.ttl, period: t.period,
      });
      if (checked?.period && !t.period) t.period = checked.period;
      if (checked?.maxTTL) authMax = checked.maxTTL;
    }
  }
  const now = core.tokens.now();
  const route = core.mounts.router.get('auth/token/');
  const mountMax = route?.backend.ctx.system.maxLeaseTTL() ?? core.maxLeaseTTL;
  let ttl = t.period ? t.period : increment || t.ttl;
  const limits: number[] = [];
  if (t.explicit_max_ttl) limits.push(t.creation_time + t.explicit_max_ttl);
  if (!t.period) limits.push(t.creation_time + mountMax);
  if (authMax && !t.period) limits.push(t.creation_time + authMax);
  const warnings: string[] = [];
  for (const limit of limits) {
    if (now + ttl > limit) {
      ttl = Math.max(0, limit - now);
      warnings.push(`TTL of "${ttl}s" exceeded the effective max_ttl; TTL value is capped accordingly`);
    }
  }
  t.ttl = ttl;
  t.expire_time = now + ttl;
  t.last_renewal_time = now;
  await core.tokens.save(t);
  const resp = tokenAuthResponse(t);
  if (warnings.length) resp.warnings = [warnings[warnings.length - 1]!];
  return resp;
}

export function managePaths(core: Core): PathDef[] {
  const tokens = core.tokens;
  const revoke = async (t: TokenEntry | undefined) => { if (t) await tokens.revokeTree(t); return null; };
  return [
    { pattern: 'lookup-self', operations: { read: async (req) => lookupResponse(core, await tokens.lookup(req.clientToken), true) } },
    {
      pattern: 'lookup',
      fields: { token: { type: 'string', sensitive: true } },
      operations: {
        read: async (req, d) => lookupResponse(core, await tokens.lookup(d.str('token') || req.clientToken), true),
        update: async (_r, d) => lookupResponse(core, await tokens.lookup(d.str('token')), true),
      },
    },
    {
      pattern: 'lookup-accessor',
      fields: { accessor: { type: 'string', required: true } },
      operations: { update: async (_r, d) => lookupResponse(core, await tokens.lookupAccessor(d.str('accessor')), false) },
    },
    {
      pattern: 'renew-self',
      fields: { increment: { type: 'duration' } },
      operations: { update: async (req, d) => renewToken(core, await tokens.lookup(req.clientToken), d.int('increment'), req) },
    },
    {
      pattern: 'renew',
      fields: { token: { type: 'string', required: true, sensitive: true }, increment: { type: 'duration' } },
      operations: { update: async (req, d) => renewToken(core, await tokens.lookup(d.str('token')), d.int('increment'), req) },
    },
    {
      pattern: 'renew-accessor',
      fields: { accessor: { type: 'string', required: true }, increment: { type: 'duration' } },
      operations: {
        update: async (req, d) => {
          const resp = await renewToken(core, await tokens.lookupAccessor(d.str('accessor')), d.int('increment'), req);
          if (resp.auth) resp.auth.clientToken = '';
          return resp;
        },
      },
    },
    { pattern: 'revoke-self', operations: { update: async (req) => revoke(await tokens.lookup(req.clientToken)) } },
    {
      pattern: 'revoke',
      fields: { token: { type: 'string', required: true, sensitive: true } },
      operations: { update: async (_r, d) => revoke(await tokens.lookup(d.str('token'))) },
    },
    {
      pattern: 'revoke-accessor',
      fields: { accessor: { type: 'string', required: true } },
      operations: { update: async (_r, d) => revoke(await tokens.lookupAccessor(d.str('accessor'))) },
    },
    {
      pattern: 'revoke-orphan',
      fields: { token: { type: 'string', required: true, sensitive: true } },
      operations: {
        update: async (req, d) => {
          const caller = await tokens.lookup(req.clientToken);
          if (!caller || !(await hasSudo(core, caller, req.fullPath))) throw badRequest('root or sudo privileges required to revoke and orphan');
          const t = await tokens.lookup(d.str('token'));
          if (t) await tokens.revokeOrphan(t);
          return null;
        },
      },
    },
    {
      pattern: 'accessors',
      operations: { list: async () => ({ data: { keys: await tokens.accessors() } }) },
    },
    {
      pattern: 'tidy',
      operations: {
        update: async () => {
          const removed = await tokens.tidy();
          core.logger.info({ removed }, 'token tidy finished');
          return { data: null, warnings: ['Tidy operation successfully started. Any information from the operation will be printed to Vault\'s server logs.'], status: 202 };
        },
      },
    },
  ];
}
