/**
 * The `token_*` fields every auth method's roles share (Vault's tokenutil), declared once:
 * field table, parsing from a request, storage shape, read-back JSON, and the Auth block.
 */
import type { FieldData, FieldTable } from '../framework/fields.js';
import type { Auth } from '../framework/types.js';
import { isCIDR } from '../core/tokens/token-info.js';
import { badRequest } from '../lib/errors.js';

export interface TokenParams {
  token_ttl: number;
  token_max_ttl: number;
  token_policies: string[];
  token_bound_cidrs: string[];
  token_explicit_max_ttl: number;
  token_no_default_policy: boolean;
  token_num_uses: number;
  token_period: number;
  token_type: string;
}

export const TOKEN_TYPES = ['default', 'service', 'batch', 'default-service', 'default-batch'] as const;

export const tokenFields: FieldTable = {
  token_ttl: { type: 'duration', description: 'The initial ttl of the token to generate' },
  token_max_ttl: { type: 'duration', description: 'The maximum lifetime of the generated token' },
  token_policies: { type: 'strings', description: 'Comma-separated list of policies' },
  token_bound_cidrs: { type: 'strings', description: 'Comma separated string or JSON list of CIDR blocks. If set, specifies the blocks of IP addresses which are allowed to use the generated token.' },
  token_explicit_max_ttl: { type: 'duration', description: 'If set, tokens created via this role carry an explicit maximum TTL.' },
  token_no_default_policy: { type: 'bool', description: "If true, the 'default' policy will not automatically be added to generated tokens" },
  token_num_uses: { type: 'int', description: 'The maximum number of times a token may be used, a value of zero means unlimited' },
  token_period: { type: 'duration', description: 'If set, tokens created via this role will have no max lifetime; instead, their renewal period will be fixed to this value.' },
  token_type: { type: 'string', default: 'default', description: 'The type of token to generate, service or batch' },
  // Deprecated aliases Vault still accepts.
  policies: { type: 'strings', deprecated: true, description: 'Use "token_policies" instead.' },
  ttl: { type: 'duration', deprecated: true, description: 'Use "token_ttl" instead.' },
  max_ttl: { type: 'duration', deprecated: true, description: 'Use "token_max_ttl" instead.' },
  period: { type: 'duration', deprecated: true, description: 'Use "token_period" instead.' },
  bound_cidrs: { type: 'strings', deprecated: true, description: 'Use "token_bound_cidrs" instead.' },
  num_uses: { type: 'int', deprecated: true, description: 'Use "token_num_uses" instead.' },
};

export function defaultTokenParams(): TokenParams {
  return {
    token_ttl: 0, token_max_ttl: 0, token_policies: [], token_bound_cidrs: [], token_explicit_max_ttl: 0,
    token_no_default_policy: false, token_num_uses: 0, token_period: 0, token_type: 'default',
  };
}

const ALIASES: [keyof TokenParams, string][] = [
  ['token_policies', 'policies'], ['token_ttl', 'ttl'], ['token_max_ttl', 'max_ttl'], ['token_period', 'period'],
  ['token_bound_cidrs', 'bound_cidrs'], ['token_num_uses', 'num_uses'],
];

/** Applies the fields the client sent on top of `current` (create: defaults; update: stored). */
export function parseTokenParams(d: FieldData, current: TokenParams = defaultTokenParams()): TokenParams {
  const out: TokenParams = { ...current, token_policies: [...current.token_policies], token_bound_cidrs: [...current.token_bound_cidrs] };
  for (const key of Object.keys(out) as (keyof TokenParams)[]) {
    const alias = ALIASES.find(([k]) => k === key)?.[1];
    if (d.has(key)) (out as unknown as Record<string, unknown>)[key] = d.get(key);
    else if (alias && d.has(alias)) (out as unknown as Record<string, unknown>)[key] = d.get(alias);
  }
  if (out.token_num_uses < 0) throw badRequest('token_num_uses cannot be negative');
  if (!(TOKEN_TYPES as readonly string[]).includes(out.token_type)) throw badRequest(`invalid 'token_type' value "${out.token_type}"`);
  if (out.token_max_ttl && out.token_ttl > out.token_max_ttl) throw badRequest('"token_ttl" cannot be greater than "token_max_ttl"');
  for (const c of out.token_bound_cidrs) {
    if (!isCIDR(c)) throw badRequest(`invalid CIDR "${c}" in token_bound_cidrs`);
  }
  return out;
}

export function tokenParamsJSON(p: TokenParams): Record<string, unknown> {
  return { ...p, token_policies: p.token_policies, policies: p.token_policies };
}

/** The Auth block a login returns, from the role's token params. */
export function authFromParams(p: TokenParams, extra: Partial<Auth>): Auth {
  return {
    policies: p.token_policies,
    ttl: p.token_ttl,
    maxTTL: p.token_max_ttl,
    explicitMaxTTL: p.token_explicit_max_ttl,
    period: p.token_period,
    numUses: p.token_num_uses,
    boundCIDRs: p.token_bound_cidrs,
    noDefaultPolicy: p.token_no_default_policy,
    tokenType: p.token_type as Auth['tokenType'],
    renewable: true,
    ...extra,
  };
}

/**
 * Vault's policyutil.EquivPolicies: the same set of policies, "default" left out (core may
 * have added it). A login's token is not renewed once its user or certificate entry grants
 * other policies.
 */
export function samePolicies(a: string[], b: string[]): boolean {
  const set = (l: string[]) => new Set(l.filter((p) => p !== 'default'));
  const x = set(a);
  const y = set(b);
  return x.size === y.size && [...x].every((p) => y.has(p));
}
