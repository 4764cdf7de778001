/**
 * Claim helpers of the jwt auth method: JSON-pointer claim lookup (`/groups/0`), claim_mappings to
 * metadata, and bound_claims matching (exact or glob, lists on either side), with Vault's messages.
 */
import { globMatch } from '../../lib/glob.js';

type Claims = Record<string, unknown>;

function unescape(t: string): string {
  return t.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** A claim by name, or by JSON pointer when it starts with "/". Numbers read as integer strings, as in Vault. */
export function getClaim(claims: Claims, claim: string): unknown {
  let v: unknown;
  if (!claim.startsWith('/')) {
    v = claims[claim];
  } else {
    v = claims;
    for (const part of claim.slice(1).split('/').map(unescape)) {
      if (Array.isArray(v) && /^\d+$/.test(part)) v = v[Number(part)];
      else if (v && typeof v === 'object' && !Array.isArray(v)) v = (v as Claims)[part];
      else return undefined;
      if (v === undefined) return undefined;
    }
  }
  return typeof v === 'number' ? String(Math.trunc(v)) : v;
}

/** A claim value as a list of scalars (strings, booleans, integer strings), or undefined if it is not one. */
export function normalizeList(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'number' ? String(Math.trunc(x)) : x));
  if (typeof v === 'string' || typeof v === 'boolean') return [v];
  if (typeof v === 'number') return [String(Math.trunc(v))];
  return undefined;
}

export function extractMetadata(claims: Claims, mappings: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [source, target] of Object.entries(mappings)) {
    const v = getClaim(claims, source);
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new Error(`error converting claim '${source}' to string`);
    out[target] = v;
  }
  return out;
}

export function validateBoundClaims(type: string, bound: Record<string, unknown>, claims: Claims): void {
  const globs = type === 'glob';
  for (const [claim, expected] of Object.entries(bound)) {
    const actual = getClaim(claims, claim);
    if (actual === undefined || actual === null) throw new Error(`claim "${claim}" is missing`);
    const actVals = normalizeList(actual);
    if (!actVals) throw new Error(`received claim is not a string, bool, int or list: ${JSON.stringify(actual)}`);
    const expVals = normalizeList(expected);
    if (!expVals) throw new Error(`bound claim is not a string, bool, int or list: ${JSON.stringify(expected)}`);
    const found = expVals.some((e) => actVals.some((a) => {
      if (!globs) return a === e;
      if (typeof e !== 'string') throw new Error(`received claim is not a glob string: ${JSON.stringify(e)}`);
      return typeof a === 'string' && globMatch(e, a);
    }));
    if (!found) throw new Error(`claim "${claim}" does not match any associated bound claim values`);
  }
}
