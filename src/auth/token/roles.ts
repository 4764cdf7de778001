/** Token roles (auth/token/roles/:role_name): what tokens created through a role may carry. */
import type { LogicalStorage } from '../../framework/types.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import { badRequest } from '../../lib/errors.js';
import { globMatch } from '../../lib/glob.js';

export interface TokenRole {
  name: string;
  allowed_policies: string[];
  disallowed_policies: string[];
  allowed_policies_glob: string[];
  disallowed_policies_glob: string[];
  orphan: boolean;
  renewable: boolean;
  path_suffix: string;
  allowed_entity_aliases: string[];
  token_period: number;
  token_explicit_max_ttl: number;
  token_type: string;
  token_bound_cidrs: string[];
  token_no_default_policy: boolean;
  token_num_uses: number;
}

export const roleFields: FieldTable = {
  role_name: { type: 'string' },
  allowed_policies: { type: 'strings', description: 'If set, tokens can be created with any subset of the policies in this list, rather than the normal semantics of tokens being a subset of the calling token\'s policies.' },
  disallowed_policies: { type: 'strings', description: 'If set, successful token creation via this role will require that no policies in the given list are requested.' },
  allowed_policies_glob: { type: 'strings' },
  disallowed_policies_glob: { type: 'strings' },
  orphan: { type: 'bool', description: 'If true, tokens created via this role will be orphan tokens (have no parent).' },
  renewable: { type: 'bool', default: true, description: 'Tokens created via this role will be renewable or not according to this value.' },
  path_suffix: { type: 'string', description: 'If set, tokens created via this role will contain the given suffix as a part of their path.' },
  allowed_entity_aliases: { type: 'strings' },
  token_period: { type: 'duration' },
  period: { type: 'duration', deprecated: true },
  token_explicit_max_ttl: { type: 'duration' },
  explicit_max_ttl: { type: 'duration', deprecated: true },
  token_type: { type: 'string', default: 'default-service' },
  token_bound_cidrs: { type: 'strings' },
  bound_cidrs: { type: 'strings', deprecated: true },
  token_no_default_policy: { type: 'bool' },
  token_num_uses: { type: 'int' },
};

export function parseRole(name: string, d: FieldData, existing?: TokenRole): TokenRole {
  const r: TokenRole = existing ? { ...existing } : {
    name, allowed_policies: [], disallowed_policies: [], allowed_policies_glob: [], disallowed_policies_glob: [], orphan: false,
    renewable: true, path_suffix: '', allowed_entity_aliases: [], token_period: 0, token_explicit_max_ttl: 0, token_type: 'default-service',
    token_bound_cidrs: [], token_no_default_policy: false, token_num_uses: 0,
  };
  const set = <K extends keyof TokenRole>(k: K, alias?: string) => {
    if (d.has(k as string)) r[k] = d.get(k as string) as TokenRole[K];
    else if (alias && d.has(alias)) r[k] = d.get(alias) as TokenRole[K];
  };
  set('allowed_policies'); set('disallowed_policies'); set('allowed_policies_glob'); set('disallowed_policies_glob');
  set('orphan'); set('renewable'); set('path_suffix'); set('allowed_entity_aliases');
  set('token_period', 'period'); set('token_explicit_max_ttl', 'explicit_max_ttl'); set('token_type');
  set('token_bound_cidrs', 'bound_cidrs'); set('token_no_default_policy'); set('token_num_uses');
  if (r.path_suffix && (r.path_suffix.includes('..') || !/^[\w.\-/]+$/.test(r.path_suffix))) throw badRequest('path_suffix contains invalid characters');
  if (!['service', 'batch', 'default-service', 'default-batch', 'default'].includes(r.token_type)) throw badRequest(`invalid 'token_type' value "${r.token_type}"`);
  if (r.token_type === 'batch' && r.token_period) throw badRequest('batch tokens cannot be periodic');
  r.allowed_policies = r.allowed_policies.map((p) => p.toLowerCase());
  r.disallowed_policies = r.disallowed_policies.map((p) => p.toLowerCase());
  return r;
}

export function roleJSON(r: TokenRole): Record<string, unknown> {
  return {
    ...r,
    period: r.token_period,
    explicit_max_ttl: r.token_explicit_max_ttl,
    bound_cidrs: r.token_bound_cidrs,
  };
}

/** Vault's policy rules for create/:role. Returns the final policy list. */
export function applyRolePolicies(role: TokenRole, requested: string[] | undefined, noDefault: boolean): string[] {
  let policies = (requested ?? []).map((p) => p.toLowerCase());
  const hasAllowList = role.allowed_policies.length > 0 || role.allowed_policies_glob.length > 0;
  if (!requested || requested.length === 0) {
    policies = role.allowed_policies.filter((p) => !role.disallowed_policies.includes(p));
  }
  const withDefault = noDefault || role.token_no_default_policy || policies.includes('default') ? policies : [...policies, 'default'];
  if (hasAllowList) {
    const allowed = (p: string) => p === 'default' || role.allowed_policies.includes(p) || role.allowed_policies_glob.some((g) => globMatch(g, p));
    const bad = policies.filter((p) => !allowed(p));
    if (bad.length) throw badRequest(`token policies (${JSON.stringify(policies)}) must be subset of the role's allowed policies (${JSON.stringify(role.allowed_policies)})`);
  }
  const dis = withDefault.filter((p) => role.disallowed_policies.includes(p) || role.disallowed_policies_glob.some((g) => globMatch(g, p)));
  if (dis.length) throw badRequest(`token policy ${JSON.stringify(dis[0])} is disallowed by this role`);
  return [...new Set(withDefault)].sort();
}

export const roleStore = (s: LogicalStorage) => ({
  get: (name: string) => s.getJSON<TokenRole>(`role/${name.toLowerCase()}`),
  put: (r: TokenRole) => s.putJSON(`role/${r.name.toLowerCase()}`, r),
  delete: (name: string) => s.delete(`role/${name.toLowerCase()}`),
  list: () => s.list('role/'),
});
