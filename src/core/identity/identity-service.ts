/**
 * Wires identity into core: loads the store on unseal (before mounts use it), creates an
 * entity and alias at first login, keeps external group membership in step with the auth
 * method's groups.
 */
import { LogicalView } from '../../framework/logical.js';
import type { Core } from '../core.js';
import type { IdentityService } from '../services.js';
import { IdentityStore } from './identity-store.js';

export function createIdentityService(core: Core, store: IdentityStore): IdentityService {
  return {
    async entityForLogin(_req, route, alias, groupAliases) {
      let a = store.aliasFor(route.entry.accessor, alias.name);
      if (!a) {
        const entity = await store.upsertEntity({});
        a = await store.upsertAlias({ canonical_id: entity.id, mount_accessor: route.entry.accessor, name: alias.name, metadata: alias.metadata ?? null });
      } else if (alias.metadata && JSON.stringify(alias.metadata) !== JSON.stringify(a.metadata)) {
        a = await store.upsertAlias({ id: a.id, metadata: alias.metadata });
      }
      if (groupAliases) await store.syncExternalGroups(a.canonical_id, route.entry.accessor, groupAliases.map((g) => g.name));
      const entity = store.entities.get(a.canonical_id);
      if (entity?.disabled) return { entityId: entity.id, policies: [] };
      return { entityId: a.canonical_id, policies: store.policiesOf(a.canonical_id) };
    },
  };
}

/** Creates the store before the mount table loads, so the identity/ Backend finds it. */
export function attachIdentity(core: Core): IdentityStore {
  const store = new IdentityStore(new LogicalView(core.barrier, 'sys/identity/'));
  core.registry.set('identity', store);
  core.services.identity = createIdentityService(core, store);
  return store;
}
