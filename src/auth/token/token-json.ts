/** The JSON a token lookup returns (Vault's field names and formats). */
import type { TokenEntry } from '../../core/tokens/token-entry.js';

export function tokenLookupJSON(t: TokenEntry, nowSec: number, opts: { includeId: boolean; identityPolicies?: string[] }): Record<string, unknown> {
  const ttl = t.expire_time ? Math.max(0, t.expire_time - nowSec) : 0;
  return {
    accessor: t.accessor,
    creation_time: t.creation_time,
    creation_ttl: t.ttl,
    display_name: t.display_name,
    entity_id: t.entity_id,
    expire_time: t.expire_time ? new Date(t.expire_time * 1000).toISOString() : null,
    explicit_max_ttl: t.explicit_max_ttl,
    id: opts.includeId ? t.id : '',
    issue_time: new Date(t.creation_time * 1000).toISOString(),
    meta: t.meta,
    num_uses: Math.max(0, t.num_uses),
    orphan: t.parent === '',
    path: t.path,
    policies: t.policies,
    renewable: t.renewable,
    ttl,
    type: t.type,
    ...(t.period ? { period: t.period } : {}),
    ...(t.last_renewal_time ? { last_renewal_time: t.last_renewal_time, last_renewal: new Date(t.last_renewal_time * 1000).toISOString() } : {}),
    ...(t.role ? { role: t.role } : {}),
    ...(t.bound_cidrs.length ? { bound_cidrs: t.bound_cidrs } : {}),
    ...(opts.identityPolicies?.length ? { identity_policies: opts.identityPolicies } : {}),
  };
}
