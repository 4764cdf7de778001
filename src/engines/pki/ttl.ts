/**
 * A certificate's validity window, as Vault's getCertificateNotAfter computes it: request ttl,
 * else role ttl, else the mount default; capped by role max_ttl, else the mount max; then the
 * issuer's NotAfter decides according to its leaf_not_after_behavior.
 */
import { badRequest } from '../../lib/errors.js';
import { formatDuration } from '../../lib/duration.js';
import type { LeafNotAfterBehavior } from './types.js';

/** Go's RFC3339Nano in UTC: fractional seconds only when non-zero, trailing zeros trimmed. */
export function rfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.replace(/\.(\d+)Z$/, (_m, f: string) => (/^0+$/.test(f) ? 'Z' : `.${f.replace(/0+$/, '')}Z`));
}

export interface NotAfterInput {
  now: number;
  /** Request ttl in seconds (0 = not given). */
  ttl: number;
  /** Request not_after (RFC3339), '' if not given. */
  notAfter: string;
  roleTTL: number;
  roleMaxTTL: number;
  roleNotAfter: string;
  mountDefaultTTL: number;
  mountMaxTTL: number;
  issuer?: { notAfter: number; behavior: LeafNotAfterBehavior };
}

function parseRFC3339(s: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s)) {
    throw badRequest(`parsing time ${JSON.stringify(s)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(s)} as RFC3339`);
  }
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw badRequest(`parsing time ${JSON.stringify(s)}: out of range`);
  return t;
}

export function computeNotAfter(i: NotAfterInput): { notAfter: number; warnings: string[] } {
  const warnings: string[] = [];
  const notAfterAlt = i.roleNotAfter || i.notAfter;
  if (i.ttl > 0 && notAfterAlt) {
    throw badRequest('Either ttl or not_after should be provided. Both should not be provided in the same request.');
  }
  let ttl = i.ttl || i.roleTTL || i.mountDefaultTTL;
  const max = i.roleMaxTTL || i.mountMaxTTL;
  if (ttl > max) {
    warnings.push(`TTL "${formatDuration(ttl)}" is longer than permitted maxTTL "${formatDuration(max)}", so maxTTL is being used`);
    ttl = max;
  }
  let notAfter = notAfterAlt ? parseRFC3339(notAfterAlt) : i.now + ttl * 1000;
  if (i.issuer && notAfter > i.issuer.notAfter) {
    switch (i.issuer.behavior) {
      case 'permit': break;
      case 'truncate':
        if (notAfter < i.now) throw badRequest(`cannot satisfy request, as NotAfter date ${rfc3339Nano(notAfter)} is in the past`);
        notAfter = i.issuer.notAfter;
        break;
      default:
        throw badRequest(`cannot satisfy request, as TTL would result in notAfter of ${rfc3339Nano(notAfter)} that is beyond the expiration of the CA certificate at ${rfc3339Nano(i.issuer.notAfter)}`);
    }
  }
  return { notAfter, warnings };
}

/** NotBefore = now − not_before_duration (30s when unset), and the window must not be empty. */
export function computeNotBefore(now: number, notBeforeDuration: number, notAfter: number): number {
  const notBefore = now - (notBeforeDuration > 0 ? notBeforeDuration : 30) * 1000;
  // Certificates carry whole seconds; compare what will be written.
  const nb = Math.floor(notBefore / 1000);
  const na = Math.floor(notAfter / 1000);
  if (nb > na) throw badRequest(`The certificate's Not Before (${rfc3339Nano(notBefore)}) is later than the certificate's Not After (${rfc3339Nano(notAfter)})`);
  if (nb === na) throw badRequest(`The certificate's Not Before (${rfc3339Nano(notBefore)}) is equal to the certificate's Not After (${rfc3339Nano(notAfter)})`);
  return notBefore;
}
