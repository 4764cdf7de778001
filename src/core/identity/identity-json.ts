/** Vault's JSON shapes for identity objects. */
import type { Core } from '../core.js';
import type { Alias, Entity, Group, GroupAlias, IdentityStore } from './identity-store.js';

function mountOf(core: Core, accessor: string) {
  const r = core.mounts.router.findByAccessor(accessor);
  return { mount_path: r?.path ?? '', mount_type: r?.entry.type ?? '' };
}

export function aliasJSON(core: Core, a: Alias): Record<string, unknown> {
  return { ...a, ...mountOf(core, a.mount_accessor), merged_from_canonical_ids: null, local: false, namespace_id: 'root' };
}

export function entityJSON(core: Core, store: IdentityStore, e: Entity): Record<string, unknown> {
  const direct = store.directGroupIds(e.id);
  const all = store.allGroupIds(e.id);
  return {
    ...e,
    aliases: store.aliasesOf(e.id).map((a) => aliasJSON(core, a)),
    direct_group_ids: direct,
    group_ids: all,
    inherited_group_ids: all.filter((g) => !direct.includes(g)),
    merged_entity_ids: null,
    namespace_id: 'root',
    mfa_secrets: {},
  };
}

export function groupJSON(core: Core, store: IdentityStore, g: Group): Record<string, unknown> {
  const alias = [...store.groupAliases.values()].find((a) => a.canonical_id === g.id);
  return {
    ...g,
    parent_group_ids: [...store.groups.values()].filter((p) => p.member_group_ids.includes(g.id)).map((p) => p.id),
    alias: alias ? groupAliasJSON(core, alias) : {},
    modify_index: 1,
    namespace_id: 'root',
  };
}

export function groupAliasJSON(core: Core, a: GroupAlias): Record<string, unknown> {
  return { ...a, ...mountOf(core, a.mount_accessor), merged_from_canonical_ids: null, metadata: null, namespace_id: 'root' };
}
