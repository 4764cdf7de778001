/** A token as stored (encrypted by the barrier) under the salted hash of its id. */
export interface TokenEntry {
  id: string;
  accessor: string;
  /** Salted hash of the parent token's id; "" for orphans. */
  parent: string;
  policies: string[];
  path: string;
  meta: Record<string, string> | null;
  display_name: string;
  num_uses: number;
  /** Seconds since the epoch. */
  creation_time: number;
  /** Current TTL in seconds (0 = never expires, root tokens). */
  ttl: number;
  /** Seconds since the epoch; 0 = never. Moves forward on renew. */
  expire_time: number;
  explicit_max_ttl: number;
  period: number;
  renewable: boolean;
  type: 'service' | 'batch';
  entity_id: string;
  bound_cidrs: string[];
  /** Token role that created it, if any. */
  role: string;
  /** Auth-method data kept for renewals (never returned to clients). */
  internal_meta?: Record<string, unknown>;
  /** The mount accessor of the auth method that created it (for identity alias lookups). */
  mount_accessor?: string;
  no_identity_policies?: boolean;
  /** Seconds since the epoch of the last renewal (shown by lookup once renewed). */
  last_renewal_time?: number;
}

export function isExpired(t: TokenEntry, nowSec: number): boolean {
  return t.expire_time !== 0 && t.expire_time <= nowSec;
}
