/**
 * auth/<mount>/login of the jwt method: validate the JWT against the configured key set (locally:
 * no round trip to the issuer once its keys are cached), check the role's bound audiences, subject
 * and claims, and name the identity from user_claim (alias) and groups_claim (group aliases).
 */
import type { FieldData } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import type { LogicalStorage } from '../../framework/types.js';
import { badRequest, permissionDenied } from '../../lib/errors.js';
import { cidrAllows } from '../../core/tokens/token-info.js';
import { authFromParams } from '../token-fields.js';
import { extractMetadata, getClaim, normalizeList, validateBoundClaims } from './claims.js';
import { keySetFor, readJwtConfig } from './config.js';
import { readJwtRole } from './role.js';
import { ALL_ALGORITHMS, audienceList, validateJwt, type KeySet } from './validator.js';

export interface JwtLoginDeps {
  storage: LogicalStorage;
  /** The cached key set of the current configuration (reset when the config changes). */
  keySet(): Promise<KeySet>;
}

export async function jwtLogin(deps: JwtLoginDeps, req: Request, d: FieldData): Promise<Response> {
  const config = await readJwtConfig(deps.storage);
  if (!config) throw badRequest('could not load configuration');
  const roleName = d.str('role') || config.default_role;
  if (!roleName) throw badRequest('missing role');
  const role = await readJwtRole(deps.storage, roleName);
  if (!role) throw badRequest(`role "${roleName}" could not be found`);
  if (role.role_type === 'oidc') throw badRequest('role with oidc role_type is not allowed');
  const token = d.str('jwt').trim();
  if (!token) throw badRequest('missing token');
  if (role.token_bound_cidrs.length && !cidrAllows(role.token_bound_cidrs, req.remoteAddr)) throw permissionDenied();

  let keySet: KeySet;
  try {
    keySet = await deps.keySet();
  } catch (e) {
    throw badRequest(`error configuring token validator: ${(e as Error).message}`);
  }
  let claims: Record<string, unknown>;
  try {
    claims = await validateJwt(token, keySet, {
      issuer: config.bound_issuer || undefined, subject: role.bound_subject || undefined, audiences: role.bound_audiences,
      algorithms: config.jwt_supported_algs.length ? config.jwt_supported_algs : ALL_ALGORITHMS,
      notBeforeLeeway: role.not_before_leeway, expirationLeeway: role.expiration_leeway, clockSkewLeeway: role.clock_skew_leeway,
    });
  } catch (e) {
    throw badRequest(`error validating token: ${(e as Error).message}`);
  }
  if (!role.bound_audiences.length && audienceList(claims.aud).length) throw badRequest('audience claim found in JWT but no audiences bound to the role');

  const userRaw = role.user_claim_json_pointer ? getClaim(claims, role.user_claim) : claims[role.user_claim];
  if (userRaw === undefined || userRaw === null) throw badRequest(`claim "${role.user_claim}" not found in token`);
  if (typeof userRaw !== 'string') throw badRequest(`claim "${role.user_claim}" could not be converted to string`);
  let metadata: Record<string, string>;
  try {
    metadata = extractMetadata(claims, role.claim_mappings);
  } catch (e) {
    throw badRequest((e as Error).message);
  }
  metadata.role = roleName;
  const groupAliases: { name: string }[] = [];
  if (role.groups_claim) {
    const raw = getClaim(claims, role.groups_claim);
    if (raw === undefined || raw === null) throw badRequest(`failed to fetch groups: "${role.groups_claim}" claim not found in token`);
    const groups = normalizeList(raw);
    if (!groups) throw badRequest(`"${role.groups_claim}" claim could not be converted to string list`);
    for (const g of groups) {
      if (typeof g !== 'string') throw badRequest(`value ${JSON.stringify(g)} in groups claim could not be parsed as string`);
      if (g) groupAliases.push({ name: g });
    }
  }
  try {
    validateBoundClaims(role.bound_claims_type, role.bound_claims, claims);
  } catch (e) {
    throw badRequest(`error validating claims: ${(e as Error).message}`);
  }
  return {
    auth: authFromParams(role, {
      displayName: userRaw, alias: { name: userRaw, metadata }, groupAliases, internal: { role: roleName }, metadata: { ...metadata },
    }),
  };
}
