/**
 * KV version 1: the request body is stored as-is under the request path, in the mount's
 * encrypted view. Reads hand back the stored `ttl` (or `lease`) as the lease duration, a
 * refresh hint to the reader; no lease is registered (Vault does the same for KV mounts).
 */
import type { BackendContext, BackendDef, PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { LogicalStorage, Request, Response } from '../../framework/types.js';
import { parseDuration } from '../../lib/duration.js';
import { badRequest } from '../../lib/errors.js';
import { sortKeysDeep } from './json-util.js';

const HELP = `The kv secrets engine (version 1) stores arbitrary JSON objects under any path. Values
are encrypted by the barrier before they reach storage. A "ttl" key in a stored object is
returned as lease_duration on reads, telling readers how often to refresh.`;

/** The lease duration a v1 read reports: the stored ttl/lease key if it parses, else the mount default. */
export function storedTTL(data: Record<string, unknown>, defaultTTL: number): number {
  const raw = Object.hasOwn(data, 'ttl') ? data.ttl : Object.hasOwn(data, 'lease') ? data.lease : undefined;
  if (raw === undefined) return defaultTTL;
  try {
    const ttl = parseDuration(raw);
    return ttl >= 0 ? ttl : defaultTTL;
  } catch {
    return defaultTTL;
  }
}

/** Read/write/delete/list over a storage view; shared by KV v1 and (per token) cubbyhole. */
export interface PassthroughOps {
  /** Maps the request to its storage key prefix (cubbyhole: the token's folder). */
  scope(req: Request): string | Promise<string>;
  storage: LogicalStorage;
  /** Builds the read response from the stored object. */
  readResponse(data: Record<string, unknown>): Response;
}

export function passthroughPath(p: PassthroughOps, synopsis: string): PathDef {
  const key = async (req: Request, d: FieldData) => (await p.scope(req)) + d.str('path');
  return {
    pattern: '*path?',
    fields: { path: { type: 'string', description: 'Location of the secret.' } },
    takesArbitraryInput: true,
    synopsis,
    existenceCheck: async (req, d) => (await p.storage.get(await key(req, d))) !== undefined,
    operations: {
      read: async (req, d) => {
        if (!d.str('path')) return null;
        const data = await p.storage.getJSON<Record<string, unknown>>(await key(req, d));
        return data ? p.readResponse(data) : null;
      },
      update: async (req, d) => {
        if (!d.str('path')) throw badRequest('missing path');
        if (Object.keys(req.data).length === 0) throw badRequest('missing data fields');
        // Go's json.Marshal sorts map keys; storing them sorted makes reads return Vault's order.
        await p.storage.putJSON(await key(req, d), sortKeysDeep(req.data));
        return null;
      },
      delete: async (req, d) => {
        if (d.str('path')) await p.storage.delete(await key(req, d));
        return null;
      },
      list: async (req, d) => {
        let prefix = d.str('path');
        if (prefix && !prefix.endsWith('/')) prefix += '/';
        const keys = await p.storage.list((await p.scope(req)) + prefix);
        // Vault answers an empty listing with 404.
        return keys.length ? { data: { keys } } : null;
      },
    },
  };
}

export function kvV1(ctx: BackendContext): BackendDef {
  return {
    help: HELP,
    paths: [passthroughPath({
      scope: () => '',
      storage: ctx.storage,
      readResponse: (data) => ({ data, leaseDuration: storedTTL(data, ctx.system.defaultLeaseTTL()) }),
    }, 'Pass-through secret storage: read and write arbitrary data at any path.')],
  };
}
