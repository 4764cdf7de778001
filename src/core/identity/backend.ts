/**
 * The identity/ backend: entities, entity aliases, groups and group aliases, with Vault's
 * paths (`entity`, `entity/id/:id`, `entity/name/:name`, `entity-alias`, `group`, …).
 */
import type { Core } from '../core.js';
import type { BackendDef, BackendFactory, PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import type { IdentityStore } from './identity-store.js';
import { aliasJSON, entityJSON, groupAliasJSON, groupJSON } from './identity-json.js';

const entityFields: FieldTable = {
  id: { type: 'string' }, name: { type: 'string' }, metadata: { type: 'kvpairs' }, policies: { type: 'strings' }, disabled: { type: 'bool' },
};
const groupFields: FieldTable = {
  id: { type: 'string' }, name: { type: 'string' }, type: { type: 'string', allowed: ['internal', 'external', ''] }, metadata: { type: 'kvpairs' },
  policies: { type: 'strings' }, member_group_ids: { type: 'strings' }, member_entity_ids: { type: 'strings' },
};
const aliasFields: FieldTable = {
  id: { type: 'string' }, name: { type: 'string' }, canonical_id: { type: 'string' }, mount_accessor: { type: 'string' },
  custom_metadata: { type: 'kvpairs' }, entity_id: { type: 'string' },
};

/**
 * On the collection endpoints (`entity`, `group`, …) an `id` names an existing object to update,
 * as in Vault; an unknown one is refused rather than becoming a client-chosen id (ids are ours,
 * and they are storage keys).
 */
function existingId(d: FieldData, has: (id: string) => boolean, message: string): string | undefined {
  const id = d.str('id');
  if (!d.has('id') || id === '') return undefined;
  if (!has(id)) throw badRequest(message);
  return id;
}

const pick = (d: FieldData, names: string[]) => {
  const out: Record<string, unknown> = {};
  for (const n of names) if (d.has(n)) out[n] = d.get(n);
  return out;
};

export function identityPaths(core: Core, store: IdentityStore): PathDef[] {
  const entityResp = (id: string): Response => ({ data: { id, name: store.entities.get(id)?.name, aliases: null } });
  const listBy = (items: { id: string; name: string }[], by: 'id' | 'name'): Response | null => {
    if (!items.length) return null;
    const keys = items.map((i) => (by === 'id' ? i.id : i.name)).sort();
    const key_info: Record<string, unknown> = {};
    for (const i of items) key_info[by === 'id' ? i.id : i.name] = { name: i.name };
    return { data: { keys, key_info } };
  };
  const entityCrud = (by: 'id' | 'name'): PathDef => ({
    pattern: `entity/${by}/:key`,
    fields: { ...entityFields, key: { type: 'string' } },
    operations: {
      read: async (_r, d) => {
        const e = by === 'id' ? store.entities.get(d.str('key')) : store.entityByName(d.str('key'));
        return e ? { data: entityJSON(core, store, e) } : null;
      },
      update: async (_r, d) => {
        const current = by === 'id' ? store.entities.get(d.str('key')) : store.entityByName(d.str('key'));
        if (by === 'id' && !current) throw badRequest('entity not found from id');
        const e = await store.upsertEntity({ ...pick(d, ['name', 'metadata', 'policies', 'disabled']), id: current?.id, ...(by === 'name' && !current ? { name: d.str('key') } : {}) });
        return current ? null : entityResp(e.id);
      },
      delete: async (_r, d) => {
        const e = by === 'id' ? store.entities.get(d.str('key')) : store.entityByName(d.str('key'));
        if (e) await store.deleteEntity(e.id);
        return null;
      },
    },
  });
  const groupCrud = (by: 'id' | 'name'): PathDef => ({
    pattern: `group/${by}/:key`,
    fields: { ...groupFields, key: { type: 'string' } },
    operations: {
      read: async (_r, d) => {
        const g = by === 'id' ? store.groups.get(d.str('key')) : store.groupByName(d.str('key'));
        return g ? { data: groupJSON(core, store, g) } : null;
      },
      update: async (_r, d) => {
        const current = by === 'id' ? store.groups.get(d.str('key')) : store.groupByName(d.str('key'));
        if (by === 'id' && !current) throw badRequest('group not found from id');
        const g = await store.upsertGroup({ ...pick(d, ['name', 'type', 'metadata', 'policies', 'member_group_ids', 'member_entity_ids']), id: current?.id, ...(by === 'name' && !current ? { name: d.str('key') } : {}) } as never);
        return current ? null : { data: { id: g.id, name: g.name } };
      },
      delete: async (_r, d) => {
        const g = by === 'id' ? store.groups.get(d.str('key')) : store.groupByName(d.str('key'));
        if (g) await store.deleteGroup(g.id);
        return null;
      },
    },
  });
  return [
    {
      pattern: 'entity',
      fields: entityFields,
      operations: {
        update: async (_r, d) => {
          const id = existingId(d, (x) => store.entities.has(x), 'entity not found from id');
          const e = await store.upsertEntity({ ...pick(d, ['name', 'metadata', 'policies', 'disabled']), id } as never);
          return entityResp(e.id);
        },
      },
    },
    { pattern: 'entity/id', operations: { list: async () => listBy([...store.entities.values()], 'id') } },
    { pattern: 'entity/name', operations: { list: async () => listBy([...store.entities.values()], 'name') } },
    entityCrud('id'),
    entityCrud('name'),
    {
      pattern: 'entity-alias',
      fields: aliasFields,
      operations: {
        update: async (_r, d) => {
          const id = existingId(d, (x) => store.aliases.has(x), 'invalid alias ID provided');
          const a = await store.upsertAlias({ ...pick(d, ['name', 'mount_accessor', 'custom_metadata']), id, canonical_id: d.str('canonical_id') || d.str('entity_id') || undefined } as never);
          return { data: { id: a.id, canonical_id: a.canonical_id } };
        },
      },
    },
    { pattern: 'entity-alias/id', operations: { list: async () => listBy([...store.aliases.values()], 'id') } },
    {
      pattern: 'entity-alias/id/:id',
      fields: aliasFields,
      operations: {
        read: async (_r, d) => { const a = store.aliases.get(d.str('id')); return a ? { data: aliasJSON(core, a) } : null; },
        update: async (_r, d) => {
          if (!store.aliases.has(d.str('id'))) throw badRequest('invalid alias ID');
          await store.upsertAlias({ ...pick(d, ['name', 'mount_accessor', 'custom_metadata', 'canonical_id']), id: d.str('id') } as never);
          return null;
        },
        delete: async (_r, d) => { await store.deleteAlias(d.str('id')); return null; },
      },
    },
    {
      pattern: 'group',
      fields: groupFields,
      operations: {
        update: async (_r, d) => {
          const id = existingId(d, (x) => store.groups.has(x), 'invalid group ID');
          const g = await store.upsertGroup({ ...pick(d, ['name', 'type', 'metadata', 'policies', 'member_group_ids', 'member_entity_ids']), id } as never);
          return { data: { id: g.id, name: g.name } };
        },
      },
    },
    { pattern: 'group/id', operations: { list: async () => listBy([...store.groups.values()], 'id') } },
    { pattern: 'group/name', operations: { list: async () => listBy([...store.groups.values()], 'name') } },
    groupCrud('id'),
    groupCrud('name'),
    {
      pattern: 'group-alias',
      fields: aliasFields,
      operations: {
        update: async (_r, d) => {
          const id = existingId(d, (x) => store.groupAliases.has(x), 'invalid group alias ID');
          const a = await store.upsertGroupAlias({ ...pick(d, ['name', 'mount_accessor', 'canonical_id']), id } as never);
          return { data: { id: a.id, canonical_id: a.canonical_id } };
        },
      },
    },
    { pattern: 'group-alias/id', operations: { list: async () => listBy([...store.groupAliases.values()], 'id') } },
    {
      pattern: 'group-alias/id/:id',
      fields: aliasFields,
      operations: {
        read: async (_r, d) => { const a = store.groupAliases.get(d.str('id')); return a ? { data: groupAliasJSON(core, a) } : null; },
        update: async (_r, d) => {
          if (!store.groupAliases.has(d.str('id'))) throw badRequest('invalid group alias ID');
          await store.upsertGroupAlias({ ...pick(d, ['name', 'mount_accessor', 'canonical_id']), id: d.str('id') } as never);
          return null;
        },
        delete: async (_r, d) => { await store.deleteGroupAlias(d.str('id')); return null; },
      },
    },
  ];
}

export const identityFactory: BackendFactory = (ctx): BackendDef => {
  const core = ctx.system.service<Core>('core')!;
  const store = ctx.system.service<IdentityStore>('identity')!;
  return {
    help: 'Identity backend: entities, aliases and groups that tie a person or machine to its logins across auth methods.',
    paths: identityPaths(core, store),
  };
};
