/**
 * The token auth method (auth/token/): create, look up, renew and revoke tokens.
 * The store itself lives in core (it runs on every request); this is its HTTP face.
 */
import type { Core } from '../../core/core.js';
import type { TokenEntry } from '../../core/tokens/token-entry.js';
import type { BackendDef, BackendFactory } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest, permissionDenied } from '../../lib/errors.js';
import { tokenLookupJSON } from './token-json.js';

export const createFields = {
  id: { type: 'string' as const, description: 'Value for the token (root/sudo only).' },
  policies: { type: 'strings' as const, description: 'List of policies for the token.' },
  meta: { type: 'kvpairs' as const, description: 'Arbitrary key=value metadata.' },
  no_parent: { type: 'bool' as const, description: 'Create the token with no parent.' },
  no_default_policy: { type: 'bool' as const },
  ttl: { type: 'duration' as const, description: 'Initial TTL of the token.' },
  explicit_max_ttl: { type: 'duration' as const },
  period: { type: 'duration' as const },
  display_name: { type: 'string' as const, default: 'token' },
  num_uses: { type: 'int' as const },
  renewable: { type: 'bool' as const, default: true },
  type: { type: 'string' as const, allowed: ['service', 'batch', ''] },
  entity_alias: { type: 'string' as const },
  lease: { type: 'string' as const, deprecated: true },
};

export async function parentOf(core: Core, req: Request): Promise<TokenEntry> {
  const parent = await core.tokens.lookup(req.clientToken);
  if (!parent) throw permissionDenied();
  return parent;
}

export function isRoot(t: TokenEntry): boolean {
  return t.policies.includes('root');
}

export function tokenAuthResponse(t: TokenEntry, extra: { identityPolicies?: string[] } = {}): Response {
  return {
    auth: {
      clientToken: t.id, accessor: t.accessor, policies: t.policies, tokenPolicies: t.policies,
      identityPolicies: extra.identityPolicies, metadata: t.meta ?? undefined, entityId: t.entity_id,
      tokenType: t.type, numUses: Math.max(0, t.num_uses),
      leaseOptions: { ttl: t.ttl, maxTTL: t.explicit_max_ttl, renewable: t.renewable },
    },
  };
}

/** Vault's basic create rules: a child's policies must be a subset of the parent's, unless the parent is root. */
export async function createToken(core: Core, req: Request, d: FieldData, orphanPath: boolean): Promise<Response> {
  const parent = await parentOf(core, req);
  const root = isRoot(parent);
  let policies = d.has('policies') ? d.list('policies') : parent.policies.filter((p) => p !== 'root' || root);
  if (!d.bool('no_default_policy') && !policies.includes('root') && !policies.includes('default')) policies = [...policies, 'default'];
  if (!root) {
    const extra = policies.filter((p) => p !== 'default' && !parent.policies.includes(p));
    if (extra.length) throw badRequest('child policies must be subset of parent');
  }
  if (d.str('id') && !root) throw badRequest('root or sudo privileges required to specify token id');
  const noParent = orphanPath || d.bool('no_parent');
  if (d.bool('no_parent') && !root && !orphanPath) throw badRequest('root or sudo privileges required to create orphan token');
  const mountMax = core.maxLeaseTTL;
  let ttl = d.int('ttl') || (d.int('period') ? 0 : core.defaultLeaseTTL);
  if (policies.includes('root') && !d.has('ttl') && !d.has('period') && !d.has('explicit_max_ttl')) ttl = 0;
  if (ttl > mountMax && !d.int('period')) ttl = mountMax;
  // A child never outlives a parent that expires.
  if (parent.expire_time && !noParent) ttl = Math.min(ttl || Infinity, parent.expire_time - core.tokens.now());
  const entry = await core.tokens.create({
    id: d.str('id') || undefined,
    policies,
    parent,
    orphan: noParent,
    ttl: Number.isFinite(ttl) ? ttl : 0,
    explicitMaxTTL: d.int('explicit_max_ttl'),
    period: d.int('period'),
    renewable: d.bool('renewable'),
    numUses: d.int('num_uses'),
    displayName: `token${d.str('display_name') && d.str('display_name') !== 'token' ? '-' + d.str('display_name') : ''}`,
    meta: d.has('meta') ? d.get<Record<string, string>>('meta') : null,
    path: req.fullPath,
    type: d.str('type') === 'batch' ? 'batch' : 'service',
  });
  return tokenAuthResponse(entry);
}

async function lookupResponse(core: Core, t: TokenEntry | undefined, includeId: boolean): Promise<Response> {
  if (!t) throw badRequest('bad token');
  const idp = await core.services.authorizer?.identityPolicies?.(t);
  return { data: tokenLookupJSON(t, core.tokens.now(), { includeId, identityPolicies: idp }) };
}

async function renew(core: Core, t: TokenEntry | undefined, increment: number): Promise<Response> {
  if (!t) throw badRequest('bad token');
  if (!t.renewable) throw badRequest('lease is not renewable');
  const now = core.tokens.now();
  let ttl = t.period ? t.period : increment || t.ttl || core.defaultLeaseTTL;
  const max = t.explicit_max_ttl ? t.creation_time + t.explicit_max_ttl : t.period ? 0 : t.creation_time + core.maxLeaseTTL;
  if (max && now + ttl > max) ttl = Math.max(0, max - now);
  t.ttl = ttl;
  t.expire_time = now + ttl;
  await core.tokens.save(t);
  return tokenAuthResponse(t);
}

export const tokenFactory: BackendFactory = (ctx): BackendDef => {
  const core = ctx.system.service<Core>('core')!;
  return {
    help: 'The token credential backend is always enabled and builtin to Coffer. Client tokens are used to identify a client and to allow Coffer to associate policies and ACLs which are enforced on every request.',
    rootPaths: ['revoke-orphan/*', 'accessors*', 'revoke-orphan', 'tidy'],
    paths: [
      { pattern: 'create-orphan', fields: createFields, operations: { update: (req, d) => createToken(core, req, d, true) }, synopsis: 'Create an orphan token.' },
      { pattern: 'create', fields: createFields, operations: { update: (req, d) => createToken(core, req, d, false) }, synopsis: 'Create a new token.' },
      {
        pattern: 'lookup-self',
        operations: { read: async (req) => lookupResponse(core, await core.tokens.lookup(req.clientToken), true) },
      },
      {
        pattern: 'lookup',
        fields: { token: { type: 'string' } },
        operations: {
          read: async (req) => lookupResponse(core, await core.tokens.lookup(req.clientToken), true),
          update: async (_r, d) => lookupResponse(core, await core.tokens.lookup(d.str('token')), true),
        },
      },
      {
        pattern: 'lookup-accessor',
        fields: { accessor: { type: 'string', required: true } },
        operations: { update: async (_r, d) => lookupResponse(core, await core.tokens.lookupAccessor(d.str('accessor')), false) },
      },
      {
        pattern: 'renew-self',
        fields: { increment: { type: 'duration' } },
        operations: { update: async (req, d) => renew(core, await core.tokens.lookup(req.clientToken), d.int('increment')) },
      },
      {
        pattern: 'renew',
        fields: { token: { type: 'string', required: true }, increment: { type: 'duration' } },
        operations: { update: async (_r, d) => renew(core, await core.tokens.lookup(d.str('token')), d.int('increment')) },
      },
      {
        pattern: 'revoke-self',
        operations: {
          update: async (req) => {
            const t = await core.tokens.lookup(req.clientToken);
            if (t) await core.tokens.revokeTree(t);
            return null;
          },
        },
      },
      {
        pattern: 'revoke',
        fields: { token: { type: 'string', required: true } },
        operations: {
          update: async (_r, d) => {
            const t = await core.tokens.lookup(d.str('token'));
            if (t) await core.tokens.revokeTree(t);
            return null;
          },
        },
      },
    ],
  };
};
