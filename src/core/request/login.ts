/**
 * Turns a login's `auth` block into a token: policies (+ default), TTLs derived as Vault
 * does (auth ttl → mount default, capped by the mount max and explicit max), the entity
 * from identity, and the lease through the lease service.
 */
import type { Request, Response } from '../../framework/types.js';
import type { Core } from '../core.js';
import type { RouteEntry } from '../mounts/router.js';

/**
 * The type of a login's token, as Vault's router settles it: an auth mount tuned to `service`
 * or `batch` decides; under `default-service` (the default) or `default-batch` the role's
 * type decides, its own defaults following the mount's.
 */
export function loginTokenType(mountType: string | undefined, roleType: string | undefined): 'service' | 'batch' {
  const role = roleType ?? 'default';
  if (mountType === 'service' || mountType === 'batch') return mountType;
  if (mountType === 'default-batch') return ['default', 'default-batch', 'batch'].includes(role) ? 'batch' : 'service';
  return ['default', 'default-service', 'service'].includes(role) ? 'service' : 'batch';
}

export async function completeLogin(core: Core, req: Request, resp: Response, route: RouteEntry): Promise<Response> {
  const auth = resp.auth!;
  const sys = route.backend.ctx.system;
  const maxTTL = Math.min(auth.maxTTL || sys.maxLeaseTTL(), sys.maxLeaseTTL());
  let ttl = auth.period || auth.ttl || sys.defaultLeaseTTL();
  if (!auth.period && ttl > maxTTL) ttl = maxTTL;
  const explicitMax = auth.explicitMaxTTL ?? 0;
  let policies = [...auth.policies];
  if (!auth.noDefaultPolicy && !policies.includes('default') && !policies.includes('root')) policies.push('default');
  policies = [...new Set(policies)].sort();

  let entityId = '';
  let identityPolicies: string[] = [];
  if (auth.alias && core.services.identity) {
    const ent = await core.services.identity.entityForLogin(req, route, auth.alias, auth.groupAliases);
    if (ent) { entityId = ent.entityId; identityPolicies = ent.policies; }
  }
  const mountName = route.path.replace(/^auth\//, '').replace(/\/$/, '').replace(/\//g, '-');
  const token = await core.tokens.create({
    policies,
    orphan: true,
    ttl,
    explicitMaxTTL: explicitMax,
    period: auth.period,
    renewable: auth.renewable ?? true,
    numUses: auth.numUses,
    displayName: auth.displayName ? `${mountName}-${auth.displayName}` : mountName,
    meta: auth.metadata ?? null,
    path: req.fullPath,
    type: loginTokenType(route.entry.config.token_type, auth.tokenType),
    entityId,
    boundCIDRs: auth.boundCIDRs,
    internalMeta: auth.internal,
    mountAccessor: route.entry.accessor,
  });
  auth.clientToken = token.id;
  auth.accessor = token.accessor;
  auth.tokenType = token.type;
  auth.entityId = entityId;
  auth.tokenPolicies = policies;
  auth.identityPolicies = identityPolicies;
  auth.policies = [...new Set([...policies, ...identityPolicies])].sort();
  auth.leaseOptions = { ttl: token.ttl, maxTTL: maxTTL, renewable: token.renewable };
  if (core.services.leases) await core.services.leases.registerAuth(req, resp, token, route);
  return resp;
}
