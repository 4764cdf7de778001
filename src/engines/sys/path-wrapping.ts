/** sys/wrapping/wrap|unwrap|lookup|rewrap. */
import type { Core } from '../../core/core.js';
import { Wrapping, DEFAULT_WRAP_TTL } from '../../core/wrapping/wrapping.js';
import type { PathDef } from '../../framework/backend.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';

function wrapping(core: Core): Wrapping {
  const w = core.services.wrapping;
  if (!(w instanceof Wrapping)) throw new Error('response wrapping is not available');
  return w;
}

/** The wrapping token comes in the body (`token`) or, when absent, as the request's own token. */
function tokenOf(req: Request): string {
  const t = typeof req.data.token === 'string' && req.data.token ? req.data.token : req.clientToken;
  if (!t) throw badRequest('missing token');
  return t;
}

export function wrappingPaths(core: Core): PathDef[] {
  return [
    {
      pattern: 'wrapping/wrap',
      synopsis: 'Response-wraps an arbitrary JSON object.',
      operations: {
        update: async (req): Promise<Response> => {
          const ttl = req.wrapTTL ?? DEFAULT_WRAP_TTL;
          if (!Object.keys(req.data).length) throw badRequest('empty wrap calls are not supported');
          const info = await wrapping(core).wrapBody({ request_id: req.id, lease_id: '', renewable: false, lease_duration: 0, data: req.data, wrap_info: null, warnings: null, auth: null }, ttl, 'sys/wrapping/wrap');
          req.wrapTTL = undefined; // already wrapped: the pipeline must not wrap twice
          return { wrapInfo: info };
        },
      },
    },
    {
      pattern: 'wrapping/unwrap',
      fields: { token: { type: 'string', sensitive: true } },
      synopsis: 'Unwraps a response-wrapped token.',
      operations: {
        update: async (req): Promise<Response> => {
          const body = await wrapping(core).unwrap(tokenOf(req));
          return { raw: { status: 200, contentType: 'application/json', body: JSON.stringify({ ...body, request_id: req.id }) } };
        },
      },
    },
    {
      pattern: 'wrapping/lookup',
      fields: { token: { type: 'string', sensitive: true } },
      synopsis: 'Looks up the properties of a response-wrapped token.',
      operations: {
        update: async (req) => ({ data: await wrapping(core).lookup(tokenOf(req)) }),
        read: async (req) => ({ data: await wrapping(core).lookup(tokenOf(req)) }),
      },
    },
    {
      pattern: 'wrapping/rewrap',
      fields: { token: { type: 'string', sensitive: true } },
      synopsis: 'Rotates a response-wrapped token.',
      operations: { update: async (req) => ({ wrapInfo: await wrapping(core).rewrap(tokenOf(req)) }) },
    },
  ];
}
