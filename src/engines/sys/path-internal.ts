/**
 * sys/internal/ui/mounts (how clients such as `vault kv` detect KV v1 vs v2) and
 * sys/internal/specs/openapi (generated from every mounted Backend's path table).
 */
import type { Core } from '../../core/core.js';
import type { PathDef } from '../../framework/backend.js';
import { permissionDenied } from '../../lib/errors.js';
import { mountJSON } from './path-mounts.js';
import { VERSION } from '../../core/core.js';

export function internalPaths(core: Core): PathDef[] {
  return [
    {
      pattern: 'internal/ui/mounts',
      synopsis: 'Information about mounts returned according to their tuned visibility.',
      operations: {
        read: async (req) => {
          const token = req.clientToken ? await core.tokens.lookup(req.clientToken) : undefined;
          const authz = core.services.authorizer as { hasMountAccess?: (t: unknown, p: string) => Promise<boolean> } | undefined;
          // Without a token only mounts tuned listing_visibility=unauth show; with one, those it can reach.
          const visible = async (routerPath: string, listing?: string) => {
            if (listing === 'unauth') return true;
            if (!token) return false;
            return token.policies.includes('root') || Boolean(await authz?.hasMountAccess?.(token, routerPath));
          };
          const pick = async (table: 'mounts' | 'auth') => {
            const out: Record<string, unknown> = {};
            for (const e of core.mounts.entries(table)) {
              if (await visible(core.mounts.routerPath(table, e.path), e.config.listing_visibility)) out[e.path] = mountJSON(e);
            }
            return out;
          };
          return { data: { secret: await pick('mounts'), auth: await pick('auth') } };
        },
      },
    },
    {
      pattern: 'internal/ui/mounts/*path',
      synopsis: 'Information about the mount owning a path.',
      operations: {
        read: async (req, d) => {
          if (!req.token) throw permissionDenied();
          const route = core.mounts.router.match(d.str('path'));
          if (!route) throw permissionDenied();
          const token = await core.tokens.lookup(req.clientToken);
          const authz = core.services.authorizer as { hasMountAccess?: (t: unknown, p: string) => Promise<boolean> } | undefined;
          if (!token || (!token.policies.includes('root') && !(await authz?.hasMountAccess?.(token, route.path)))) throw permissionDenied();
          return { data: { ...mountJSON(route.entry), path: route.path } };
        },
      },
    },
    {
      pattern: 'internal/specs/openapi',
      synopsis: 'Generate an OpenAPI 3 document of all mounted paths.',
      operations: {
        read: async () => {
          const paths: Record<string, unknown> = {};
          for (const r of core.mounts.router.routes()) Object.assign(paths, r.backend.openapi(r.path));
          const doc = { openapi: '3.0.2', info: { title: 'HashiCorp Vault API (Coffer)', description: 'HTTP API that gives you full access to Coffer.', version: VERSION, license: { name: 'Mozilla Public License 2.0', url: 'https://www.mozilla.org/en-US/MPL/2.0' } }, paths, components: { schemas: {} } };
          return { raw: { status: 200, contentType: 'application/json', body: JSON.stringify(doc) } };
        },
      },
    },
  ];
}
