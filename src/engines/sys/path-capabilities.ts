/** sys/capabilities, sys/capabilities-self, sys/capabilities-accessor. */
import type { Core } from '../../core/core.js';
import { authorizerOf } from '../../core/policy/register.js';
import type { TokenEntry } from '../../core/tokens/token-entry.js';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';

async function answer(core: Core, token: TokenEntry | undefined, d: FieldData): Promise<Response> {
  if (!token) throw badRequest('invalid token');
  const paths = d.list('paths').length ? d.list('paths') : d.list('path');
  if (!paths.length) throw badRequest('"paths" must be provided');
  const data: Record<string, unknown> = {};
  const all = new Set<string>();
  for (const p of paths) {
    const caps = token.policies.includes('root') ? ['root'] : await authorizerOf(core).capabilities(token, p.replace(/^\/+/, ''));
    data[p] = caps;
    for (const c of caps) all.add(c);
  }
  // Vault answers a single path with `capabilities` too.
  if (paths.length === 1) data.capabilities = data[paths[0]!];
  else data.capabilities = [...all].sort();
  return { data, legacyTopLevel: true };
}

export function capabilitiesPaths(core: Core): PathDef[] {
  const fields = { path: { type: 'strings' as const }, paths: { type: 'strings' as const }, token: { type: 'string' as const, sensitive: true }, accessor: { type: 'string' as const } };
  return [
    { pattern: 'capabilities', fields, operations: { update: async (_r, d) => answer(core, await core.tokens.lookup(d.str('token')), d) } },
    { pattern: 'capabilities-self', fields, operations: { update: async (req, d) => answer(core, await core.tokens.lookup(req.clientToken), d) } },
    { pattern: 'capabilities-accessor', fields, operations: { update: async (_r, d) => answer(core, await core.tokens.lookupAccessor(d.str('accessor')), d) } },
  ];
}
