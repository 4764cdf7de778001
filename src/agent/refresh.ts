/**
 * How long a fetched secret is good for before consul-template fetches it again
 * (dependency/vault_common.go's leaseCheckWait), in ms, or 'renew' for a renewable lease.
 *
 *   non-renewable lease        lease_duration × (threshold ± 5 %)
 *   PKI issue without lease    (expiration − now) × (threshold ± 5 %)
 *   AppRole secret_id          (secret_id_ttl + 1) × (threshold ± 5 %)
 *   rotating (static roles)    ttl + 1 s
 *   no lease at all (KV v2)    static_secret_render_interval × (threshold ± 5 %)
 */
import type { VaultSecretResponse } from './template/funcs/vault.js';

export interface RefreshOptions {
  /** Seconds. */
  staticInterval: number;
  threshold: number;
  random?: () => number;
  now?: () => number;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);

export function refreshDelay(s: VaultSecretResponse, o: RefreshOptions): number | 'renew' {
  const random = o.random ?? Math.random;
  const now = o.now ?? Date.now;
  const renewable = s.auth ? Boolean(s.auth.renewable) : Boolean(s.renewable);
  let base = Number(s.lease_duration ?? 0);
  if (s.auth && Number(s.auth.lease_duration ?? 0) > 0) base = Number(s.auth.lease_duration);
  const data = (s.data ?? {}) as Record<string, unknown>;
  if ('certificate' in data && !s.lease_id) {
    const exp = num(data.expiration);
    if (Number.isFinite(exp)) base = Math.floor(exp - now() / 1000);
  }
  if ('secret_id' in data && !s.lease_id) {
    const ttl = num(data.secret_id_ttl);
    if (Number.isFinite(ttl) && ttl > 0) base = ttl + 1;
  }
  let rotating = false;
  if ('rotation_period' in data && !s.lease_id) {
    const ttl = num(data.ttl);
    if (Number.isFinite(ttl) && ttl > 0) {
      base = ttl + 1;
      rotating = true;
    }
  }
  if (base <= 0) base = o.staticInterval;
  if (renewable && s.lease_id) return 'renew';
  let ms = base * 1000;
  if (!rotating) {
    let fraction = o.threshold + (random() - 0.5) * 0.1;
    if (fraction >= 1 || fraction <= 0) fraction = o.threshold;
    ms *= fraction;
  }
  return ms;
}
