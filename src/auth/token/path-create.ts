/**
 * auth/token/create, create-orphan and create/:role_name with Vault's rules: policy subsets,
 * role allow/deny lists, orphans, periodic tokens, explicit max TTL, batch tokens.
 */
import type { Core } from '../../core/core.js';
import type { TokenEntry } from '../../core/tokens/token-entry.js';
import type { FieldData } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest, permissionDenied } from '../../lib/errors.js';
import { applyRolePolicies, type TokenRole } from './roles.js';
import { globMatch } from '../../lib/glob.js';
import type { IdentityStore } from '../../core/identity/identity-store.js';

/** `entity_alias`: a role may let a token act as a named alias of the token auth mount. */
async function entityFor(core: Core, alias: string, role: TokenRole | undefined, parent: TokenEntry): Promise<string> {
  if (!alias) return parent.entity_id;
  if (!role) throw badRequest('entity_alias can only be used with a token role');
  if (!role.allowed_entity_aliases.some((g) => globMatch(g, alias))) throw badRequest('invalid \'entity_alias\' value');
  const store = core.registry.get('identity') as IdentityStore;
  const accessor = core.mounts.router.get('auth/token/')?.entry.accessor ?? '';
  const existing = store.aliasFor(accessor, alias);
  if (existing) return existing.canonical_id;
  const entity = await store.upsertEntity({});
  await store.upsertAlias({ canonical_id: entity.id, mount_accessor: accessor, name: alias });
  return entity.id;
}

export const createFields = {
  id: { type: 'string' as const, description: 'Value for the token (root/sudo only).' },
  role_name: { type: 'string' as const },
  policies: { type: 'strings' as const, description: 'List of policies for the token.' },
  meta: { type: 'kvpairs' as const, description: 'Arbitrary key=value metadata.' },
  metadata: { type: 'kvpairs' as const },
  no_parent: { type: 'bool' as const, description: 'Create the token with no parent.' },
  no_default_policy: { type: 'bool' as const },
  ttl: { type: 'duration' as const, description: 'Initial TTL of the token.' },
  explicit_max_ttl: { type: 'duration' as const },
  period: { type: 'duration' as const },
  display_name: { type: 'string' as const },
  num_uses: { type: 'int' as const },
  renewable: { type: 'bool' as const, default: true },
  type: { type: 'string' as const, allowed: ['service', 'batch', ''] },
  entity_alias: { type: 'string' as const },
  lease: { type: 'duration' as const, deprecated: true },
};

export function isRoot(t: TokenEntry): boolean {
  return t.policies.includes('root');
}

/** Root, or a token whose policies grant sudo on the path (Vault's "root or sudo"). */
export async function hasSudo(core: Core, t: TokenEntry, path: string): Promise<boolean> {
  if (isRoot(t)) return true;
  const authz = core.services.authorizer as { hasSudo?: (t: TokenEntry, p: string) => Promise<boolean> } | undefined;
  return (await authz?.hasSudo?.(t, path)) ?? false;
}

export function tokenAuthResponse(t: TokenEntry, identityPolicies?: string[]): Response {
  return {
    auth: {
      clientToken: t.id, accessor: t.accessor, policies: t.policies, tokenPolicies: t.policies,
      identityPolicies, metadata: t.meta ?? undefined, entityId: t.entity_id,
      tokenType: t.type, numUses: Math.max(0, t.num_uses), orphan: t.parent === '',
      leaseOptions: { ttl: t.ttl, maxTTL: t.explicit_max_ttl, renewable: t.renewable },
    },
  };
}

/** The token auth mount's tuned TTLs (auth/token tune), else the system's. */
function mountTTLs(core: Core): { dflt: number; max: number } {
  const route = core.mounts.router.get('auth/token/');
  return {
    dflt: route?.backend.ctx.system.defaultLeaseTTL() ?? core.defaultLeaseTTL,
    max: route?.backend.ctx.system.maxLeaseTTL() ?? core.maxLeaseTTL,
  };
}

export async function createToken(core: Core, req: Request, d: FieldData, opts: { orphanPath: boolean; role?: TokenRole }): Promise<Response> {
  const parent = await core.tokens.lookup(req.clientToken);
  if (!parent) throw permissionDenied();
  if (parent.type === 'batch') throw badRequest('batch tokens cannot create more tokens');
  // A child would escape the parent's use count (a parent on its last use is at -1 here).
  if (parent.num_uses !== 0) throw badRequest('restricted use token cannot generate child tokens');
  const root = isRoot(parent) || (await hasSudo(core, parent, req.fullPath));
  const { role } = opts;
  const requested = d.has('policies') ? d.list('policies') : undefined;
  const noDefault = d.bool('no_default_policy');
  let policies: string[];
  if (role) {
    policies = applyRolePolicies(role, requested, noDefault);
    if (!role.allowed_policies.length && !role.allowed_policies_glob.length && !root) {
      const extra = policies.filter((p) => p !== 'default' && !parent.policies.includes(p));
      if (extra.length) throw badRequest('child policies must be subset of parent');
    }
  } else {
    policies = requested ?? parent.policies;
    if (!noDefault && !policies.includes('root') && !policies.includes('default')) policies = [...policies, 'default'];
    if (noDefault) policies = policies.filter((p) => p !== 'default');
    if (!root) {
      const extra = policies.filter((p) => p !== 'default' && !parent.policies.includes(p));
      if (extra.length) throw badRequest('child policies must be subset of parent');
    }
  }
  if (policies.includes('root') && !isRoot(parent)) throw badRequest('root tokens may not be created without parent token being root');
  if (d.str('id') && !root) throw badRequest('root or sudo privileges required to specify token id');

  let orphan = opts.orphanPath;
  if (role?.orphan) orphan = true;
  if (d.bool('no_parent')) {
    if (!root) throw badRequest('root or sudo privileges required to create orphan token');
    orphan = true;
  }

  const typeWanted = d.str('type') || (role ? (role.token_type.includes('batch') ? 'batch' : 'service') : 'service');
  if (role && (role.token_type === 'service' || role.token_type === 'batch') && d.str('type') && d.str('type') !== role.token_type) {
    throw badRequest(`role does not allow tokens of type "${d.str('type')}"`);
  }
  const batch = typeWanted === 'batch';
  const { dflt, max } = mountTTLs(core);
  if (d.int('period') && !root) throw badRequest('root or sudo privileges required to create periodic token');
  // As Vault: with a period both requested and in the role, the lesser one (roles of batch
  // tokens have theirs ignored).
  let period = d.int('period');
  if (role?.token_period && !batch && (period === 0 || role.token_period < period)) period = role.token_period;
  if (batch && period) throw badRequest('batch tokens cannot be periodic');
  let explicitMax = d.int('explicit_max_ttl');
  if (role?.token_explicit_max_ttl && (!explicitMax || role.token_explicit_max_ttl < explicitMax)) explicitMax = role.token_explicit_max_ttl;

  let ttl: number;
  if (period) {
    ttl = period;
  } else {
    ttl = d.int('ttl') || d.int('lease') || (policies.includes('root') && !d.has('ttl') ? 0 : dflt);
    if (ttl > max) ttl = max;
  }
  if (explicitMax && (ttl === 0 || ttl > explicitMax)) ttl = explicitMax;

  if (d.int('num_uses') < 0) throw badRequest('number of uses cannot be negative');
  // A role's token_num_uses is a ceiling: a request may ask for fewer uses, not more.
  let numUses = d.int('num_uses');
  if (role?.token_num_uses && (numUses === 0 || role.token_num_uses < numUses)) numUses = role.token_num_uses;
  // A role's CIDRs replace the parent's (roles may grant that); otherwise a child stays bound
  // where its parent is. Non-expiring root tokens are not CIDR-bound.
  let boundCIDRs: string[] | undefined;
  if (role) boundCIDRs = role.token_bound_cidrs.length ? role.token_bound_cidrs : undefined;
  else if (!orphan && parent.bound_cidrs.length) boundCIDRs = parent.bound_cidrs;
  if (ttl === 0) boundCIDRs = undefined;
  const entityId = await entityFor(core, d.str('entity_alias'), role, parent);
  const display = d.str('display_name').toLowerCase().replace(/[^a-z0-9._-]/g, '-');
  const path = role ? `auth/token/create/${role.name}${role.path_suffix ? `/${role.path_suffix}` : ''}` : req.fullPath;
  const meta = d.has('meta') ? d.get<Record<string, string>>('meta') : d.has('metadata') ? d.get<Record<string, string>>('metadata') : null;
  const entry = await core.tokens.create({
    id: d.str('id') || undefined,
    policies,
    parent,
    orphan,
    ttl,
    explicitMaxTTL: explicitMax,
    period,
    renewable: batch ? false : role ? role.renewable && d.bool('renewable') : d.bool('renewable'),
    numUses,
    displayName: display ? `token-${display}` : 'token',
    meta,
    path,
    type: batch ? 'batch' : 'service',
    boundCIDRs,
    role: role?.name,
    entityId,
  });
  const resp = tokenAuthResponse(entry);
  const missing = await missingPolicies(core, policies);
  if (missing.length) resp.warnings = missing.map((p) => `Policy "${p}" does not exist`);
  return resp;
}

/** Vault creates the token anyway and warns about policies that are not (yet) written. */
async function missingPolicies(core: Core, policies: string[]): Promise<string[]> {
  const store = core.registry.get('policies') as { get(name: string): Promise<unknown> } | undefined;
  if (!store) return [];
  const out: string[] = [];
  for (const p of policies) if (p !== 'root' && p !== 'default' && !(await store.get(p))) out.push(p);
  return out;
}
