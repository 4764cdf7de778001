/** Other SANs, URI SANs, subject serial numbers and user IDs against a role's allow-lists (Vault's rules). */
import { isIP } from 'node:net';
import { globMatch } from '../../../lib/glob.js';
import { isValidOid } from '../x509/der.js';

/** `oid;UTF8:value` entries → oid → values. Errors carry Vault's texts. */
export function parseOtherSANs(others: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const other of others) {
    const semi = other.indexOf(';');
    if (semi < 0) throw new Error(`expected a semicolon in other SAN ${JSON.stringify(other)}`);
    const oid = other.slice(0, semi);
    const rest = other.slice(semi + 1);
    const colon = rest.indexOf(':');
    if (colon < 0) throw new Error(`expected a colon in other SAN ${JSON.stringify(other)}`);
    const type = rest.slice(0, colon).toLowerCase();
    if (type !== 'utf8' && type !== 'utf-8') throw new Error(`only utf8 other SANs are supported; found non-supported type in other SAN ${JSON.stringify(other)}`);
    out.set(oid, [...(out.get(oid) ?? []), rest.slice(colon + 1)]);
  }
  return out;
}

/** Returns [badOid, badValue]; both empty when every requested other SAN is allowed. */
export function validateOtherSANs(allowedList: string[], requested: Map<string, string[]>): [string, string] {
  if (allowedList.length === 1 && allowedList[0] === '*') return ['', ''];
  let allowed: Map<string, string[]>;
  try {
    allowed = parseOtherSANs(allowedList);
  } catch (e) {
    throw new Error(`error parsing role's allowed SANs: ${(e as Error).message}`);
  }
  for (const [oid, values] of requested) {
    for (const v of values) {
      const patterns = allowed.get(oid);
      if (!patterns) return [oid, ''];
      if (!patterns.some((p) => globMatch(p, v))) return [oid, v];
    }
  }
  return ['', ''];
}

/** Other SANs must name a valid OID to be encoded. */
export function checkOtherSanOids(requested: Map<string, string[]>): void {
  for (const oid of requested.keys()) if (!isValidOid(oid)) throw new Error(`could not parse requested other SAN: invalid OID ${JSON.stringify(oid)}`);
}

export const uriAllowed = (allowed: string[], uri: string): boolean => allowed.some((a) => globMatch(a, uri));

/** Go's url.Parse rejects little; these are the inputs it refuses. */
export function isParsableURI(u: string): boolean {
  if (/[\x00-\x1f\x7f ]/.test(u)) return false;
  if (u.startsWith(':')) return false;
  if (/%(?![0-9A-Fa-f]{2})/.test(u)) return false;
  return true;
}

export function userIdAllowed(allowed: string[], id: string): boolean {
  if (!allowed.length) return false;
  if (allowed.some((a) => a.toLowerCase() === id.toLowerCase())) return true;
  return allowed.some((a) => a !== '' && a.includes('*') && globMatch(a, id));
}

export function serialNumberAllowed(allowed: string[], serial: string): boolean {
  return allowed.some((a) => a !== '' && ((a.includes('*') && globMatch(a, serial)) || a === serial));
}

export const isValidIP = (v: string): boolean => isIP(v) !== 0;
