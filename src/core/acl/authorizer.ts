/**
 * The ACL as core's Authorizer (core/services.ts): a token's effective policies are its own plus
 * its entity's and its groups', read from identity at request time, so removing someone from a
 * group takes effect on their next request. The identity also feeds templated policy paths.
 * Compiled ACLs come from an AclCache keyed by policy set and identity generation; a policy
 * change reaches it through the policy store's onChange.
 */
import type { Request } from '../../framework/types.js';
import type { Authorizer, AuthzInput, AuthzResult } from '../services.js';
import type { TokenEntry } from '../tokens/token-entry.js';
import { RESPONSE_WRAPPING_POLICY, RESPONSE_WRAPPING_POLICY_NAME } from './builtin.js';
import { AclCache } from './cache.js';
import type { ACL } from './compile.js';
import { parsePolicy } from './policy.js';
import type { IdentityContext } from './templating.js';

/** What the authorizer needs from the policy store. */
export interface PolicySource {
  get(name: string): Promise<{ raw: string } | undefined>;
  onChange?(fn: (name: string) => void): void;
}

/** What it needs from the identity store (core/identity/identity-store.ts has this shape). */
export interface IdentitySource {
  generation: number;
  entities: Map<string, { id: string; name: string; metadata: Record<string, string> | null; disabled: boolean }>;
  groups: Map<string, { id: string; name: string; metadata: Record<string, string> | null }>;
  aliasesOf(entityId: string): { id: string; mount_accessor: string; name: string; metadata: Record<string, string> | null; custom_metadata?: Record<string, string> | null }[];
  allGroupIds(entityId: string): string[];
  policiesOf(entityId: string): string[];
}

export interface AclAuthorizerOptions {
  policies: PolicySource;
  /** Looked up on each request: identity is created after the authorizer on unseal. */
  identity?: () => IdentitySource | undefined;
  cacheSize?: number;
}

interface Resolved {
  generation: number;
  own: string[];
  names: readonly string[];
  identityPolicies: string[];
  context: IdentityContext | undefined;
  identityKey: string;
  disabled: boolean;
}

/** For PolicyStore's validator: throws PolicyError (400 naming line and column) on a bad document. */
export function validatePolicy(name: string, raw: string): void {
  parsePolicy(name, raw);
}

export class AclAuthorizer implements Authorizer {
  readonly cache: AclCache;
  private readonly resolved = new WeakMap<TokenEntry, Resolved>();

  constructor(private readonly opts: AclAuthorizerOptions) {
    // response-wrapping is fixed (immutable in Vault), so it is served from code, not storage.
    const load = async (name: string) => (name === RESPONSE_WRAPPING_POLICY_NAME ? RESPONSE_WRAPPING_POLICY : (await opts.policies.get(name))?.raw);
    this.cache = new AclCache(load, { maxEntries: opts.cacheSize });
    opts.policies.onChange?.((name) => this.cache.invalidate(name));
  }

  /** Effective policy names and identity of a token, memoised per token entry and identity generation. */
  private resolve(token: TokenEntry): Resolved {
    const identity = this.opts.identity?.();
    const generation = identity?.generation ?? -1;
    const hit = this.resolved.get(token);
    if (hit && hit.generation === generation && hit.own === token.policies) return hit;
    const entity = token.entity_id ? identity?.entities.get(token.entity_id) : undefined;
    const identityPolicies = entity && !token.no_identity_policies ? identity!.policiesOf(entity.id) : [];
    let context: IdentityContext | undefined;
    if (entity && identity) {
      context = {
        entity: {
          id: entity.id,
          name: entity.name,
          metadata: entity.metadata ?? undefined,
          aliases: identity.aliasesOf(entity.id).map((a) => ({ id: a.id, name: a.name, mountAccessor: a.mount_accessor, metadata: a.metadata ?? undefined, customMetadata: a.custom_metadata ?? undefined })),
        },
        groups: identity.allGroupIds(entity.id).flatMap((id) => {
          const g = identity.groups.get(id);
          return g ? [{ id: g.id, name: g.name, metadata: g.metadata ?? undefined }] : [];
        }),
      };
    }
    const r: Resolved = {
      generation,
      own: token.policies,
      names: Object.freeze([...token.policies, ...identityPolicies]),
      identityPolicies,
      context,
      identityKey: entity ? `${entity.id}@${generation}` : '',
      disabled: entity?.disabled ?? false,
    };
    this.resolved.set(token, r);
    return r;
  }

  /** The compiled ACL for a token (root tokens get the root ACL). */
  async aclFor(token: TokenEntry): Promise<ACL> {
    const r = this.resolve(token);
    return this.cache.peek(r.names, r.context, r.identityKey) ?? (await this.cache.acl(r.names, r.context, r.identityKey));
  }

  async authorize({ req, token, needsSudo }: AuthzInput): Promise<AuthzResult> {
    if (this.resolve(token).disabled) return { allowed: false, reason: 'entity is disabled' };
    const acl = await this.aclFor(token);
    const result = acl.allowOperation({ path: req.fullPath, operation: req.operation, data: dataOf(req), wrapTTL: req.wrapTTL });
    if (result.allowed && needsSudo && !result.rootPrivs) {
      return { allowed: false, capabilities: result.capabilities, reason: 'sudo capability required on this path' };
    }
    return { allowed: result.allowed, capabilities: result.capabilities, reason: result.reason };
  }

  async identityPolicies(token: TokenEntry): Promise<string[]> {
    return [...this.resolve(token).identityPolicies];
  }

  /** sys/capabilities, capabilities-self and capabilities-accessor: sorted names, `root` or `deny`. */
  async capabilities(token: TokenEntry, path: string): Promise<string[]> {
    if (this.resolve(token).disabled) return ['deny'];
    return (await this.aclFor(token)).capabilities(path);
  }

  /** Whether the token may see a mount (sys/internal/ui/mounts/<path>). */
  async hasMountAccess(token: TokenEntry, mountPath: string): Promise<boolean> {
    if (this.resolve(token).disabled) return false;
    return (await this.aclFor(token)).hasMountAccess(mountPath);
  }

  /** Whether the token holds sudo on a path (handlers that check it themselves, e.g. revoke-orphan). */
  async hasSudo(token: TokenEntry, path: string): Promise<boolean> {
    if (this.resolve(token).disabled) return false;
    return (await this.aclFor(token)).hasSudo(path);
  }
}

/** Request data for parameter checks; on reads the query parameters are data, as in Vault. */
function dataOf(req: Request): Record<string, unknown> {
  const q = req.query;
  if (req.operation !== 'read' || !q || Object.keys(q).length === 0) return req.data ?? {};
  return { ...q, ...req.data };
}

export function createAclAuthorizer(opts: AclAuthorizerOptions): AclAuthorizer {
  return new AclAuthorizer(opts);
}
