/**
 * Vault's lease TTL arithmetic (sdk/framework CalculateTTL): the mount's max TTL, lowered by
 * the secret's own max TTL, counted from the lease's issue time; the increment asked for,
 * else the Backend's TTL, else the mount default; capped so the lease never outlives that
 * limit. All values in seconds; times are truncated to whole seconds as Vault does.
 */
import { badRequest } from '../../lib/errors.js';

export interface TTLInput {
  /** Seconds since the epoch (may be fractional: it is truncated). */
  now: number;
  issueTime: number;
  increment: number;
  backendTTL: number;
  backendMaxTTL: number;
  period?: number;
  explicitMaxTTL?: number;
  mountDefaultTTL: number;
  mountMaxTTL: number;
}

export interface TTLResult {
  ttl: number;
  warnings: string[];
}

export function calculateTTL(i: TTLInput): TTLResult {
  const now = Math.floor(i.now);
  const start = Math.floor(i.issueTime) || now;
  let maxTTL = i.mountMaxTTL;
  if (i.backendMaxTTL > 0 && i.backendMaxTTL < maxTTL) maxTTL = i.backendMaxTTL;
  if (i.explicitMaxTTL && i.explicitMaxTTL > 0 && i.explicitMaxTTL < maxTTL) maxTTL = i.explicitMaxTTL;
  if (maxTTL <= 0) throw badRequest('max TTL must be greater than zero');

  const warnings: string[] = [];
  let ttl: number;
  let maxValid = 0;
  if (i.period && i.period > 0) {
    let period = i.period;
    if (period > maxTTL) {
      warnings.push(`period of "${humanDuration(period)}" exceeded the effective max_ttl of "${humanDuration(maxTTL)}"; period value is capped accordingly`);
      period = maxTTL;
    }
    ttl = period;
    if (i.explicitMaxTTL && i.explicitMaxTTL > 0) maxValid = start + i.explicitMaxTTL;
  } else {
    ttl = i.increment > 0 ? i.increment : i.backendTTL > 0 ? i.backendTTL : i.mountDefaultTTL;
    maxValid = start + maxTTL;
  }
  if (maxValid) {
    const maxValidTTL = maxValid - now;
    if (maxValidTTL <= 0) throw badRequest('past the max TTL, cannot renew');
    if (maxValidTTL < ttl) {
      warnings.push(`TTL of "${humanDuration(ttl)}" exceeded the effective max_ttl of "${humanDuration(maxValidTTL)}"; TTL value is capped accordingly`);
      ttl = maxValidTTL;
    }
  }
  return { ttl, warnings };
}

/** Go's time.Duration String() without zero units ("1h0m0s" → "1h", "1m30s" stays). */
export function humanDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  let out = h ? `${h}h${m}m${s}s` : m ? `${m}m${s}s` : `${s}s`;
  if (out.endsWith('m0s')) out = out.slice(0, -2);
  out = out.replace(/h0m/, 'h');
  return out;
}
