/**
 * The ec2 login: an instance proves who it is with its instance identity document, signed by
 * AWS (the `pkcs7` document, or the plain `identity` document with its base64 SHA256-RSA
 * `signature`), checked against the certificates registered under config/certificate. Then
 * Vault's checks: the role's bounds, and the identity access list with the client nonce.
 *
 * With AWS credentials in config/client (or the environment), Vault's DescribeInstances call is
 * made too: the instance must be running, and bound_subnet_id, bound_vpc_id and
 * bound_iam_instance_profile_arn and role tags are checked against its description. Without
 * credentials the signed document is trusted and a role with those bounds refuses, saying why.
 * Never done (it needs the IAM API): bound_iam_role_arn, refused likewise.
 */
import { randomUUID, verify, type X509Certificate } from 'node:crypto';
import type { FieldData } from '../../framework/fields.js';
import type { Auth, LogicalStorage, Request, Response } from '../../framework/types.js';
import type { SystemView } from '../../framework/backend.js';
import { badRequest, permissionDenied } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { KeyedMutex } from '../../lib/keyed-mutex.js';
import { cidrAllows } from '../../core/tokens/token-info.js';
import { authFromParams } from '../token-fields.js';
import { REAUTH_DISABLED_NONCE, checkReturningInstance, readAccessEntry, writeAccessEntry, type AccessListEntry } from './accesslist.js';
import { registeredCertificates } from './config-certificate.js';
import { EC2_METADATA, readIdentityConfig, selectMetadata } from './config-identity.js';
import { Pkcs7Error, Pkcs7ParseError, verifySignedData } from './pkcs7.js';
import { readRole, type AwsRole } from './role.js';
import { verifyInstanceTag, type RoleTag } from './role-tag.js';
import { formatDuration } from '../../lib/duration.js';
import { readClientConfig } from './config-client.js';
import { describeRunningInstance, ec2Credentials, type InstanceDescription } from './ec2-api.js';
import { globMatch } from '../../lib/glob.js';

export interface Ec2Deps { storage: LogicalStorage; system: SystemView; clock: Clock; locks: KeyedMutex }

export interface IdentityDocument { instanceId: string; imageId: string; accountId: string; region: string; pendingTime: string }

const b64 = /^[A-Za-z0-9+/=\s]*$/;

function parseDocument(bytes: Buffer): IdentityDocument {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw badRequest('failed to unmarshal the instance identity document');
  }
  if (!doc || typeof doc !== 'object') throw badRequest('failed to unmarshal the instance identity document');
  const s = (k: string) => (typeof doc[k] === 'string' ? (doc[k] as string) : '');
  return { instanceId: s('instanceId'), imageId: s('imageId'), accountId: s('accountId'), region: s('region'), pendingTime: s('pendingTime') };
}

function fromPkcs7(text: string, certs: X509Certificate[]): IdentityDocument {
  // The metadata service serves the DER as base64 without PEM armour; accept armour too.
  const body = text.replace(/-----(BEGIN|END) PKCS7-----/g, '');
  if (!b64.test(body)) throw badRequest('failed to decode the PEM encoded PKCS#7 signature');
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (!der.length) throw badRequest('failed to decode the PEM encoded PKCS#7 signature');
  if (!certs.length) throw badRequest('certificates to verify the signature are not found');
  try {
    return parseDocument(verifySignedData(der, certs));
  } catch (e) {
    if (e instanceof Pkcs7ParseError) throw badRequest(e.message);
    if (e instanceof Pkcs7Error) throw badRequest(`failed to verify the signature: ${e.message}`);
    throw badRequest('failed to parse the BER encoded PKCS#7 signature');
  }
}

function fromIdentityAndSignature(identity: Buffer, sig: Buffer, certs: X509Certificate[]): IdentityDocument {
  if (!certs.length) throw badRequest('certificates to verify the signature are not found');
  for (const c of certs) {
    let ok = false;
    try { ok = verify('sha256', identity, c.publicKey, sig); } catch { ok = false; }
    if (ok) return parseDocument(identity);
  }
  throw badRequest('instance identity verification using SHA256 RSA signature is unsuccessful');
}

/** The verified document and the role it logs in to (given, or named after the AMI). */
async function documentAndRole(deps: Ec2Deps, d: FieldData): Promise<{ doc: IdentityDocument; roleName: string; role: AwsRole }> {
  const decode = (field: string, what: string): Buffer => {
    const v = d.str(field);
    if (!v) return Buffer.alloc(0);
    const buf = b64.test(v) ? Buffer.from(v, 'base64') : Buffer.alloc(0);
    if (!buf.length) throw badRequest(`failed to base64 decode the ${what}`);
    return buf;
  };
  const identity = decode('identity', 'instance identity document');
  const signature = decode('signature', 'SHA256 RSA signature of the instance identity document');
  const pkcs7 = d.str('pkcs7');
  if (!pkcs7 && !identity.length && !signature.length) {
    throw badRequest('either pkcs7 or a tuple containing the instance identity document and its SHA256 RSA signature needs to be provided');
  }
  if (pkcs7 && identity.length && signature.length) {
    throw badRequest('both pkcs7 and a tuple containing the instance identity document and its SHA256 RSA signature is supplied; provide only one');
  }
  const doc = pkcs7
    ? fromPkcs7(pkcs7, await registeredCertificates(deps.storage, 'pkcs7'))
    : fromIdentityAndSignature(identity, signature, await registeredCertificates(deps.storage, 'identity'));
  const roleName = d.str('role') || doc.imageId;
  const role = roleName ? await readRole(deps.storage, roleName) : undefined;
  if (!role) throw badRequest(`entry for role "${roleName}" not found`);
  return { doc, roleName, role };
}

/**
 * Vault's verifyInstanceMeetsRoleRequirements: why the instance does not meet the role's bounds,
 * or undefined. The subnet, VPC and instance profile come from DescribeInstances; without it
 * (no AWS credentials configured) a role bounding them refuses, saying why.
 */
export function instanceBoundsError(role: AwsRole, roleName: string, doc: IdentityDocument, instance: InstanceDescription | undefined): string | undefined {
  if (role.bound_ec2_instance_id.length && !role.bound_ec2_instance_id.includes(doc.instanceId)) {
    return `instance ID "${doc.instanceId}" does not belong to the role "${roleName}"`;
  }
  if (role.bound_account_id.length && !role.bound_account_id.includes(doc.accountId)) {
    return `account ID "${doc.accountId}" does not belong to role "${roleName}"`;
  }
  // Vault reads the AMI from DescribeInstances; without it, the signed document states the same AMI.
  const ami = instance ? instance.imageId : doc.imageId;
  if (role.bound_ami_id.length && !role.bound_ami_id.includes(ami)) return `AMI ID "${ami}" does not belong to role "${roleName}"`;
  const needsApi = (f: string) => `${f} needs the instance's description from the EC2 API (DescribeInstances); configure AWS credentials with config/client to use it on role "${roleName}"`;
  if (role.bound_subnet_id.length) {
    if (!instance) return needsApi('bound_subnet_id');
    if (!role.bound_subnet_id.includes(instance.subnetId)) return `subnet ID "${instance.subnetId}" does not satisfy the constraint on role "${roleName}"`;
  }
  if (role.bound_vpc_id.length) {
    if (!instance) return needsApi('bound_vpc_id');
    if (!role.bound_vpc_id.includes(instance.vpcId)) return `VPC ID "${instance.vpcId}" does not satisfy the constraint on role "${roleName}"`;
  }
  if (role.bound_iam_instance_profile_arn.length) {
    if (!instance) return needsApi('bound_iam_instance_profile_arn');
    if (!instance.iamInstanceProfileArn) return 'IAM instance profile ARN in the instance description is nil';
    // Prefix matches (Vault stores these with a trailing *).
    if (!role.bound_iam_instance_profile_arn.some((p) => globMatch(p.endsWith('*') ? p : `${p}*`, instance.iamInstanceProfileArn))) {
      return `IAM instance profile ARN "${instance.iamInstanceProfileArn}" does not satisfy the constraint role "${roleName}"`;
    }
  }
  if (role.bound_iam_role_arn.length) {
    return `bound_iam_role_arn needs the IAM API (GetInstanceProfile), which Coffer does not call; remove it from role "${roleName}"`;
  }
  return undefined;
}

/** DescribeInstances when AWS credentials are configured; undefined (document trusted) otherwise. */
export async function describeIfConfigured(storage: LogicalStorage, instanceId: string, region: string): Promise<InstanceDescription | undefined> {
  const config = await readClientConfig(storage);
  const credentials = ec2Credentials(config);
  if (!credentials) return undefined;
  return describeRunningInstance({ config, credentials, region }, instanceId);
}

export async function ec2Login(deps: Ec2Deps, req: Request, d: FieldData): Promise<Response> {
  const { doc, roleName, role } = await documentAndRole(deps, d);
  if (role.token_bound_cidrs.length && !cidrAllows(role.token_bound_cidrs, req.remoteAddr)) throw permissionDenied();
  if (role.auth_type !== 'ec2') throw badRequest(`auth method ec2 not allowed for role ${roleName}`);
  // The id names the instance's access-list entry: keep it to the characters AWS ids use.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(doc.instanceId)) throw badRequest('instance identity document has no valid instanceId');
  const identity = await readIdentityConfig(deps.storage);
  const aliasName = identity.ec2_alias === 'instance_id' ? doc.instanceId : identity.ec2_alias === 'image_id' ? doc.imageId : role.role_id;

  let instance: InstanceDescription | undefined;
  try {
    instance = await describeIfConfigured(deps.storage, doc.instanceId, doc.region);
  } catch (e) {
    throw badRequest(`failed to verify instance ID: ${(e as Error).message}`);
  }
  if (role.bound_region.length && !role.bound_region.includes(doc.region)) {
    throw badRequest(`Region "${doc.region}" does not satisfy the constraint on role "${roleName}"`);
  }
  const unmet = instanceBoundsError(role, roleName, doc, instance);
  if (unmet) throw badRequest(`Error validating instance: ${unmet}`);
  let policies = role.token_policies;
  let tag: RoleTag | undefined;
  if (role.role_tag) {
    if (!instance) throw badRequest("failed to fetch and verify the role tag: the instance's tags come from the EC2 API (DescribeInstances); configure AWS credentials with config/client");
    try {
      tag = await verifyInstanceTag(deps.storage, role, roleName, doc.instanceId, instance.tags);
    } catch (e) {
      throw badRequest(`failed to fetch and verify the role tag: ${(e as Error).message}`);
    }
    // A tag without policies inherits the role's; one with policies narrows them (checked a subset).
    if (tag.policies.length) policies = tag.policies;
  }

  const nonceSupplied = d.has('nonce');
  // One login per instance at a time: the access list check and its update belong together.
  const { nonce, disallow, shortestMaxTTL } = await deps.locks.run(doc.instanceId, async () => {
    const stored = await readAccessEntry(deps.storage, doc.instanceId);
    let disallow = role.disallow_reauthentication;
    let nonce = nonceSupplied ? d.str('nonce') : '';
    if (nonceSupplied && nonce === '') {
      // An explicitly empty nonce asks for no reauthentication from this instance.
      nonce = REAUTH_DISABLED_NONCE;
      disallow = true;
    }
    if (stored) {
      checkReturningInstance(nonce, doc.pendingTime, stored, role);
      disallow = disallow || stored.disallow_reauthentication;
    }
    if (!nonceSupplied) nonce = randomUUID();
    // A tag may disallow reauthentication; it cannot allow what the role or the list disallows.
    if (!disallow && tag) disallow = tag.disallowReauthentication;

    const maxLease = deps.system.maxLeaseTTL();
    let shortestMaxTTL = role.token_max_ttl > 0 && role.token_max_ttl < maxLease ? role.token_max_ttl : maxLease;
    if (tag && tag.maxTTL > 0 && tag.maxTTL < shortestMaxTTL) shortestMaxTTL = tag.maxTTL;
    const longestMaxTTL = Math.max(role.token_max_ttl, maxLease, tag?.maxTTL ?? 0);
    const now = deps.clock.now();
    const entry: AccessListEntry = stored
      ? { ...stored }
      : { role: roleName, client_nonce: nonce, creation_time: now, disallow_reauthentication: false, pending_time: '', expiration_time: 0, last_updated_time: 0 };
    entry.last_updated_time = now;
    entry.expiration_time = now + longestMaxTTL * 1000;
    entry.pending_time = doc.pendingTime;
    entry.disallow_reauthentication = disallow;
    if (disallow) entry.client_nonce = '';
    if (nonce.length > 128 && !disallow) throw badRequest('client nonce exceeding the limit of 128 characters');
    await writeAccessEntry(deps.storage, doc.instanceId, entry);
    return { nonce, disallow, shortestMaxTTL };
  });

  const facts = { instance_id: doc.instanceId, region: doc.region, account_id: doc.accountId, ami_id: doc.imageId, auth_type: 'ec2' };
  const chosen = selectMetadata(EC2_METADATA, identity.ec2_metadata, facts);
  const metadata: Record<string, string> = { role_tag_max_ttl: formatDuration(tag?.maxTTL ?? 0), role: roleName, ...chosen };
  if (!disallow && !nonceSupplied) metadata.nonce = nonce;
  const auth: Auth = authFromParams(role, {
    metadata,
    alias: { name: aliasName, metadata: chosen },
    internal: { auth_type: 'ec2', role: roleName, instance_id: doc.instanceId, region: doc.region, account_id: doc.accountId, role_tag_max_ttl: tag?.maxTTL ?? 0 },
    displayName: doc.instanceId,
  });
  auth.maxTTL = shortestMaxTTL;
  auth.policies = policies;
  return { auth };
}

/** Renewal re-reads the access list entry and the role, and pushes the entry's expiry out. */
export async function ec2Renew(deps: Ec2Deps, auth: Auth): Promise<Auth> {
  const instanceId = String(auth.internal?.instance_id ?? '');
  const stored = instanceId ? await readAccessEntry(deps.storage, instanceId) : undefined;
  if (!stored) throw badRequest(`failed to verify the access list identity entry for instance ID: "${instanceId}"`);
  const role = await readRole(deps.storage, stored.role);
  if (!role) throw badRequest('role entry not found');
  const maxLease = deps.system.maxLeaseTTL();
  const now = deps.clock.now();
  stored.last_updated_time = now;
  stored.expiration_time = now + Math.max(role.token_max_ttl, maxLease, Number(auth.internal?.role_tag_max_ttl ?? 0)) * 1000;
  await writeAccessEntry(deps.storage, instanceId, stored);
  const tagMax = Number(auth.internal?.role_tag_max_ttl ?? 0);
  let maxTTL = role.token_max_ttl > 0 && role.token_max_ttl < maxLease ? role.token_max_ttl : maxLease;
  if (tagMax > 0 && tagMax < maxTTL) maxTTL = tagMax;
  return { ...auth, ttl: role.token_ttl, maxTTL, period: role.token_period };
}
