/**
 * A tiny secrets engine that hands out leased credentials, registered as type "leasetest":
 * the test fixture Vault's own lease tests use in spirit (KV never creates leases). Roles
 * set ttl, max_ttl, renewable; `fail` makes revocation throw until cleared. Every renew and
 * revoke call is recorded, so tests see exactly what the lease manager did.
 */
import type { BackendDef, BackendFactory } from '../../src/framework/backend.js';
import { registerType } from '../../src/core/registry.js';
import { badRequest } from '../../src/lib/errors.js';

export interface Role {
  ttl: number;
  max_ttl: number;
  renewable: boolean;
  fail: boolean;
  hang: boolean;
}

export const calls = {
  revoked: [] as string[],
  renewed: [] as string[],
  failedRevokes: [] as string[],
};

let serial = 0;

const factory: BackendFactory = (ctx): BackendDef => ({
  help: 'Issues leased test credentials.',
  paths: [
    {
      pattern: 'roles/:name',
      fields: {
        name: { type: 'string' },
        ttl: { type: 'duration' },
        max_ttl: { type: 'duration' },
        renewable: { type: 'bool', default: true },
        fail: { type: 'bool', default: false },
        hang: { type: 'bool', default: false },
      },
      operations: {
        update: async (_req, d) => {
          const role: Role = { ttl: d.int('ttl'), max_ttl: d.int('max_ttl'), renewable: d.bool('renewable'), fail: d.bool('fail'), hang: d.bool('hang') };
          await ctx.storage.putJSON(`roles/${d.str('name')}`, role);
          return null;
        },
      },
    },
    {
      pattern: 'creds/:name',
      fields: { name: { type: 'string' } },
      operations: {
        read: async (_req, d) => {
          const role = await ctx.storage.getJSON<Role>(`roles/${d.str('name')}`);
          if (!role) throw badRequest(`unknown role ${d.str('name')}`);
          const username = `${d.str('name')}-${++serial}`;
          return {
            data: { username, password: `pw-${username}` },
            secret: { type: 'creds', ttl: role.ttl, maxTTL: role.max_ttl, renewable: role.renewable, internal: { username, role: d.str('name') } },
          };
        },
      },
    },
  ],
  secrets: [
    {
      type: 'creds',
      renew: async (req) => {
        calls.renewed.push(String(req.secret!.internal.username));
        return null;
      },
      revoke: async (req) => {
        const username = String(req.secret!.internal.username);
        const role = await ctx.storage.getJSON<Role>(`roles/${String(req.secret!.internal.role)}`);
        if (role?.hang) await new Promise(() => undefined);
        if (role?.fail) {
          calls.failedRevokes.push(username);
          throw new Error('the database is unreachable');
        }
        calls.revoked.push(username);
      },
    },
  ],
});

registerType('leasetest', 'secret', factory);

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
