/** sys/quotas/config, sys/quotas/rate-limit[/<name>], sys/quotas/lease-count[/<name>]. */
import type { Core } from '../../core/core.js';
import { quotaPath, QuotaManager, type LeaseCountQuota, type Quota, type QuotaBase, type RateLimitQuota } from '../../core/quotas/quota-manager.js';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Response } from '../../framework/types.js';
import { badRequest, CofferError } from '../../lib/errors.js';

function manager(core: Core): QuotaManager {
  const q = core.services.quotas;
  if (!(q instanceof QuotaManager)) throw new CofferError(500, 'the quota manager is not running');
  return q;
}

const NAME = /^\w(([\w-.]+)?\w)?$/;

/** Splits `path` into the mount it names and the rest, as Vault does (a mount must exist). */
function placement(core: Core, d: FieldData): Pick<QuotaBase, 'mount_path' | 'path_suffix' | 'role'> {
  let path = d.str('path').trim().replace(/^\/+/, '');
  if (path && !path.endsWith('/')) path += '/';
  const role = d.str('role');
  if (!path) {
    if (role) throw badRequest('Mount path "" is not a valid auth method and therefore unsuitable for use with role-based quotas');
    return { mount_path: '', path_suffix: '', role: '' };
  }
  const route = core.mounts.router.match(path);
  if (!route) throw badRequest(`invalid mount path "${path}"`);
  const suffix = path.slice(route.path.length).replace(/\/$/, '');
  if (role) {
    if (suffix) throw badRequest('Quotas cannot contain both a path suffix and a role. If a role is provided, path must be a valid auth mount with a concept of roles');
    if (route.table !== 'auth') throw badRequest(`Mount path "${route.path}" is not a valid auth method and therefore unsuitable for use with role-based quotas`);
  }
  return { mount_path: route.path, path_suffix: suffix, role };
}

function nameOf(d: FieldData): string {
  const name = d.str('name');
  if (!NAME.test(name)) throw badRequest(`invalid quota name "${name}"`);
  return name;
}

function rateOf(d: FieldData): number {
  const raw = d.raw.rate;
  const rate = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(rate) || rate <= 0) throw badRequest("'rate' is invalid");
  return rate;
}

function quotaJSON(core: Core, q: Quota): Record<string, unknown> {
  const base = { name: q.name, path: quotaPath(q), role: q.role, type: q.type, inheritable: q.inheritable };
  if (q.type === 'rate-limit') return { ...base, rate: q.rate, interval: q.interval, block_interval: q.block_interval };
  return { ...base, max_leases: q.max_leases, counter: manager(core).leaseCount(q.name) };
}

function crudPaths(core: Core, type: Quota['type'], fields: PathDef['fields'], build: (d: FieldData, base: QuotaBase) => Quota): PathDef[] {
  return [
    {
      pattern: `quotas/${type}`,
      synopsis: `Lists the names of all the ${type} quotas.`,
      operations: {
        list: async (): Promise<Response | null> => {
          const keys = manager(core).names(type);
          return keys.length ? { data: { keys } } : null;
        },
      },
    },
    {
      pattern: `quotas/${type}/:name`,
      fields: {
        name: { type: 'string', description: 'Name of the quota rule.' },
        type: { type: 'string', description: 'Type of the quota rule.' },
        path: { type: 'string', description: 'Path of the mount (and optionally a path below it) to apply the quota to. A blank path configures a global quota.' },
        role: { type: 'string', description: 'Login role to apply this quota to (path must be an auth method).' },
        inheritable: { type: 'bool', description: 'Whether child namespaces use this quota (namespaces are not used by Coffer).' },
        ...fields,
      },
      synopsis: `Create, read, update or delete a ${type} quota.`,
      operations: {
        read: async (_r, d): Promise<Response | null> => {
          const q = manager(core).get(type, d.str('name'));
          return q ? { data: quotaJSON(core, q) } : null;
        },
        update: async (_r, d): Promise<Response | null> => {
          const m = manager(core);
          const where = placement(core, d);
          const base: QuotaBase = { name: nameOf(d), ...where, inheritable: d.has('inheritable') ? d.bool('inheritable') : where.mount_path === '' };
          const q = build(d, base);
          const other = m.similar(q);
          if (other) throw badRequest(`quota rule with similar properties exists under the name "${other.name}"`);
          await m.put(q);
          return null;
        },
        delete: async (_r, d): Promise<Response | null> => {
          await manager(core).remove(type, d.str('name'));
          return null;
        },
      },
    },
  ];
}

export function quotaPaths(core: Core): PathDef[] {
  return [
    {
      pattern: 'quotas/config',
      fields: {
        rate_limit_exempt_paths: { type: 'strings', description: 'Paths exempt from all rate limit quotas.' },
        enable_rate_limit_audit_logging: { type: 'bool', description: 'Audit log requests rejected by rate limit quotas.' },
        enable_rate_limit_response_headers: { type: 'bool', description: 'Add X-Ratelimit-* headers to responses.' },
      },
      synopsis: 'Configuration shared by all quotas.',
      operations: {
        read: async () => ({ data: { ...manager(core).config } }),
        update: async (_r, d) => {
          const m = manager(core);
          const cfg = { ...m.config };
          if (d.has('rate_limit_exempt_paths')) cfg.rate_limit_exempt_paths = d.list('rate_limit_exempt_paths');
          if (d.has('enable_rate_limit_audit_logging')) cfg.enable_rate_limit_audit_logging = d.bool('enable_rate_limit_audit_logging');
          if (d.has('enable_rate_limit_response_headers')) cfg.enable_rate_limit_response_headers = d.bool('enable_rate_limit_response_headers');
          await m.saveConfig(cfg);
          return null;
        },
      },
    },
    ...crudPaths(core, 'rate-limit', {
      rate: { type: 'any', description: 'The maximum number of requests in a given interval to be allowed by the quota rule. Must be positive.' },
      interval: { type: 'duration', description: 'The duration to enforce rate limiting for (default 1s).' },
      block_interval: { type: 'duration', description: 'If set, a client over the limit is refused for this long.' },
    }, (d, base): RateLimitQuota => {
      const rate = rateOf(d);
      if (d.int('block_interval') < 0) throw badRequest("'block' is invalid");
      return { ...base, type: 'rate-limit', rate, interval: d.int('interval') || 1, block_interval: d.int('block_interval') };
    }),
    ...crudPaths(core, 'lease-count', {
      max_leases: { type: 'int', description: 'Maximum number of leases allowed by the quota rule.' },
    }, (d, base): LeaseCountQuota => {
      const max = d.int('max_leases');
      if (max <= 0) throw badRequest("'max_leases' is invalid");
      // Leases do not remember the login role that created them, so a role cannot be counted.
      if (base.role) throw badRequest('role-based lease count quotas are not supported');
      return { ...base, type: 'lease-count', max_leases: max };
    }),
  ];
}
