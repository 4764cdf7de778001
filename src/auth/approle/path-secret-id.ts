/** Secret IDs: generate, custom, lookup, destroy (by value or accessor), list, tidy. */
import { randomUUID } from 'node:crypto';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Request } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { parseClientJSON } from '../../framework/json.js';
import { cidrSubset, isCIDR } from '../../core/tokens/token-info.js';
import type { AppRoleStore, Role, SecretIdEntry } from './store.js';

const goQuoted = (list: string[]) => `[${list.map((c) => JSON.stringify(c)).join(' ')}]`;

/**
 * A secret ID may narrow its role's CIDR lists, never widen them: its cidr_list within the
 * role's secret_id_bound_cidrs, its token_bound_cidrs within the role's token_bound_cidrs.
 */
function checkCIDRs(field: string, secretIdCIDRs: string[], roleCIDRs: string[]): void {
  for (const c of secretIdCIDRs) if (!isCIDR(c)) throw badRequest(`invalid CIDR "${c}" in ${field}`);
  if (secretIdCIDRs.length && roleCIDRs.length && !cidrSubset(roleCIDRs, secretIdCIDRs)) {
    throw badRequest(`failed to verify subset relationship between CIDR blocks on the role ${goQuoted(roleCIDRs)} and CIDR blocks on the secret ID ${goQuoted(secretIdCIDRs)}`);
  }
}

function entryJSON(e: SecretIdEntry): Record<string, unknown> {
  return { ...e };
}

export function secretIdPaths(store: AppRoleStore, now: () => number): PathDef[] {
  const role = async (d: FieldData): Promise<Role> => {
    const r = await store.getRole(d.str('role_name'));
    if (!r) throw badRequest(`role "${d.str('role_name')}" does not exist`);
    return r;
  };
  const issue = async (_req: Request, d: FieldData, custom: boolean) => {
    const r = await role(d);
    if (!r.bind_secret_id) throw badRequest('bind_secret_id is not set on the role');
    const secretId = custom ? d.str('secret_id') : randomUUID();
    if (!secretId) throw badRequest('missing secret_id');
    if (await store.secretIdExists(d.str('role_name'), secretId)) throw badRequest('SecretID is already registered');
    const ttl = d.has('ttl') ? d.int('ttl') : r.secret_id_ttl;
    if (r.secret_id_ttl && ttl > r.secret_id_ttl) throw badRequest('ttl cannot be longer than the role\'s secret_id_ttl');
    const numUses = d.has('num_uses') ? d.int('num_uses') : r.secret_id_num_uses;
    if (numUses < 0) throw badRequest('num_uses cannot be negative');
    if (r.secret_id_num_uses && (numUses === 0 || numUses > r.secret_id_num_uses)) throw badRequest('num_uses cannot be higher than the role\'s secret_id_num_uses');
    const metadata = d.has('metadata') ? parseMetadata(d.raw.metadata) : {};
    const cidrList = d.list('cidr_list');
    const tokenCIDRs = d.list('token_bound_cidrs');
    checkCIDRs('cidr_list', cidrList, r.secret_id_bound_cidrs);
    checkCIDRs('token_bound_cidrs', tokenCIDRs, r.token_bound_cidrs);
    const t = now();
    const entry = await store.createSecretId(d.str('role_name'), secretId, {
      secret_id_num_uses: numUses, secret_id_ttl: ttl,
      creation_time: new Date(t).toISOString(), last_updated_time: new Date(t).toISOString(),
      expiration_time: ttl ? new Date(t + ttl * 1000).toISOString() : '0001-01-01T00:00:00Z',
      metadata, cidr_list: cidrList, token_bound_cidrs: tokenCIDRs,
    });
    return { data: { secret_id: secretId, secret_id_accessor: entry.secret_id_accessor, secret_id_ttl: ttl, secret_id_num_uses: numUses } };
  };
  const fields = {
    role_name: { type: 'string' as const },
    metadata: { type: 'any' as const, description: 'Metadata (JSON object or JSON string) tied to the secret ID.' },
    cidr_list: { type: 'strings' as const },
    token_bound_cidrs: { type: 'strings' as const },
    num_uses: { type: 'int' as const },
    ttl: { type: 'duration' as const },
  };
  // Only the custom endpoint takes a client's secret_id; the generating one would silently ignore it.
  const customFields = { ...fields, secret_id: { type: 'string' as const, sensitive: true } };
  return [
    {
      pattern: 'role/:role_name/secret-id',
      fields,
      operations: {
        update: (req, d) => issue(req, d, false),
        list: async (_r, d) => {
          await role(d);
          const keys = await store.listAccessors(d.str('role_name'));
          return keys.length ? { data: { keys: keys.sort() } } : null;
        },
      },
    },
    { pattern: 'role/:role_name/custom-secret-id', fields: customFields, operations: { update: (req, d) => issue(req, d, true) } },
    {
      pattern: 'role/:role_name/secret-id/lookup',
      fields: { role_name: { type: 'string' }, secret_id: { type: 'string', required: true, sensitive: true } },
      operations: {
        update: async (_r, d) => {
          await role(d);
          const e = await store.getSecretId(d.str('role_name'), d.str('secret_id'));
          return e ? { data: entryJSON(e) } : null;
        },
      },
    },
    {
      pattern: 'role/:role_name/secret-id/destroy',
      fields: { role_name: { type: 'string' }, secret_id: { type: 'string', required: true, sensitive: true } },
      operations: {
        update: async (_r, d) => { await role(d); await store.destroySecretId(d.str('role_name'), d.str('secret_id')); return null; },
        delete: async (_r, d) => { await role(d); await store.destroySecretId(d.str('role_name'), d.str('secret_id')); return null; },
      },
    },
    {
      pattern: 'role/:role_name/secret-id-accessor/lookup',
      fields: { role_name: { type: 'string' }, secret_id_accessor: { type: 'string', required: true } },
      operations: {
        update: async (_r, d) => {
          await role(d);
          const e = await store.getByAccessor(d.str('role_name'), d.str('secret_id_accessor'));
          if (!e) throw badRequest(`failed to find accessor entry for secret_id_accessor: "${d.str('secret_id_accessor')}"`);
          return { data: entryJSON(e) };
        },
      },
    },
    {
      pattern: 'role/:role_name/secret-id-accessor/destroy',
      fields: { role_name: { type: 'string' }, secret_id_accessor: { type: 'string', required: true } },
      operations: {
        update: async (_r, d) => { await role(d); await store.destroyByAccessor(d.str('role_name'), d.str('secret_id_accessor')); return null; },
        delete: async (_r, d) => { await role(d); await store.destroyByAccessor(d.str('role_name'), d.str('secret_id_accessor')); return null; },
      },
    },
    {
      pattern: 'tidy/secret-id',
      operations: { update: async () => { await store.tidy(now()); return { data: null, warnings: [], status: 202 }; } },
    },
  ];
}

function parseMetadata(v: unknown): Record<string, string> {
  let obj = v;
  if (typeof v === 'string') {
    if (!v) return {};
    try { obj = parseClientJSON(v); } catch { throw badRequest('failed to parse metadata: expected a JSON object'); }
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest('failed to parse metadata: expected a JSON object');
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj as Record<string, unknown>)) {
    if (typeof val !== 'string') throw badRequest('metadata values must be strings');
    out[k] = val;
  }
  return out;
}
