/**
 * Audit hashing as Vault does it: HMAC-SHA256 keyed with the device's salt (a random UUID
 * string, its bytes are the key), hex-encoded behind `hmac-sha256:`. Every string value in
 * request and response data is replaced, at any depth; numbers, booleans and nulls stay;
 * object keys stay; strings that are RFC 3339 timestamps stay (Vault cannot tell them from
 * times it marshalled itself); values under keys the mount lists as non-HMAC stay in clear.
 */
import { createHmac } from 'node:crypto';

export const HMAC_PREFIX = 'hmac-sha256:';

export class AuditSalt {
  private readonly key: Buffer;

  constructor(readonly salt: string) {
    this.key = Buffer.from(salt, 'utf8');
  }

  hmac(data: string): string {
    return HMAC_PREFIX + createHmac('sha256', this.key).update(data, 'utf8').digest('hex');
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function isTimestamp(s: string): boolean {
  return RFC3339.test(s) && !Number.isNaN(Date.parse(s));
}

/**
 * A deep copy of value (as JSON would see it) with every string HMAC'd. A string stays in
 * clear when the nearest map key above it is in `ignored` (list items inherit their key,
 * a nested map's values answer to their own keys), as Vault's hash walker decides.
 */
export function hashStructure(value: unknown, hmac: (s: string) => string, ignored: readonly string[] = []): unknown {
  const skip = new Set(ignored);
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (typeof v === 'string') return (key !== undefined && skip.has(key)) || isTimestamp(v) ? v : hmac(v);
    if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? String(v) : v;
    if (v instanceof Date) return v.toISOString();
    if (Buffer.isBuffer(v) || v instanceof Uint8Array) return walk(Buffer.from(v).toString('base64'), key);
    if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : walk(x, key)));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined || typeof x === 'function') continue;
      out[k] = walk(x, k);
    }
    return out;
  };
  return walk(value, undefined);
}
