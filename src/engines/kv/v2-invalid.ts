/**
 * KV v2's answer to v1-style requests (e.g. `GET secret/foo` instead of `secret/data/foo`):
 * a 404 whose warning points at the versioned API, worded as Vault words it so scripts and
 * clients that look for it keep working.
 */
import type { PathDef } from '../../framework/backend.js';
import type { Operation, Request, Response } from '../../framework/types.js';

const ROOTS = new Set(['metadata', 'data', 'delete', 'undelete', 'destroy']);

const SUBCOMMAND: Record<Operation, string> = {
  create: 'put', update: 'put', patch: 'patch', read: 'get', list: 'list', delete: 'delete',
};

export function invalidPath(req: Request): Response {
  if (ROOTS.has(req.path)) {
    return { status: 404, warnings: ['Non-listing operations on the root of a K/V v2 mount are not supported.'] };
  }
  return {
    status: 404,
    warnings: [`Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${SUBCOMMAND[req.operation]}' for this operation.`],
  };
}

/** Must come last in the path table: it matches everything the real paths did not. */
export function invalidPaths(listRoot: (req: Request) => Promise<Response | null>): PathDef[] {
  const handler = async (req: Request) => invalidPath(req);
  return [{
    pattern: '*path?',
    // Vault's invalid-path reply is a pre-rendered body, so no unknown-field warning reaches the client.
    takesArbitraryInput: true,
    synopsis: 'Not a KV v2 endpoint; use data/, metadata/, delete/, undelete/, destroy/, subkeys/ or config.',
    operations: {
      read: handler, create: handler, update: handler, patch: handler, delete: handler,
      // Vault's HTTP layer adds the trailing slash to LIST paths, so `LIST metadata` lists the root.
      list: async (req) => (req.path === 'metadata' ? listRoot(req) : invalidPath(req)),
    },
  }];
}
