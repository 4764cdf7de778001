/** `GET …?help=1`: the Backend's own help for the path, generated from its path table. */
import type { Request, Response } from '../../framework/types.js';
import { CofferError, permissionDenied, sealed } from '../../lib/errors.js';
import type { Core } from '../core.js';

export async function handleHelp(core: Core, req: Request): Promise<Response> {
  if (core.sealed) throw sealed();
  const token = await core.tokens.lookup(req.clientToken);
  if (!token) throw permissionDenied();
  const route = core.mounts.router.match(req.fullPath);
  if (!route) throw new CofferError(404, `no handler for route "${req.fullPath}". route entry not found.`);
  const rel = req.fullPath.slice(route.path.length);
  const help = route.backend.help(rel);
  return { raw: { status: 200, contentType: 'application/json', body: JSON.stringify({ ...help, openapi: { openapi: '3.0.2', paths: route.backend.openapi(route.path) } }) } };
}
