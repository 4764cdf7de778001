/**
 * A lease as persisted (encrypted by the barrier) under `sys/expire/id/<lease id>`, and the
 * rules read from it: renewability with Vault's messages, and the public lookup shape.
 * Times are milliseconds since the epoch; TTLs are seconds.
 */
import { badRequest } from '../../lib/errors.js';

export interface LeaseEntry {
  lease_id: string;
  /** The request path that created it (secrets) or the token's creation path (auth). */
  path: string;
  kind: 'secret' | 'auth';
  /** Secret type name declared by the Backend (secrets only). */
  secret_type?: string;
  /** The Backend's internal data, handed back on renew and revoke (secrets only). */
  internal?: Record<string, unknown>;
  /** Salted hash of the token this lease is tied to ('' when none): revoked with it. */
  token_hash: string;
  token_type: 'service' | 'batch';
  issue_time: number;
  /** 0 = never expires (root tokens). */
  expire_time: number;
  last_renewal: number;
  ttl: number;
  /** The Backend's own cap for this secret (0 = only the mount's). */
  max_ttl: number;
  renewable: boolean;
  /** Auth leases: the token's period and explicit max, for Vault's renew arithmetic. */
  period?: number;
  explicit_max_ttl?: number;
  /** Revocation was asked for (token revoked, revoke with sync=false): no renewal brings it back. */
  revoke_requested?: boolean;
  /** Failed revocation attempts so far and the last error (visible in sys/leases/lookup). */
  revoke_attempts?: number;
  last_revoke_error?: string;
  /** Set once retries are exhausted: the lease is irrevocable until forced (Vault's RevokeErr). */
  revoke_error?: string;
}

const MAX_ERROR_LENGTH = 240;

export function truncateError(msg: string): string {
  return msg.length > MAX_ERROR_LENGTH ? msg.slice(0, MAX_ERROR_LENGTH) : msg;
}

/** Throws Vault's 400 when the lease cannot be renewed. */
export function assertRenewable(le: LeaseEntry | undefined, nowMs: number): asserts le is LeaseEntry {
  if (!le) throw badRequest('lease not found');
  if (le.revoke_error) throw badRequest('lease is expired and has failed previous revocation attempts');
  if (le.expire_time === 0) throw badRequest('lease is not renewable');
  if (le.expire_time < nowMs || le.revoke_requested) throw badRequest('lease expired');
  if (!le.renewable) throw badRequest('lease is not renewable');
}

export function isRenewable(le: LeaseEntry, nowMs: number): boolean {
  try {
    assertRenewable(le, nowMs);
    return true;
  } catch {
    return false;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** sys/leases/lookup's data (Vault's shape, plus the revocation attempt count when non-zero). */
export function lookupJSON(le: LeaseEntry, nowMs: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: le.lease_id,
    issue_time: iso(le.issue_time),
    expire_time: null,
    last_renewal: null,
    renewable: isRenewable(le, nowMs),
    ttl: 0,
  };
  if (le.last_renewal) out.last_renewal = iso(le.last_renewal);
  if (le.expire_time) {
    out.expire_time = iso(le.expire_time);
    out.ttl = Math.max(0, Math.round((le.expire_time - nowMs) / 1000));
  }
  if (le.revoke_error) out.revoke_error = le.revoke_error;
  if (le.revoke_attempts) {
    out.revoke_attempts = le.revoke_attempts;
    if (le.last_revoke_error) out.last_revoke_error = le.last_revoke_error;
  }
  return out;
}

/** Lease ids as storage key segments: reversible and free of '/'. */
export function encodeId(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeId(seg: string): string {
  return Buffer.from(seg, 'base64url').toString('utf8');
}

/** A lease id Vault would accept: a path of non-empty segments without `.`/`..`. */
export function validLeaseId(id: string): boolean {
  if (!id || id.length > 2048 || id.startsWith('/') || id.endsWith('/')) return false;
  if (id.includes('\0')) return false;
  return id.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}
