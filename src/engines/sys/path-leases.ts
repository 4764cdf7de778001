/**
 * sys/leases/* and the legacy sys/renew, sys/revoke, sys/revoke-prefix, sys/revoke-force:
 * lookup, list by prefix (sudo), renew, revoke (lazy by default for sys/leases/revoke with
 * sync=false, Vault's 202), prefix and forced revocation, tidy, irrevocable counts.
 */
import type { Core } from '../../core/core.js';
import { validLeaseId } from '../../core/leases/lease-entry.js';
import { LeaseManager } from '../../core/leases/lease-manager.js';
import { tidyLeases } from '../../core/leases/tidy.js';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Response } from '../../framework/types.js';
import { badRequest, CofferError } from '../../lib/errors.js';

function manager(core: Core): LeaseManager {
  const m = core.services.leases;
  if (!(m instanceof LeaseManager)) throw new CofferError(500, 'the lease manager is not running');
  return m;
}

function leaseIdOf(d: FieldData): string {
  const id = (d.str('lease_id') || d.str('url_lease_id')).trim();
  if (!id) throw badRequest('lease_id must be specified');
  return id;
}

const accepted = (): Response => ({ status: 202 });

export function leasePaths(core: Core): PathDef[] {
  const renew = {
    fields: {
      url_lease_id: { type: 'string' as const, description: 'The lease identifier to renew (in the URL).' },
      lease_id: { type: 'string' as const, description: 'The lease identifier to renew.' },
      increment: { type: 'duration' as const, description: 'The desired increment in seconds to the lease.' },
    },
    synopsis: 'Renews a lease, requesting to extend the lease.',
    operations: {
      update: async (_r: unknown, d: FieldData) => manager(core).renew(leaseIdOf(d), d.int('increment')),
    },
  };
  const revoke = {
    fields: {
      url_lease_id: { type: 'string' as const, description: 'The lease identifier to revoke (in the URL).' },
      lease_id: { type: 'string' as const, description: 'The lease identifier to revoke.' },
      sync: { type: 'bool' as const, default: true, description: 'Whether or not to perform the revocation synchronously.' },
    },
    synopsis: 'Revokes a lease immediately.',
    operations: {
      update: async (_r: unknown, d: FieldData): Promise<Response | null> => {
        const id = leaseIdOf(d);
        const m = manager(core);
        // A well-formed id that names nothing revokes nothing (Vault answers success).
        if (!validLeaseId(id)) throw badRequest('invalid lease ID');
        if (d.bool('sync')) { await m.revokeNow(id); return null; }
        await m.lazyRevoke(id);
        return accepted();
      },
    },
  };
  const revokePrefix = (force: boolean) => ({
    fields: {
      prefix: { type: 'string' as const, description: 'The path to revoke keys under. Example: "prod/aws/ops"' },
      sync: { type: 'bool' as const, default: true, description: 'Whether or not to perform the revocation synchronously.' },
    },
    synopsis: force
      ? 'Revokes all secrets or tokens generated under a given prefix immediately, ignoring errors from the backends.'
      : 'Revokes all secrets (via a lease ID prefix) or tokens (via the tokens\' path property) generated under a given prefix immediately.',
    operations: {
      update: async (_r: unknown, d: FieldData): Promise<Response | null> => {
        const sync = force || d.bool('sync');
        await manager(core).revokePrefix(d.str('prefix'), { sync, force });
        return sync ? null : accepted();
      },
    },
  });

  return [
    {
      pattern: 'leases/lookup',
      fields: { lease_id: { type: 'string', description: 'The lease identifier to look up.' } },
      synopsis: 'Retrieves lease metadata.',
      operations: { update: async (_r, d) => ({ data: await manager(core).lookup(leaseIdOf(d)) }) },
    },
    {
      pattern: 'leases/lookup/*prefix?',
      fields: { prefix: { type: 'string', description: 'The path to list leases under. Example: "aws/creds/deploy"' } },
      synopsis: 'Returns a list of lease ids.',
      operations: {
        list: async (_r, d) => {
          const keys = await manager(core).listPrefix(d.str('prefix'));
          return keys.length ? { data: { keys } } : null;
        },
      },
    },
    { pattern: 'leases/renew/*url_lease_id', ...renew },
    { pattern: 'leases/renew', ...renew },
    { pattern: 'renew/*url_lease_id', ...renew },
    { pattern: 'renew', ...renew },
    { pattern: 'leases/revoke/*url_lease_id', ...revoke },
    { pattern: 'leases/revoke', ...revoke },
    { pattern: 'leases/revoke-prefix/*prefix', ...revokePrefix(false) },
    { pattern: 'leases/revoke-force/*prefix', ...revokePrefix(true) },
    { pattern: 'revoke-prefix/*prefix', ...revokePrefix(false) },
    { pattern: 'revoke-force/*prefix', ...revokePrefix(true) },
    { pattern: 'revoke/*url_lease_id', ...revoke },
    { pattern: 'revoke', ...revoke },
    {
      pattern: 'leases/tidy',
      synopsis: 'Cleans up dangling lease entries and indexes.',
      operations: {
        update: async (): Promise<Response> => {
          const m = manager(core);
          void tidyLeases(core, m).then(
            (r) => core.logger.info({ ...r }, 'lease tidy complete'),
            (e: Error) => core.logger.error({ err: e.message }, 'failed to tidy leases'),
          );
          return { status: 202, warnings: ["Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."] };
        },
      },
    },
    {
      pattern: 'leases/count',
      fields: {
        type: { type: 'string', description: 'Type of leases to get counts for (currently only supporting irrevocable).' },
        include_child_namespaces: { type: 'bool', default: false },
      },
      synopsis: 'Counts leases of a given type.',
      operations: {
        read: async (_r, d): Promise<Response | null> => {
          if (d.str('type').toLowerCase() !== 'irrevocable') return null;
          const counts: Record<string, number> = {};
          for (const l of manager(core).irrevocableLeases()) counts[l.mount_id] = (counts[l.mount_id] ?? 0) + 1;
          return { data: { lease_count: manager(core).irrevocableCount, counts } };
        },
      },
    },
    {
      pattern: 'leases',
      fields: {
        type: { type: 'string', description: 'Type of leases to retrieve (currently only supporting irrevocable).' },
        include_child_namespaces: { type: 'bool', default: false },
        limit: { type: 'string', description: 'Maximum number of leases to return, or "none" for all.' },
      },
      synopsis: 'Lists leases of a given type.',
      operations: {
        read: async (_r, d): Promise<Response | null> => {
          if (d.str('type').toLowerCase() !== 'irrevocable') return null;
          const all = manager(core).irrevocableLeases();
          const raw = d.str('limit');
          let limit = 10_000;
          if (raw && raw.toLowerCase() !== 'none') {
            if (!/^\d+$/.test(raw) || Number(raw) < 1) throw badRequest("limit must be 'none' or a positive integer");
            limit = Number(raw);
          }
          const shown = raw.toLowerCase() === 'none' ? all : all.slice(0, limit);
          const resp: Response = { data: { leases: shown, lease_count: all.length } };
          if (!raw && all.length > limit) resp.warnings = ['Command halted because many irrevocable leases were found. To emit the entire list, re-run the command with force set true.'];
          return resp;
        },
      },
    },
  ];
}
