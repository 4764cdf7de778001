/**
 * auth/<mount>/role/:role (and LIST role, roles): which AWS principals or EC2 instances may log
 * in, with Vault's rules. auth_type is ec2 or iam (iam when not given, as Vault defaults on an
 * `aws` mount) and cannot change; EC2 bounds need auth_type=ec2 or an iam role inferring
 * ec2_instance; at least one bound is required. Names are case-insensitive (stored lower-cased).
 *
 * resolve_aws_unique_ids: Vault (default true) asks IAM for the unique id behind each bound ARN.
 * Coffer does not call the IAM API, so it defaults to false here and an explicit true with an ARN
 * that would need resolving is refused with a 400 that says so (docs/aws-auth.md).
 */
import { randomUUID } from 'node:crypto';
import type { PathDef, SystemView } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { LogicalStorage, Request } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { formatDuration } from '../../lib/duration.js';
import { defaultTokenParams, parseTokenParams, tokenFields, tokenParamsJSON, type TokenParams } from '../token-fields.js';

export const EC2_ENTITY_TYPE = 'ec2_instance';

export interface AwsRole extends TokenParams {
  role_id: string;
  auth_type: 'ec2' | 'iam';
  bound_ami_id: string[];
  bound_account_id: string[];
  bound_ec2_instance_id: string[];
  bound_iam_principal_arn: string[];
  bound_iam_principal_id: string[];
  bound_iam_role_arn: string[];
  bound_iam_instance_profile_arn: string[];
  bound_region: string[];
  bound_subnet_id: string[];
  bound_vpc_id: string[];
  inferred_entity_type: string;
  inferred_aws_region: string;
  resolve_aws_unique_ids: boolean;
  role_tag: string;
  allow_instance_migration: boolean;
  disallow_reauthentication: boolean;
  /** Signs this role's role tags; never returned. */
  hmac_key: string;
}

const LIST_FIELDS = [
  'bound_ami_id', 'bound_account_id', 'bound_region', 'bound_vpc_id', 'bound_subnet_id', 'bound_iam_role_arn',
  'bound_iam_instance_profile_arn', 'bound_ec2_instance_id',
] as const;

const ec2Note = 'This is only applicable when auth_type is ec2 or inferred_entity_type is ec2_instance.';

export const roleFields: FieldTable = {
  role: { type: 'string', description: 'Name of the role.' },
  auth_type: { type: 'string', description: 'The auth_type permitted to authenticate to this role. Must be one of iam or ec2 and cannot be changed after role creation.' },
  bound_ami_id: { type: 'strings', description: `If set, defines a constraint on the EC2 instances that they should be using one of the AMI IDs specified by this parameter. ${ec2Note}` },
  bound_account_id: { type: 'strings', description: `If set, defines a constraint on the EC2 instances that the account ID in its identity document to match one of the IDs specified by this parameter. ${ec2Note}` },
  bound_iam_principal_arn: { type: 'strings', description: 'ARN of the IAM principals to bind to this role. Only applicable when auth_type is iam.' },
  bound_region: { type: 'strings', description: 'If set, defines a constraint on the EC2 instances that the region in its identity document match one of the regions specified by this parameter. This is only applicable when auth_type is ec2.' },
  bound_iam_role_arn: { type: 'strings', description: `If set, defines a constraint on the authenticating EC2 instance that it must match one of the IAM role ARNs specified by this parameter (prefix-matched). ${ec2Note}` },
  bound_iam_instance_profile_arn: { type: 'strings', description: `If set, defines a constraint on the EC2 instances to be associated with an IAM instance profile ARN which has a prefix that matches one of the values specified by this parameter. ${ec2Note}` },
  bound_ec2_instance_id: { type: 'strings', description: `If set, defines a constraint on the EC2 instances to have one of the given instance IDs. ${ec2Note}` },
  resolve_aws_unique_ids: { type: 'bool', default: false, description: 'If set, resolve all AWS IAM ARNs into AWS\'s internal unique IDs. Coffer does not call the IAM API: only false, or true with wildcard ARNs, is accepted. Once set, this cannot be unset.' },
  inferred_entity_type: { type: 'string', description: 'When auth_type is iam, the AWS entity type to infer from the authenticated principal. The only supported value is ec2_instance.' },
  inferred_aws_region: { type: 'string', description: 'When auth_type is iam and inferred_entity_type is set, the region to assume the inferred entity exists in.' },
  bound_vpc_id: { type: 'strings', description: `If set, defines a constraint on the EC2 instance to be associated with a VPC ID that matches one of the value specified by this parameter. ${ec2Note}` },
  bound_subnet_id: { type: 'strings', description: `If set, defines a constraint on the EC2 instance to be associated with the subnet ID that matches one of the values specified by this parameter. ${ec2Note}` },
  role_tag: { type: 'string', default: '', description: 'If set, enables the role tags for this role. The value is the key of the tag on the EC2 instance. Only allowed if auth_type is ec2.' },
  allow_instance_migration: { type: 'bool', default: false, description: 'If set, allows migration of the underlying instance where the client resides (keys off pendingTime). Only checked when auth_type is ec2.' },
  disallow_reauthentication: { type: 'bool', default: false, description: 'If set, only allows a single token to be granted per instance ID. Only applicable when auth_type is ec2.' },
  ...tokenFields,
};

const roleKey = (name: string) => `role/${name.toLowerCase()}`;

export const readRole = (storage: LogicalStorage, name: string) => storage.getJSON<AwsRole>(roleKey(name));

function newRole(): AwsRole {
  return {
    ...defaultTokenParams(), role_id: randomUUID(), auth_type: 'iam', bound_ami_id: [], bound_account_id: [], bound_ec2_instance_id: [],
    bound_iam_principal_arn: [], bound_iam_principal_id: [], bound_iam_role_arn: [], bound_iam_instance_profile_arn: [], bound_region: [],
    bound_subnet_id: [], bound_vpc_id: [], inferred_entity_type: '', inferred_aws_region: '', resolve_aws_unique_ids: false, role_tag: '',
    allow_instance_migration: false, disallow_reauthentication: false, hmac_key: randomUUID(),
  };
}

/** Vault's checks of bounds against auth_type, in Vault's order and words. */
function checkBinds(role: AwsRole): void {
  let allowEc2 = role.auth_type === 'ec2';
  if (role.inferred_entity_type) {
    if (role.auth_type !== 'iam') throw badRequest("specified inferred_entity_type but didn't allow iam auth_type");
    if (role.inferred_entity_type !== EC2_ENTITY_TYPE) throw badRequest(`specified invalid inferred_entity_type: ${role.inferred_entity_type}`);
    if (!role.inferred_aws_region) throw badRequest('specified inferred_entity_type but not inferred_aws_region');
    allowEc2 = true;
  } else if (role.inferred_aws_region) {
    throw badRequest('specified inferred_aws_region but not inferred_entity_type');
  }
  const ec2Bind = (field: string) => {
    if (!allowEc2) throw badRequest(`specified ${field} but not specifying ec2 auth_type or inferring ${EC2_ENTITY_TYPE}`);
  };
  let binds = 0;
  const order: [keyof AwsRole, () => void][] = [
    ['bound_account_id', () => ec2Bind('bound_account_id')],
    ['bound_region', () => { if (role.auth_type !== 'ec2') throw badRequest('specified bound_region but not specifying ec2 auth_type'); }],
    ['bound_ami_id', () => ec2Bind('bound_ami_id')],
    ['bound_iam_instance_profile_arn', () => ec2Bind('bound_iam_instance_profile_arn')],
    ['bound_ec2_instance_id', () => ec2Bind('bound_ec2_instance_id')],
    ['bound_iam_role_arn', () => ec2Bind('bound_iam_role_arn')],
    ['bound_iam_principal_arn', () => { if (role.auth_type !== 'iam') throw badRequest('specified bound_iam_principal_arn but not specifying iam auth_type'); }],
    ['bound_vpc_id', () => ec2Bind('bound_vpc_id')],
    ['bound_subnet_id', () => ec2Bind('bound_subnet_id')],
  ];
  for (const [field, check] of order) {
    if ((role[field] as string[]).length) {
      check();
      binds++;
    }
  }
  if (binds === 0) throw badRequest('at least one bound parameter should be specified on the role');
}

/** An ec2-only flag: settable only on an ec2 role; on create it takes its default there. */
function ec2Flag(req: Request, d: FieldData, role: AwsRole, field: 'disallow_reauthentication' | 'allow_instance_migration'): void {
  if (d.has(field)) {
    if (role.auth_type !== 'ec2') throw badRequest(`specified ${field} when not using ec2 auth type`);
    role[field] = d.bool(field);
  } else if (req.operation === 'create' && role.auth_type === 'ec2') {
    role[field] = false;
  }
}

export function rolePaths(storage: LogicalStorage, system: SystemView): PathDef[] {
  const write = async (req: Request, d: FieldData) => {
    const name = d.str('role').toLowerCase();
    if (!name) throw badRequest('missing role');
    const existing = await readRole(storage, name);
    const role: AwsRole = existing ? structuredClone(existing) : newRole();
    const creating = !existing;

    for (const f of LIST_FIELDS) if (d.has(f)) role[f] = d.list(f);
    if (d.has('resolve_aws_unique_ids')) {
      const v = d.bool('resolve_aws_unique_ids');
      if (!creating && role.resolve_aws_unique_ids && !v) throw badRequest('changing resolve_aws_unique_ids from true to false is not allowed');
      role.resolve_aws_unique_ids = v;
    }
    if (d.has('bound_iam_principal_arn')) {
      role.bound_iam_principal_arn = d.list('bound_iam_principal_arn');
      role.bound_iam_principal_id = [];
    }
    if (role.resolve_aws_unique_ids && !role.bound_iam_principal_id.length) {
      const needIam = role.bound_iam_principal_arn.find((arn) => !arn.endsWith('*'));
      if (needIam) {
        throw badRequest(`unable to resolve ARN "${needIam}" to internal ID: Coffer does not call the AWS IAM API; set resolve_aws_unique_ids=false (the ARN is then matched as given)`);
      }
    }
    if (d.has('inferred_entity_type')) role.inferred_entity_type = d.str('inferred_entity_type');
    if (d.has('inferred_aws_region')) role.inferred_aws_region = d.str('inferred_aws_region');

    if (d.has('auth_type')) {
      const t = d.str('auth_type');
      if (creating) {
        if (t !== 'ec2' && t !== 'iam') throw badRequest(`unrecognized auth_type: ${t}`);
        role.auth_type = t;
      } else if (t !== role.auth_type) {
        throw badRequest('changing auth_type on a role is not allowed');
      }
    } else if (creating) {
      // As Vault on an `aws` mount: iam unless asked (the legacy `aws-ec2` type defaulted to ec2).
      role.auth_type = req.mountType === 'aws-ec2' ? 'ec2' : 'iam';
    }

    checkBinds(role);
    ec2Flag(req, d, role, 'disallow_reauthentication');
    ec2Flag(req, d, role, 'allow_instance_migration');
    if (role.allow_instance_migration && role.disallow_reauthentication) {
      throw badRequest('cannot specify both disallow_reauthentication=true and allow_instance_migration=true');
    }

    Object.assign(role, parseTokenParams(d, role));
    const warnings: string[] = [];
    const maxLease = system.maxLeaseTTL();
    if (role.token_max_ttl > maxLease) {
      warnings.push(`Given max ttl of ${role.token_max_ttl} seconds greater than current mount/system default of ${maxLease} seconds; max ttl will be capped at login time`);
    }
    if (role.token_max_ttl !== 0 && role.token_max_ttl < role.token_ttl) throw badRequest('ttl should be shorter than max ttl');
    if (role.token_period > maxLease) {
      throw badRequest(`period of "${formatDuration(role.token_period)}" is greater than the backend's maximum lease TTL of "${formatDuration(maxLease)}"`);
    }

    if (d.has('role_tag')) {
      if (role.auth_type !== 'ec2') throw badRequest('tried to enable role_tag when not using ec2 auth method');
      role.role_tag = d.str('role_tag');
      if (role.role_tag.length > 127) throw badRequest('length of role tag exceeds the EC2 key limit of 127 characters');
    }

    if (!role.hmac_key) role.hmac_key = randomUUID();
    await storage.putJSON(roleKey(name), role);
    return warnings.length ? { warnings } : null;
  };

  const list = async () => ({ data: { keys: (await storage.list('role/')).sort() } });
  return [
    { pattern: 'role', synopsis: 'Lists all the roles that are registered with Vault.', operations: { list } },
    { pattern: 'roles', synopsis: 'Lists all the roles that are registered with Vault.', operations: { list } },
    {
      pattern: 'role/:role',
      fields: roleFields,
      synopsis: 'Create a role and associate policies to it.',
      description: 'A precondition for login is that a role should be created in the backend. The login endpoint takes in the role name against which the client should be validated.',
      existenceCheck: async (_r, d) => (await readRole(storage, d.str('role'))) !== undefined,
      operations: {
        read: async (_r, d) => {
          const role = await readRole(storage, d.str('role'));
          return role ? { data: roleJSON(role) } : null;
        },
        create: write,
        update: write,
        delete: async (_r, d) => {
          if (!d.str('role')) throw badRequest('missing role');
          await storage.delete(roleKey(d.str('role')));
          return null;
        },
      },
    },
  ];
}

function roleJSON(r: AwsRole): Record<string, unknown> {
  const token = defaultTokenParams();
  for (const k of Object.keys(token) as (keyof TokenParams)[]) (token as unknown as Record<string, unknown>)[k] = r[k];
  return {
    auth_type: r.auth_type,
    bound_ami_id: r.bound_ami_id,
    bound_account_id: r.bound_account_id,
    bound_ec2_instance_id: r.bound_ec2_instance_id,
    bound_iam_principal_arn: r.bound_iam_principal_arn,
    bound_iam_principal_id: r.bound_iam_principal_id,
    bound_iam_role_arn: r.bound_iam_role_arn,
    bound_iam_instance_profile_arn: r.bound_iam_instance_profile_arn,
    bound_region: r.bound_region,
    bound_subnet_id: r.bound_subnet_id,
    bound_vpc_id: r.bound_vpc_id,
    inferred_entity_type: r.inferred_entity_type,
    inferred_aws_region: r.inferred_aws_region,
    resolve_aws_unique_ids: r.resolve_aws_unique_ids,
    role_id: r.role_id,
    role_tag: r.role_tag,
    allow_instance_migration: r.allow_instance_migration,
    disallow_reauthentication: r.disallow_reauthentication,
    ...tokenParamsJSON(token),
  };
}
