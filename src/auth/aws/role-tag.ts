/**
 * Role tags (ec2 roles with `role_tag` set): `role/:role/tag` mints a value, HMAC'd with the
 * role's own key, that an operator puts on an instance as the EC2 tag named by `role_tag`; it can
 * narrow the role's policies, bind one instance, cap the max TTL and disallow reauthentication.
 * At login the tag is read from DescribeInstances and verified. `roletag-denylist/<tag>` (and
 * Vault's older `roletag-blacklist`) revokes a tag; `tidy/roletag-denylist` drops expired entries.
 * Tag format (Vault's): v1:<nonce>:r=<role>:d=<bool>:m=<bool>[:p=<policies>][:i=<instance>][:t=<max ttl>]:<hmac>
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PathDef, SystemView } from '../../framework/backend.js';
import type { LogicalStorage } from '../../framework/types.js';
import type { Clock } from '../../lib/clock.js';
import { badRequest } from '../../lib/errors.js';
import { readRole, type AwsRole } from './role.js';

const VERSION = 'v1';
const DENY_PREFIX = 'denylist/roletag/';

export interface RoleTag {
  nonce: string;
  role: string;
  policies: string[];
  maxTTL: number;
  instanceId: string;
  disallowReauthentication: boolean;
  allowInstanceMigration: boolean;
}

interface DenyEntry { creation_time: number; expiration_time: number }

/** Vault's policy list hygiene: trimmed, lower-cased, no empties or duplicates, sorted. */
export function parsePolicies(list: string[]): string[] {
  return [...new Set(list.map((p) => p.trim().toLowerCase()).filter(Boolean))].sort();
}

function plaintext(t: RoleTag): string {
  let v = `${VERSION}:${t.nonce}:r=${t.role}:d=${t.disallowReauthentication}:m=${t.allowInstanceMigration}`;
  if (t.policies.length) v += `:p=${t.policies.join(',')}`;
  if (t.instanceId) v += `:i=${t.instanceId}`;
  if (t.maxTTL > 0) v += `:t=${t.maxTTL}`;
  return v;
}

const hmacB64 = (key: string, value: string) => createHmac('sha256', key).update(value).digest('base64');

export function tagValue(t: RoleTag, role: AwsRole): string {
  const p = plaintext(t);
  const v = `${p}:${hmacB64(role.hmac_key, p)}`;
  if (v.length > 255) throw badRequest("role tag 'value' exceeding the limit of 255 characters");
  return v;
}

/** Parses a tag and checks its HMAC with its role's key; throws the reason. */
export async function parseAndVerifyTag(storage: LogicalStorage, value: string): Promise<RoleTag> {
  const items = value.split(':');
  if (items.length < 4) throw new Error('invalid tag');
  const mac = items.pop()!;
  if (items[0] !== VERSION) throw new Error('invalid role tag version');
  const t: RoleTag = { nonce: items[1]!, role: '', policies: [], maxTTL: 0, instanceId: '', disallowReauthentication: false, allowInstanceMigration: false };
  const bool = (s: string) => {
    if (!/^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(s)) throw new Error(`strconv.ParseBool: parsing "${s}": invalid syntax`);
    return /^(1|t|T|TRUE|true|True)$/.test(s);
  };
  for (const item of items.slice(2)) {
    const [k, v] = [item.slice(0, 2), item.slice(2)];
    if (k === 'i=') t.instanceId = v;
    else if (k === 'r=') t.role = v;
    else if (k === 'p=') t.policies = v.split(',');
    else if (k === 'd=') t.disallowReauthentication = bool(v);
    else if (k === 'm=') t.allowInstanceMigration = bool(v);
    else if (k === 't=' && /^\d+$/.test(v)) t.maxTTL = Number(v);
    else throw new Error(`unrecognized item "${item}" in tag`);
  }
  if (!t.role) throw new Error('missing role name');
  const role = await readRole(storage, t.role);
  if (!role) throw new Error(`entry not found for "${t.role}"`);
  const want = Buffer.from(hmacB64(role.hmac_key, plaintext(t)));
  const got = Buffer.from(mac);
  if (!role.hmac_key || want.length !== got.length || !timingSafeEqual(want, got)) throw new Error('role tag signature verification failed');
  return t;
}

const denyKey = (tag: string) => DENY_PREFIX + Buffer.from(tag).toString('base64url');

export const isDenied = async (storage: LogicalStorage, tag: string) => (await storage.getJSON<DenyEntry>(denyKey(tag))) !== undefined;

/** Vault's checks of the tag found on the instance, for a login to `roleName`. */
export async function verifyInstanceTag(storage: LogicalStorage, role: AwsRole, roleName: string, instanceId: string, tags: Record<string, string>): Promise<RoleTag> {
  const value = Object.hasOwn(tags, role.role_tag) ? tags[role.role_tag] : undefined;
  if (typeof value !== 'string' || !value) throw new Error(`missing tag with key "${role.role_tag}" on the instance`);
  const t = await parseAndVerifyTag(storage, value);
  if (t.role !== roleName) throw new Error('role on the tag is not matching the role supplied');
  if (t.instanceId && t.instanceId !== instanceId) throw new Error('role tag is being used by an unauthorized instance');
  if (await isDenied(storage, value)) throw new Error('role tag is deny listed');
  if (!t.policies.every((p) => role.token_policies.includes(p))) throw new Error('policies on the role tag must be subset of policies on the role');
  return t;
}

export function roleTagPaths(storage: LogicalStorage, system: SystemView, clock: Clock): PathDef[] {
  const paths: PathDef[] = [{
    pattern: 'role/:role/tag',
    fields: {
      role: { type: 'string', description: 'Name of the role.' },
      instance_id: { type: 'string', description: 'Instance ID for which this tag is intended. The created tag can only be used by the instance with the given ID.' },
      policies: { type: 'strings', description: 'Policies to be associated with the tag. If set, must be a subset of the role\'s policies.' },
      max_ttl: { type: 'duration', default: 0, description: 'If set, specifies the maximum allowed token lifetime.' },
      allow_instance_migration: { type: 'bool', default: false, description: 'If set, allows migration of the underlying instance where the client resides.' },
      disallow_reauthentication: { type: 'bool', default: false, description: 'If set, only allows a single token to be granted per instance ID.' },
    },
    synopsis: 'Create a tag on a role in order to be able to further restrict the capabilities of a role.',
    operations: {
      update: async (_req, d) => {
        const roleName = d.str('role').toLowerCase();
        if (!roleName) throw badRequest('missing role');
        const role = await readRole(storage, roleName);
        if (!role) throw badRequest(`entry not found for role ${roleName}`);
        if (!role.role_tag) throw badRequest('tag creation is not enabled for this role');
        const warnings: string[] = [];
        const policies = parsePolicies(d.list('policies'));
        if (!policies.every((p) => role.token_policies.includes(p))) {
          warnings.push('Policies on the tag are not a subset of the policies set on the role. Login will not be allowed with this tag unless the role policies are updated.');
        }
        const disallow = d.bool('disallow_reauthentication');
        const migrate = d.bool('allow_instance_migration');
        if (migrate && !role.allow_instance_migration) warnings.push('Role does not allow instance migration. Login will not be allowed with this tag unless the role value is updated.');
        if (disallow && migrate) throw badRequest('cannot set both disallow_reauthentication and allow_instance_migration');
        const maxTTL = d.int('max_ttl');
        if (maxTTL > system.maxLeaseTTL()) warnings.push(`Given max TTL of ${maxTTL} is greater than the mount maximum of ${system.maxLeaseTTL()} seconds, and will be capped at login time.`);
        if (role.token_max_ttl && maxTTL > role.token_max_ttl) warnings.push(`Given max TTL of ${maxTTL} is greater than the role maximum of ${role.token_max_ttl} seconds, and will be capped at login time.`);
        const value = tagValue({
          nonce: randomBytes(8).toString('base64'), role: roleName, policies, maxTTL, instanceId: d.str('instance_id').toLowerCase(),
          disallowReauthentication: disallow, allowInstanceMigration: migrate,
        }, role);
        return { data: { tag_key: role.role_tag, tag_value: value }, ...(warnings.length ? { warnings } : {}) };
      },
    },
  }];
  for (const name of ['roletag-denylist', 'roletag-blacklist']) {
    paths.push(
      {
        pattern: name,
        synopsis: 'Lists the deny listed role tags.',
        operations: {
          list: async () => ({ data: { keys: (await storage.list(DENY_PREFIX)).map((k) => Buffer.from(k, 'base64url').toString('utf8')).sort() } }),
        },
      },
      {
        pattern: `${name}/*role_tag`,
        fields: { role_tag: { type: 'string', description: 'Role tag to be deny listed. The tag can be supplied as-is, or base64 encoded.' } },
        synopsis: 'Deny list a previously created role tag.',
        operations: {
          read: async (_r, d) => {
            const e = await storage.getJSON<DenyEntry>(denyKey(d.str('role_tag')));
            return e ? { data: { creation_time: new Date(e.creation_time).toISOString(), expiration_time: new Date(e.expiration_time).toISOString() } } : null;
          },
          update: async (_r, d) => {
            const input = d.str('role_tag');
            if (!input) throw badRequest('missing role_tag');
            const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(input) ? Buffer.from(input, 'base64').toString('utf8') : '';
            const tag = decoded.startsWith(`${VERSION}:`) ? decoded : input;
            let t: RoleTag;
            try {
              t = await parseAndVerifyTag(storage, tag);
            } catch (e) {
              throw badRequest(`failed to verify the role tag and parse it: ${(e as Error).message}`);
            }
            const role = await readRole(storage, t.role);
            if (!role) throw badRequest('role entry not found');
            const now = clock.now();
            const existing = await storage.getJSON<DenyEntry>(denyKey(tag));
            const maxDur = Math.max(t.maxTTL, role.token_max_ttl, system.maxLeaseTTL());
            await storage.putJSON(denyKey(tag), { creation_time: existing?.creation_time ?? now, expiration_time: now + maxDur * 1000 });
            return null;
          },
          delete: async (_r, d) => {
            if (!d.str('role_tag')) throw badRequest('missing role_tag');
            await storage.delete(denyKey(d.str('role_tag')));
            return null;
          },
        },
      },
    );
  }
  for (const name of ['tidy/roletag-denylist', 'tidy/roletag-blacklist']) {
    paths.push({
      pattern: name,
      fields: { safety_buffer: { type: 'duration', default: 259200, description: 'The amount of extra time that must have passed beyond the roletag expiration, before it is removed from the backend storage.' } },
      synopsis: 'Clean-up the deny list role tag entries.',
      operations: {
        update: async (_r, d) => {
          const buffer = d.int('safety_buffer') * 1000;
          for (const k of await storage.list(DENY_PREFIX)) {
            const e = await storage.getJSON<DenyEntry>(DENY_PREFIX + k);
            if (!e || clock.now() > e.expiration_time + buffer) await storage.delete(DENY_PREFIX + k);
          }
          return { status: 202, warnings: ["Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."] };
        },
      },
    });
  }
  return paths;
}
