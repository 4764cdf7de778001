/**
 * The `kv` secrets engine: one factory, two APIs. `options.version` "2" gives the versioned
 * engine (data/, metadata/, delete/, undelete/, destroy/, subkeys/, config); "1" or nothing
 * gives the unversioned pass-through store, as Vault's `kv` type does.
 */
import type { BackendContext, BackendDef } from '../../framework/backend.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import { badRequest } from '../../lib/errors.js';
import { kvV1 } from './v1.js';
import { configPath } from './v2-config.js';
import { dataPaths } from './v2-data.js';
import { invalidPaths } from './v2-invalid.js';
import { metadataPaths } from './v2-metadata.js';
import { V2Store } from './v2-store.js';
import { subkeysPath } from './v2-subkeys.js';
import { upgradeFromV1 } from './v2-upgrade.js';
import { versionPaths } from './v2-versions.js';

const V2_HELP = `The kv secrets engine (version 2) keeps versioned secrets. Every write creates a new
version; older versions stay readable until they fall out of max_versions, are destroyed, or
reach delete_version_after. Deletes are soft and can be undone; destroy removes data for good.
Values are encrypted by the barrier before they reach storage.`;

export function kvV2(ctx: BackendContext): BackendDef {
  const clock = ctx.system.service<Clock>('clock') ?? systemClock;
  // Versioned data lives below the mount uuid, as in Vault, so v1 keys at the root can be upgraded in place.
  const store = new V2Store(ctx.storage, `${ctx.mount.uuid}/`, clock);
  const metadata = metadataPaths(store);
  return {
    help: V2_HELP,
    paths: [
      configPath(store),
      ...dataPaths(store),
      ...metadata.paths,
      ...versionPaths(store),
      subkeysPath(store),
      ...invalidPaths((req) => metadata.list(req)),
    ],
    async init() {
      await store.loadConfig();
      await upgradeFromV1(store, ctx.logger);
    },
    async cleanup() {
      store.clearCaches();
    },
  };
}

export function kvFactory(ctx: BackendContext): BackendDef {
  const version = ctx.mount.options.version || '1';
  if (version === '1') return kvV1(ctx);
  if (version === '2') return kvV2(ctx);
  throw badRequest(`invalid kv version "${version}": must be "1" or "2"`);
}
