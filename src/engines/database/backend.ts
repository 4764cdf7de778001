/**
 * The `database` secrets engine (Vault's combined database engine; seed 003): connection
 * configs for PostgreSQL and MySQL/MariaDB, dynamic roles whose credentials are database users
 * under a lease, static roles whose passwords Coffer rotates, and root rotation.
 */
import type { BackendDef, BackendFactory } from '../../framework/backend.js';
import { configPaths } from './config.js';
import { Connections } from './connections.js';
import { createCreds, CREDS_TYPE, renewCreds, revokeCreds, type CredsDeps } from './creds.js';
import { rolePaths } from './roles.js';
import { recoverRootRotations, rotateRootPath } from './rotate-root.js';
import { staticRolePaths, StaticRotator } from './static-roles.js';

/** How often static roles are checked for a due rotation (Vault's queue tick). */
export const ROTATION_TICK_MS = 5_000;

export const databaseFactory: BackendFactory = (ctx): BackendDef => {
  const connections = new Connections(ctx.storage);
  const deps: CredsDeps = { storage: ctx.storage, system: ctx.system, connections, now: Date.now };
  const rotator = new StaticRotator(ctx.storage, connections);
  let ticker: NodeJS.Timeout | undefined;
  let ticking = false;
  const tick = async () => {
    if (ticking) return;
    ticking = true;
    try {
      await rotator.rotateDue((role, e) => ctx.logger.warn({ role, error: e.message }, 'database: static role rotation failed; will retry'));
    } catch (e) {
      ctx.logger.warn({ error: (e as Error).message }, 'database: static role rotation sweep failed');
    } finally {
      ticking = false;
    }
  };
  return {
    help: 'The database backend supports using many different databases as secret backends, including but not limited to: cassandra, mssql, mysql, postgres\n\nAfter mounting this backend, configure it using the endpoints within the "database/config/" path.',
    paths: [
      ...configPaths(ctx.storage, connections),
      ...rolePaths(ctx.storage),
      {
        pattern: 'creds/:name',
        fields: { name: { type: 'string', description: 'Name of the role.' } },
        synopsis: 'Request database credentials for a certain role.',
        description: 'This path reads database credentials for a certain role. The database credentials will be generated on demand and will be automatically revoked when the lease is up.',
        operations: { read: (req, d) => createCreds(deps, req, d) },
      },
      ...staticRolePaths(ctx.storage, connections, rotator),
      rotateRootPath(ctx.storage, connections),
    ],
    secrets: [{ type: CREDS_TYPE, renew: (req) => renewCreds(deps, req), revoke: (req) => revokeCreds(deps, req) }],
    async init() {
      ticker = setInterval(() => void tick(), ROTATION_TICK_MS);
      ticker.unref();
      // In the background: a database that is slow to answer must not hold up the unseal.
      void recoverRootRotations(ctx.storage, connections).catch((e) => ctx.logger.warn({ error: (e as Error).message }, 'database: recovering an interrupted root rotation failed'));
    },
    async cleanup() {
      if (ticker) clearInterval(ticker);
      await connections.closeAll();
    },
  };
};
