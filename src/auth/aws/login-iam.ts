/**
 * The iam login: the client's signed sts:GetCallerIdentity request goes to STS (sts.ts), whose
 * answer names the principal; Vault's checks follow (bound_iam_principal_arn exact or `*` glob),
 * and the token gets Vault's metadata and alias.
 *
 * Differences from Vault, because Coffer does not call the IAM API: a wildcard bound is matched
 * against the ARN with the path STS reports (users and roles carry it; an assumed role's path is
 * unknown, so its canonical ARN is used, where Vault would ask IAM GetRole). A role inferring
 * ec2_instance needs DescribeInstances, so AWS credentials in config/client; without them the
 * login is refused with a message saying so.
 */
import type { FieldData } from '../../framework/fields.js';
import type { Auth, LogicalStorage, Request, Response } from '../../framework/types.js';
import { badRequest, permissionDenied } from '../../lib/errors.js';
import { globMatch } from '../../lib/glob.js';
import { cidrAllows } from '../../core/tokens/token-info.js';
import { authFromParams } from '../token-fields.js';
import { canonicalArn, knownFullArn, parseIamArn, type IamEntity } from './arn.js';
import { DEFAULT_STS_ENDPOINT, readClientConfig } from './config-client.js';
import { IAM_METADATA, readIdentityConfig, selectMetadata } from './config-identity.js';
import { EC2_ENTITY_TYPE, readRole, type AwsRole } from './role.js';
import { describeIfConfigured, instanceBoundsError } from './login-ec2.js';
import { checkAllowedHeaders, checkRequestBody, checkServerIdHeader, parseHeaderField, submitCallerIdentity, type CallerIdentity } from './sts.js';

export interface IamDeps { storage: LogicalStorage }

function decodeB64(value: string, field: string): string {
  if (!/^[A-Za-z0-9+/=\s]*$/.test(value)) throw badRequest(`failed to base64 decode ${field}`);
  return Buffer.from(value, 'base64').toString('utf8');
}

async function callerFromRequest(deps: IamDeps, d: FieldData): Promise<{ caller: CallerIdentity; entity: IamEntity }> {
  const method = d.str('iam_http_request_method');
  if (!method) throw badRequest('missing iam_http_request_method');
  if (method !== 'POST') throw badRequest("invalid iam_http_request_method; currently only 'POST' is supported");
  const rawUrl = d.str('iam_request_url');
  if (!rawUrl) throw badRequest('missing iam_request_url');
  let url: URL;
  try {
    url = new URL(decodeB64(rawUrl, 'iam_request_url'));
  } catch (e) {
    if ((e as { status?: number }).status) throw e;
    throw badRequest('error parsing iam_request_url');
  }
  // A query string could carry another Action past the body check.
  if (url.search) throw badRequest('invalid request');
  const rawBody = d.str('iam_request_body');
  if (!rawBody) throw badRequest('missing iam_request_body');
  const body = decodeB64(rawBody, 'iam_request_body');
  checkRequestBody(body);
  const headers = parseHeaderField(d.get('iam_request_headers'));
  if (!Object.keys(headers).length) throw badRequest('missing iam_request_headers');

  const config = await readClientConfig(deps.storage);
  if (config?.iam_server_id_header_value) checkServerIdHeader(headers, config.iam_server_id_header_value);
  checkAllowedHeaders(headers, config?.allowed_sts_header_values ?? []);
  let caller: CallerIdentity;
  try {
    caller = await submitCallerIdentity({ endpoint: config?.sts_endpoint || DEFAULT_STS_ENDPOINT, maxRetries: config?.max_retries ?? -1 }, method, url, body, headers);
  } catch (e) {
    throw badRequest(`error making upstream request: ${(e as Error).message}`);
  }
  let entity: IamEntity;
  try {
    entity = parseIamArn(caller.arn);
  } catch (e) {
    throw badRequest(`error parsing arn "${caller.arn}": ${(e as Error).message}`);
  }
  return { caller, entity };
}

/** Vault's three ways through bound_iam_principal_arn: resolved unique id, exact canonical ARN, glob. */
function principalAllowed(role: AwsRole, caller: CallerIdentity, entity: IamEntity, uniqueId: string): boolean {
  if (role.bound_iam_principal_id.includes(uniqueId)) return true;
  if (!role.resolve_aws_unique_ids && role.bound_iam_principal_arn.includes(canonicalArn(entity))) return true;
  const full = knownFullArn(entity);
  return role.bound_iam_principal_arn.some((p) => p.endsWith('*') && globMatch(p, full));
}

export async function iamLogin(deps: IamDeps, req: Request, d: FieldData): Promise<Response> {
  const { caller, entity } = await callerFromRequest(deps, d);
  const roleName = d.str('role') || entity.friendlyName;
  const role = await readRole(deps.storage, roleName);
  if (!role) throw badRequest(`entry for role ${roleName} not found`);
  if (role.token_bound_cidrs.length && !cidrAllows(role.token_bound_cidrs, req.remoteAddr)) throw permissionDenied();
  if (role.auth_type !== 'iam') throw badRequest(`auth method iam not allowed for role ${roleName}`);

  // "AROA…:session" for an assumed role, "AIDA…" for a user: the part before the colon is stable.
  const uniqueId = caller.userId.split(':')[0]!;
  const identity = await readIdentityConfig(deps.storage);
  const aliasName = identity.iam_alias === 'unique_id' ? uniqueId : identity.iam_alias === 'full_arn' ? caller.arn : role.role_id;

  if (role.bound_iam_principal_arn.length && !principalAllowed(role, caller, entity, uniqueId)) {
    throw badRequest(`IAM Principal "${caller.arn}" does not belong to the role "${roleName}"`);
  }
  let inferredEntityType = '';
  let inferredEntityId = '';
  if (role.inferred_entity_type === EC2_ENTITY_TYPE) {
    // The session name of an instance profile's role session is the instance id.
    const instanceId = entity.sessionInfo;
    const region = role.inferred_aws_region;
    const why = (m: string) => badRequest(`failed to verify ${instanceId} as a valid EC2 instance in region ${region}: ${m}`);
    let instance;
    try {
      instance = await describeIfConfigured(deps.storage, instanceId, region);
    } catch (e) {
      throw why((e as Error).message);
    }
    if (!instance) throw why('inferring an EC2 instance needs the EC2 API (DescribeInstances); configure AWS credentials with config/client');
    const unmet = instanceBoundsError(role, roleName, { instanceId: instance.instanceId, imageId: instance.imageId, accountId: caller.account, region, pendingTime: instance.launchTime }, instance);
    if (unmet) throw badRequest(`error validating instance: ${unmet}`);
    inferredEntityType = EC2_ENTITY_TYPE;
    inferredEntityId = instanceId;
  }

  const facts = {
    client_arn: caller.arn, canonical_arn: canonicalArn(entity), client_user_id: uniqueId, auth_type: 'iam',
    inferred_entity_type: inferredEntityType, inferred_entity_id: inferredEntityId, inferred_aws_region: role.inferred_aws_region, account_id: entity.accountNumber,
  };
  const chosen = selectMetadata(IAM_METADATA, identity.iam_metadata, facts);
  const auth: Auth = authFromParams(role, {
    metadata: { role_id: role.role_id, ...chosen },
    alias: { name: aliasName, metadata: chosen },
    internal: {
      auth_type: 'iam', role_name: roleName, role_id: role.role_id, canonical_arn: canonicalArn(entity), client_user_id: uniqueId,
      full_arn: knownFullArn(entity), account_id: entity.accountNumber, inferred_entity_id: inferredEntityId, inferred_aws_region: role.inferred_aws_region,
    },
    displayName: entity.type === 'assumed-role' ? `${entity.friendlyName}/${entity.sessionInfo}` : entity.friendlyName,
  });
  return { auth };
}

/** Renewal: the role must still exist, be the same role, and still admit the principal. */
export async function iamRenew(deps: IamDeps, auth: Auth): Promise<Auth> {
  const roleName = String(auth.internal?.role_name ?? '');
  const role = roleName ? await readRole(deps.storage, roleName) : undefined;
  if (!role) throw badRequest('role entry not found');
  if (role.role_id !== auth.internal?.role_id) throw badRequest('role ID on token does not match role ID on role');
  const canonical = String(auth.internal?.canonical_arn ?? '');
  const uniqueId = String(auth.internal?.client_user_id ?? '');
  const full = String(auth.internal?.full_arn ?? canonical);
  const stillBound = !role.bound_iam_principal_arn.length
    || role.bound_iam_principal_id.includes(uniqueId)
    || (!role.resolve_aws_unique_ids && role.bound_iam_principal_arn.includes(canonical))
    || role.bound_iam_principal_arn.some((p) => p.endsWith('*') && globMatch(p, full));
  if (!stillBound) throw badRequest(`role "${roleName}" no longer bound to ARN "${canonical}"`);
  return { ...auth, ttl: role.token_ttl, maxTTL: role.token_max_ttl, period: role.token_period };
}
