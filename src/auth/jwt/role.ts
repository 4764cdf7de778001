/**
 * auth/<mount>/role/:name of the jwt/oidc method: which tokens a role accepts (bound audiences,
 * subject, claims), how the identity is named (user_claim, groups_claim, claim_mappings), the
 * leeways, and the token_* settings. Only role_type=jwt roles can log in with a JWT.
 */
import type { PathDef, SystemView } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { LogicalStorage, Request } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { formatDuration } from '../../lib/duration.js';
import { defaultTokenParams, parseTokenParams, tokenFields, tokenParamsJSON, type TokenParams } from '../token-fields.js';
import { normalizeList } from './claims.js';

export interface JwtRole extends TokenParams {
  role_type: string;
  bound_audiences: string[];
  bound_subject: string;
  bound_claims_type: string;
  bound_claims: Record<string, unknown>;
  claim_mappings: Record<string, string>;
  user_claim: string;
  user_claim_json_pointer: boolean;
  groups_claim: string;
  expiration_leeway: number;
  not_before_leeway: number;
  clock_skew_leeway: number;
  oidc_scopes: string[];
  allowed_redirect_uris: string[];
  verbose_oidc_logging: boolean;
  max_age: number;
}

export const roleFields: FieldTable = {
  name: { type: 'string', description: 'Name of the role.' },
  role_type: { type: 'string', description: 'Type of the role, either "jwt" or "oidc".' },
  expiration_leeway: { type: 'signed_duration', default: 150, description: 'Duration in seconds of leeway when validating expiration of a token to account for clock skew. Defaults to 150 (2.5 minutes) if set to 0 and can be disabled if set to -1.' },
  not_before_leeway: { type: 'signed_duration', default: 150, description: 'Duration in seconds of leeway when validating not before values of a token to account for clock skew. Defaults to 150 (2.5 minutes) if set to 0 and can be disabled if set to -1.' },
  clock_skew_leeway: { type: 'signed_duration', default: 60, description: 'Duration in seconds of leeway when validating all claims to account for clock skew. Defaults to 60 (1 minute) if set to 0 and can be disabled if set to -1.' },
  bound_subject: { type: 'string', description: "The 'sub' claim that is valid for login. Optional." },
  bound_audiences: { type: 'strings', description: "Comma-separated list of 'aud' claims that are valid for login; any match is sufficient" },
  bound_claims_type: { type: 'string', default: 'string', description: 'How to interpret values in the map of claims/values (which must match for login): allowed values are "string" or "glob"' },
  bound_claims: { type: 'map', description: 'Map of claims/values which must match for login' },
  claim_mappings: { type: 'kvpairs', description: 'Mappings of claims (key) that will be copied to a metadata field (value)' },
  user_claim: { type: 'string', description: 'The claim to use for the Identity entity alias name' },
  user_claim_json_pointer: { type: 'bool', description: 'If true, the user_claim value will use JSON pointer syntax for referencing claims.' },
  groups_claim: { type: 'string', description: 'The claim to use for the Identity group alias names' },
  oidc_scopes: { type: 'strings', description: 'List of OIDC scopes to be used with an OIDC role. The standard scope "openid" is automatically included and need not be specified.' },
  allowed_redirect_uris: { type: 'strings', description: 'Comma-separated list of allowed values for redirect_uri' },
  verbose_oidc_logging: { type: 'bool', description: 'Log received OIDC tokens and claims when debug-level logging is active.' },
  max_age: { type: 'duration', description: 'Specifies the allowable elapsed time in seconds since the last time the user was actively authenticated.' },
  ...tokenFields,
};

const RESERVED_METADATA = ['role'];
const roleKey = (name: string) => `role/${name.toLowerCase()}`;

export const readJwtRole = (storage: LogicalStorage, name: string) => storage.getJSON<JwtRole>(roleKey(name));

function newRole(): JwtRole {
  return {
    ...defaultTokenParams(), role_type: 'oidc', bound_audiences: [], bound_subject: '', bound_claims_type: 'string', bound_claims: {},
    claim_mappings: {}, user_claim: '', user_claim_json_pointer: false, groups_claim: '', expiration_leeway: 0, not_before_leeway: 0,
    clock_skew_leeway: 0, oidc_scopes: [], allowed_redirect_uris: [], verbose_oidc_logging: false, max_age: 0,
  };
}

export function jwtRolePaths(storage: LogicalStorage, system: SystemView): PathDef[] {
  const write = async (_req: Request, d: FieldData) => {
    const name = d.str('name');
    if (!name) throw badRequest('missing role name');
    const existing = await readJwtRole(storage, name);
    const base = existing ?? newRole();
    const role: JwtRole = { ...base, ...parseTokenParams(d, base) };
    const roleType = d.str('role_type') || 'oidc';
    if (roleType !== 'jwt' && roleType !== 'oidc') throw badRequest(`invalid 'role_type': ${roleType}`);
    role.role_type = roleType;
    if (role.token_period > system.maxLeaseTTL()) {
      throw badRequest(`'period' of '"${formatDuration(role.token_period)}"' is greater than the backend's maximum lease TTL of '"${formatDuration(system.maxLeaseTTL())}"'`);
    }
    for (const k of ['expiration_leeway', 'not_before_leeway', 'clock_skew_leeway', 'max_age'] as const) if (d.has(k)) role[k] = d.int(k);
    for (const k of ['bound_audiences', 'oidc_scopes', 'allowed_redirect_uris'] as const) if (d.has(k)) role[k] = d.list(k);
    for (const k of ['bound_subject', 'user_claim', 'groups_claim'] as const) if (d.has(k)) role[k] = d.str(k);
    for (const k of ['verbose_oidc_logging', 'user_claim_json_pointer'] as const) if (d.has(k)) role[k] = d.bool(k);
    const claimsType = d.str('bound_claims_type');
    if (claimsType !== 'string' && claimsType !== 'glob') throw badRequest(`invalid 'bound_claims_type': ${claimsType}`);
    role.bound_claims_type = claimsType;
    if (d.has('bound_claims')) {
      role.bound_claims = d.get<Record<string, unknown>>('bound_claims');
      if (claimsType === 'glob') {
        for (const values of Object.values(role.bound_claims)) {
          const list = normalizeList(values);
          if (!list) throw badRequest(`claim is not a string or list: ${JSON.stringify(values)}`);
          for (const v of list) if (typeof v !== 'string') throw badRequest(`claim is not a string: ${JSON.stringify(v)}`);
        }
      }
    }
    if (d.has('claim_mappings')) {
      const mappings = d.get<Record<string, string>>('claim_mappings');
      const targets = new Set<string>();
      for (const target of Object.values(mappings)) {
        if (RESERVED_METADATA.includes(target)) throw badRequest(`metadata key "${target}" is reserved and may not be a mapping destination`);
        if (targets.has(target)) throw badRequest(`multiple keys are mapped to metadata key "${target}"`);
        targets.add(target);
      }
      role.claim_mappings = mappings;
    }
    if (!role.user_claim) throw badRequest('a user claim must be defined on the role');
    if (role.role_type === 'oidc' && !role.allowed_redirect_uris.length) {
      throw badRequest("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
    }
    if (role.role_type !== 'oidc' && !role.bound_audiences.length && !role.token_bound_cidrs.length && !role.bound_subject && !Object.keys(role.bound_claims).length) {
      throw badRequest('must have at least one bound constraint when creating/updating a role');
    }
    if (role.token_max_ttl > 0 && role.token_ttl > role.token_max_ttl) throw badRequest('ttl should not be greater than max ttl');
    const warnings: string[] = [];
    if (role.token_max_ttl > system.maxLeaseTTL()) {
      warnings.push("token max ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated");
    }
    await storage.putJSON(roleKey(name), role);
    return warnings.length ? { warnings } : null;
  };

  return [
    { pattern: 'role', synopsis: 'Lists all the roles registered with the backend.', operations: { list: async () => ({ data: { keys: (await storage.list('role/')).sort() } }) } },
    {
      pattern: 'role/:name',
      fields: roleFields,
      synopsis: 'Register an role with the backend.',
      existenceCheck: async (_r, d) => (await readJwtRole(storage, d.str('name'))) !== undefined,
      operations: {
        read: async (_r, d) => {
          const role = await readJwtRole(storage, d.str('name'));
          if (!role) return null;
          const tokenPart = defaultTokenParams();
          for (const k of Object.keys(tokenPart) as (keyof TokenParams)[]) (tokenPart as unknown as Record<string, unknown>)[k] = role[k];
          const { role_type, expiration_leeway, not_before_leeway, clock_skew_leeway, bound_audiences, bound_subject, bound_claims_type, bound_claims,
            claim_mappings, user_claim, user_claim_json_pointer, groups_claim, allowed_redirect_uris, oidc_scopes, verbose_oidc_logging, max_age } = role;
          return {
            data: {
              role_type, expiration_leeway, not_before_leeway, clock_skew_leeway, bound_audiences, bound_subject, bound_claims_type, bound_claims,
              claim_mappings, user_claim, user_claim_json_pointer, groups_claim, allowed_redirect_uris, oidc_scopes, verbose_oidc_logging, max_age,
              ...tokenParamsJSON(tokenPart),
            },
          };
        },
        create: write,
        update: write,
        delete: async (_r, d) => { await storage.delete(roleKey(d.str('name'))); return null; },
      },
    },
  ];
}
