/** sys/mounts, sys/mounts/:path(/tune), sys/remount: the secrets engine table. */
import type { Core } from '../../core/core.js';
import type { MountConfig, MountEntry, TableName } from '../../core/mounts/mount-entry.js';
import type { PathDef } from '../../framework/backend.js';
import { parseField, type FieldData } from '../../framework/fields.js';
import type { Response } from '../../framework/types.js';
import { parseDuration } from '../../lib/duration.js';
import { badRequest, CofferError } from '../../lib/errors.js';
import { uuid } from '../../lib/ids.js';

export function mountJSON(e: MountEntry): Record<string, unknown> {
  return {
    accessor: e.accessor,
    config: {
      default_lease_ttl: e.config.default_lease_ttl,
      max_lease_ttl: e.config.max_lease_ttl,
      force_no_cache: e.config.force_no_cache,
      ...(e.config.listing_visibility ? { listing_visibility: e.config.listing_visibility } : {}),
      ...(e.config.token_type ? { token_type: e.config.token_type } : {}),
    },
    description: e.description,
    external_entropy_access: e.external_entropy_access,
    local: e.local,
    options: Object.keys(e.options).length ? e.options : null,
    plugin_version: e.plugin_version,
    running_plugin_version: `v${'0.1.0'}+builtin`,
    running_sha256: '',
    seal_wrap: e.seal_wrap,
    type: e.type,
    uuid: e.uuid,
  };
}

function ttlInput(name: string, v: unknown, core: Core): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (v === 'system') return 0;
  try {
    const n = parseDuration(v);
    if (n < 0) throw new Error();
    return n;
  } catch {
    throw badRequest(`unable to parse ${name}: invalid duration ${JSON.stringify(v)}`);
  }
}

/** token_type says which tokens an auth mount's logins get; the token store's own is fixed. */
function checkTokenType(c: Partial<MountConfig>, table: TableName, type: string): void {
  if (c.token_type === undefined) return;
  if (table !== 'auth') throw badRequest("'token_type' can only be modified on auth mounts");
  if (type === 'token') throw badRequest("'token_type' cannot be set for 'token' or 'ns_token' auth mounts");
}

export function configFrom(raw: unknown, core: Core): Partial<MountConfig> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('error converting input for field "config": expected a map');
  const c = raw as Record<string, unknown>;
  const out: Partial<MountConfig> = {};
  const d = ttlInput('default_lease_ttl', c.default_lease_ttl, core);
  const m = ttlInput('max_lease_ttl', c.max_lease_ttl, core);
  if (d !== undefined) out.default_lease_ttl = d;
  if (m !== undefined) out.max_lease_ttl = m;
  // `config` is a free-form map, so its members are parsed here with the field parser ("false" is false).
  if (c.force_no_cache !== undefined) out.force_no_cache = parseField('force_no_cache', { type: 'bool' }, c.force_no_cache) as boolean;
  if (c.listing_visibility !== undefined) {
    const v = parseField('listing_visibility', { type: 'string' }, c.listing_visibility) as string;
    if (!['', 'unauth', 'hidden'].includes(v)) throw badRequest(`invalid listing_visibility ${v}`);
    out.listing_visibility = v;
  }
  if (c.token_type !== undefined) {
    const v = parseField('token_type', { type: 'string' }, c.token_type) as string;
    if (!['', 'default-service', 'default-batch', 'service', 'batch'].includes(v)) throw badRequest("invalid value for 'token_type'");
    out.token_type = v || 'default-service';
  }
  for (const k of ['audit_non_hmac_request_keys', 'audit_non_hmac_response_keys', 'passthrough_request_headers', 'allowed_response_headers'] as const) {
    if (c[k] !== undefined) out[k] = Array.isArray(c[k]) ? (c[k] as string[]) : String(c[k]).split(',').map((s) => s.trim()).filter(Boolean);
  }
  checkTTLs(out, core);
  return out;
}

function checkTTLs(c: Partial<MountConfig>, core: Core): void {
  const max = c.max_lease_ttl || core.maxLeaseTTL;
  if (c.max_lease_ttl && c.max_lease_ttl > core.maxLeaseTTL) {
    // Vault lets a mount raise its max above the system max only via the server config.
  }
  if (c.default_lease_ttl && c.default_lease_ttl > max) {
    throw badRequest('given default lease TTL greater than given max lease TTL');
  }
}

function optionsFrom(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('error converting input for field "options": expected a map');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k] = String(v);
  return out;
}

export function tableListing(core: Core, table: TableName): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of core.mounts.entries(table)) out[e.path] = mountJSON(e);
  return out;
}

export function tuneJSON(e: MountEntry, core: Core): Record<string, unknown> {
  return {
    description: e.description,
    default_lease_ttl: e.config.default_lease_ttl || core.defaultLeaseTTL,
    max_lease_ttl: e.config.max_lease_ttl || core.maxLeaseTTL,
    force_no_cache: e.config.force_no_cache,
    ...(Object.keys(e.options).length ? { options: e.options } : {}),
    ...(e.config.listing_visibility ? { listing_visibility: e.config.listing_visibility } : {}),
    ...(e.config.token_type ? { token_type: e.config.token_type } : {}),
    ...(e.config.audit_non_hmac_request_keys ? { audit_non_hmac_request_keys: e.config.audit_non_hmac_request_keys } : {}),
    ...(e.config.audit_non_hmac_response_keys ? { audit_non_hmac_response_keys: e.config.audit_non_hmac_response_keys } : {}),
    ...(e.config.passthrough_request_headers ? { passthrough_request_headers: e.config.passthrough_request_headers } : {}),
    ...(e.config.allowed_response_headers ? { allowed_response_headers: e.config.allowed_response_headers } : {}),
  };
}

/** Types that exist only at their built-in mounts (Vault's singletonMounts; `token` is refused by the mount table itself). */
const SINGLETON_TYPES = ['system', 'identity', 'cubbyhole'];

/** Handlers shared by sys/mounts and sys/auth (the two tables differ only in name). */
export function tableHandlers(core: Core, table: TableName) {
  const find = (path: string) => {
    const p = path.replace(/^\/+/, '').replace(/\/?$/, '/');
    const e = core.mounts.entries(table).find((x) => x.path === p);
    if (!e) throw badRequest(`cannot fetch sysview for path "${p}"`);
    return e;
  };
  return {
    list: async (): Promise<Response> => ({ data: tableListing(core, table), legacyTopLevel: true }),
    read: async (_r: unknown, d: FieldData): Promise<Response> => ({ data: mountJSON(find(d.str('path'))), legacyTopLevel: true }),
    enable: async (_r: unknown, d: FieldData): Promise<Response | null> => {
      let type = d.str('type');
      if (!type) throw badRequest('missing type');
      const options = optionsFrom(d.raw.options);
      // Vault accepts "kv-v2" as shorthand for kv with version 2.
      if (type === 'kv-v2') { type = 'kv'; options.version = '2'; }
      if (type === 'kv' && !options.version) options.version = '1';
      // Vault keeps one instance of these: a second `system` or `identity` mount would share the
      // first one's storage view and reach it under a path no policy was written for.
      if (table === 'mounts' && SINGLETON_TYPES.includes(type)) throw new CofferError(403, `mount type of "${type}" is not mountable`);
      const config = configFrom(d.raw.config, core);
      checkTokenType(config, table, type);
      await core.mounts.enable(table, d.str('path'), type, d.str('description'), config, options);
      return null;
    },
    disable: async (_r: unknown, d: FieldData): Promise<Response | null> => {
      const leases = core.registry.get('lease-prefix-revoker') as ((prefix: string) => Promise<void>) | undefined;
      await core.mounts.disable(table, d.str('path'), async (route) => { await leases?.(route.path); });
      return null;
    },
    readTune: async (_r: unknown, d: FieldData): Promise<Response> => ({ data: tuneJSON(find(d.str('path')), core), legacyTopLevel: true }),
    writeTune: async (_r: unknown, d: FieldData): Promise<Response | null> => {
      const e = find(d.str('path'));
      const patch: Partial<MountConfig> & { description?: string; options?: Record<string, string> } = configFrom(d.raw, core);
      if (d.has('description')) patch.description = d.str('description');
      if (d.raw.options !== undefined) patch.options = optionsFrom(d.raw.options);
      checkTokenType(patch, table, e.type);
      const max = patch.max_lease_ttl ?? e.config.max_lease_ttl;
      const dflt = patch.default_lease_ttl ?? e.config.default_lease_ttl;
      if (dflt && (max || core.maxLeaseTTL) < dflt) throw badRequest('the default lease TTL cannot exceed the max lease TTL');
      await core.mounts.tune(table, e.path, patch);
      return null;
    },
  };
}

const mountFields = {
  path: { type: 'string' as const, description: 'The path to mount to.' },
  type: { type: 'string' as const, description: 'The type of the backend, e.g. "kv", "pki".' },
  description: { type: 'string' as const, description: 'User-friendly description for this mount.' },
  config: { type: 'map' as const, description: 'Configuration for this mount, such as default_lease_ttl and max_lease_ttl.' },
  options: { type: 'map' as const, description: 'The options to pass into the backend, e.g. version for kv.' },
  local: { type: 'bool' as const, description: 'Mark the mount as a local mount.' },
  seal_wrap: { type: 'bool' as const, description: 'Whether to turn on seal wrapping for the mount.' },
  external_entropy_access: { type: 'bool' as const },
  plugin_name: { type: 'string' as const },
  plugin_version: { type: 'string' as const },
};

export const tuneFields = {
  path: { type: 'string' as const },
  default_lease_ttl: { type: 'string' as const, description: 'The default lease TTL for this mount ("system" to reset).' },
  max_lease_ttl: { type: 'string' as const, description: 'The max lease TTL for this mount ("system" to reset).' },
  description: { type: 'string' as const },
  options: { type: 'map' as const },
  force_no_cache: { type: 'bool' as const },
  listing_visibility: { type: 'string' as const },
  token_type: { type: 'string' as const },
  audit_non_hmac_request_keys: { type: 'strings' as const },
  audit_non_hmac_response_keys: { type: 'strings' as const },
  passthrough_request_headers: { type: 'strings' as const },
  allowed_response_headers: { type: 'strings' as const },
  plugin_version: { type: 'string' as const },
};

export function mountPaths(core: Core): PathDef[] {
  const h = tableHandlers(core, 'mounts');
  // Remounts run synchronously; their outcome stays queryable as Vault's async API expects.
  const migrations = new Map<string, { source_mount: string; target_mount: string; status: string }>();
  return [
    { pattern: 'mounts', operations: { read: h.list }, synopsis: 'List the currently mounted backends.' },
    { pattern: 'mounts/*path/tune', fields: tuneFields, operations: { read: h.readTune, update: h.writeTune }, synopsis: 'Tune backend configuration parameters for this mount.' },
    { pattern: 'mounts/*path', fields: mountFields, operations: { read: h.read, update: h.enable, delete: h.disable }, synopsis: 'Mount a new backend at a new path.' },
    {
      pattern: 'remount',
      fields: { from: { type: 'string', required: true }, to: { type: 'string', required: true } },
      synopsis: 'Move the mount point of an already-mounted backend.',
      operations: {
        update: async (_r, d) => {
          await core.mounts.remount(d.str('from'), d.str('to'));
          const id = uuid();
          const norm = (p: string) => p.replace(/^\/+/, '').replace(/\/?$/, '/');
          migrations.set(id, { source_mount: norm(d.str('from')), target_mount: norm(d.str('to')), status: 'success' });
          return { data: { migration_id: id } };
        },
      },
    },
    {
      pattern: 'remount/status/:migration_id',
      fields: { migration_id: { type: 'string' } },
      synopsis: 'Check the status of a mount move operation.',
      operations: {
        read: async (_r, d) => {
          const info = migrations.get(d.str('migration_id'));
          return info ? { data: { migration_id: d.str('migration_id'), migration_info: info } } : null;
        },
      },
    },
  ];
}
