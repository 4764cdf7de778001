/**
 * Identity: entities, their aliases (one per auth mount and login name), and groups
 * (internal with explicit members, external filled from an auth method's group claims).
 * Everything is persisted through the barrier and indexed in memory on unseal, because
 * a token's effective policies are computed from it on every request.
 */
import { randomUUID } from 'node:crypto';
import type { LogicalView } from '../../framework/logical.js';
import { badRequest } from '../../lib/errors.js';

export interface Entity {
  id: string;
  name: string;
  metadata: Record<string, string> | null;
  policies: string[];
  disabled: boolean;
  creation_time: string;
  last_update_time: string;
}

export interface Alias {
  id: string;
  canonical_id: string;
  mount_accessor: string;
  name: string;
  metadata: Record<string, string> | null;
  custom_metadata: Record<string, string> | null;
  creation_time: string;
  last_update_time: string;
}

export interface Group {
  id: string;
  name: string;
  type: 'internal' | 'external';
  policies: string[];
  member_entity_ids: string[];
  member_group_ids: string[];
  metadata: Record<string, string> | null;
  creation_time: string;
  last_update_time: string;
}

export interface GroupAlias {
  id: string;
  canonical_id: string;
  mount_accessor: string;
  name: string;
  creation_time: string;
  last_update_time: string;
}

type Kind = 'entity' | 'alias' | 'group' | 'group-alias';

export class IdentityStore {
  readonly entities = new Map<string, Entity>();
  readonly aliases = new Map<string, Alias>();
  readonly groups = new Map<string, Group>();
  readonly groupAliases = new Map<string, GroupAlias>();
  /** Bumped on every change so callers can cache derived data (policy sets). */
  generation = 0;

  constructor(private readonly view: LogicalView) {}

  async load(): Promise<void> {
    const maps: [Kind, Map<string, unknown>][] = [['entity', this.entities], ['alias', this.aliases], ['group', this.groups], ['group-alias', this.groupAliases]];
    for (const [kind, map] of maps) {
      map.clear();
      for (const id of await this.view.list(`${kind}/`)) {
        const v = await this.view.getJSON(`${kind}/${id}`);
        if (v) map.set(id, v);
      }
    }
    this.generation++;
  }

  private async persist(kind: Kind, obj: { id: string }): Promise<void> {
    await this.view.putJSON(`${kind}/${obj.id}`, obj);
    this.generation++;
  }

  private async remove(kind: Kind, id: string): Promise<void> {
    await this.view.delete(`${kind}/${id}`);
    this.generation++;
  }

  now(): string { return new Date().toISOString(); }

  entityByName(name: string): Entity | undefined {
    for (const e of this.entities.values()) if (e.name === name) return e;
    return undefined;
  }

  groupByName(name: string): Group | undefined {
    for (const g of this.groups.values()) if (g.name === name) return g;
    return undefined;
  }

  aliasFor(mountAccessor: string, name: string): Alias | undefined {
    for (const a of this.aliases.values()) if (a.mount_accessor === mountAccessor && a.name === name) return a;
    return undefined;
  }

  groupAliasFor(mountAccessor: string, name: string): GroupAlias | undefined {
    for (const a of this.groupAliases.values()) if (a.mount_accessor === mountAccessor && a.name === name) return a;
    return undefined;
  }

  aliasesOf(entityId: string): Alias[] {
    return [...this.aliases.values()].filter((a) => a.canonical_id === entityId);
  }

  async upsertEntity(input: Partial<Entity> & { id?: string }): Promise<Entity> {
    const existing = input.id ? this.entities.get(input.id) : input.name ? this.entityByName(input.name) : undefined;
    if (input.name) {
      const clash = this.entityByName(input.name);
      if (clash && clash.id !== existing?.id) throw badRequest(`entity name is already in use`);
    }
    const now = this.now();
    const id = existing?.id ?? input.id ?? randomUUID();
    const e: Entity = {
      id,
      name: input.name ?? existing?.name ?? `entity_${id.slice(0, 8)}`,
      metadata: input.metadata !== undefined ? input.metadata : existing?.metadata ?? null,
      policies: input.policies ?? existing?.policies ?? [],
      disabled: input.disabled ?? existing?.disabled ?? false,
      creation_time: existing?.creation_time ?? now,
      last_update_time: now,
    };
    this.entities.set(id, e);
    await this.persist('entity', e);
    return e;
  }

  async deleteEntity(id: string): Promise<void> {
    if (!this.entities.has(id)) return;
    for (const a of this.aliasesOf(id)) { this.aliases.delete(a.id); await this.remove('alias', a.id); }
    for (const g of this.groups.values()) {
      if (g.member_entity_ids.includes(id)) {
        g.member_entity_ids = g.member_entity_ids.filter((x) => x !== id);
        await this.persist('group', g);
      }
    }
    this.entities.delete(id);
    await this.remove('entity', id);
  }

  async upsertAlias(input: Partial<Alias> & { id?: string }): Promise<Alias> {
    const existing = input.id ? this.aliases.get(input.id) : undefined;
    const mount = input.mount_accessor ?? existing?.mount_accessor;
    const name = input.name ?? existing?.name;
    const canonical = input.canonical_id ?? existing?.canonical_id;
    if (!mount) throw badRequest('missing mount_accessor');
    if (!name) throw badRequest('missing alias name');
    if (!canonical || !this.entities.has(canonical)) throw badRequest('invalid canonical ID');
    const clash = this.aliasFor(mount, name);
    if (clash && clash.id !== existing?.id) throw badRequest(`alias with combination of mount accessor and name already exists for entity "${clash.canonical_id}"`);
    const now = this.now();
    const a: Alias = {
      id: existing?.id ?? randomUUID(), canonical_id: canonical, mount_accessor: mount, name,
      metadata: input.metadata !== undefined ? input.metadata : existing?.metadata ?? null,
      custom_metadata: input.custom_metadata !== undefined ? input.custom_metadata : existing?.custom_metadata ?? null,
      creation_time: existing?.creation_time ?? now, last_update_time: now,
    };
    this.aliases.set(a.id, a);
    await this.persist('alias', a);
    return a;
  }

  async deleteAlias(id: string): Promise<void> {
    if (!this.aliases.delete(id)) return;
    await this.remove('alias', id);
  }

  async upsertGroup(input: Partial<Group> & { id?: string }): Promise<Group> {
    const existing = input.id ? this.groups.get(input.id) : input.name ? this.groupByName(input.name) : undefined;
    if (input.name) {
      const clash = this.groupByName(input.name);
      if (clash && clash.id !== existing?.id) throw badRequest('group name is already in use');
    }
    const type = input.type ?? existing?.type ?? 'internal';
    if (existing && input.type && input.type !== existing.type) throw badRequest('group type cannot be changed');
    const members = input.member_entity_ids ?? existing?.member_entity_ids ?? [];
    const memberGroups = input.member_group_ids ?? existing?.member_group_ids ?? [];
    if (type === 'external' && ((input.member_entity_ids?.length ?? 0) > 0 || memberGroups.length > 0)) {
      throw badRequest('member entities can\'t be set manually for external groups');
    }
    for (const id of members) if (!this.entities.has(id)) throw badRequest(`entity "${id}" does not exist`);
    const now = this.now();
    const id = existing?.id ?? input.id ?? randomUUID();
    for (const gid of memberGroups) {
      if (!this.groups.has(gid)) throw badRequest(`group "${gid}" does not exist`);
      if (gid === id || this.ancestors(id).has(gid)) throw badRequest(`member group ID "${gid}" is invalid: cycle detected`);
    }
    const g: Group = {
      id, name: input.name ?? existing?.name ?? `group_${id.slice(0, 8)}`, type,
      policies: input.policies ?? existing?.policies ?? [],
      member_entity_ids: [...new Set(members)], member_group_ids: [...new Set(memberGroups)],
      metadata: input.metadata !== undefined ? input.metadata : existing?.metadata ?? null,
      creation_time: existing?.creation_time ?? now, last_update_time: now,
    };
    this.groups.set(id, g);
    await this.persist('group', g);
    return g;
  }

  async deleteGroup(id: string): Promise<void> {
    if (!this.groups.has(id)) return;
    for (const a of [...this.groupAliases.values()].filter((x) => x.canonical_id === id)) {
      this.groupAliases.delete(a.id);
      await this.remove('group-alias', a.id);
    }
    for (const g of this.groups.values()) {
      if (g.member_group_ids.includes(id)) {
        g.member_group_ids = g.member_group_ids.filter((x) => x !== id);
        await this.persist('group', g);
      }
    }
    this.groups.delete(id);
    await this.remove('group', id);
  }

  async upsertGroupAlias(input: Partial<GroupAlias> & { id?: string }): Promise<GroupAlias> {
    const existing = input.id ? this.groupAliases.get(input.id) : undefined;
    const mount = input.mount_accessor ?? existing?.mount_accessor;
    const name = input.name ?? existing?.name;
    const canonical = input.canonical_id ?? existing?.canonical_id;
    if (!mount) throw badRequest('missing mount_accessor');
    if (!name) throw badRequest('missing alias name');
    const group = canonical ? this.groups.get(canonical) : undefined;
    if (!group) throw badRequest('invalid canonical ID');
    if (group.type !== 'external') throw badRequest('alias can\'t be set on an internal group');
    const clash = this.groupAliasFor(mount, name);
    if (clash && clash.id !== existing?.id) throw badRequest('combination of mount and group alias name is already in use');
    const now = this.now();
    const a: GroupAlias = { id: existing?.id ?? randomUUID(), canonical_id: group.id, mount_accessor: mount, name, creation_time: existing?.creation_time ?? now, last_update_time: now };
    this.groupAliases.set(a.id, a);
    await this.persist('group-alias', a);
    return a;
  }

  async deleteGroupAlias(id: string): Promise<void> {
    if (!this.groupAliases.delete(id)) return;
    await this.remove('group-alias', id);
  }

  /** Groups that (transitively) contain group `id` as a member. */
  ancestors(id: string): Set<string> {
    const out = new Set<string>();
    const stack = [id];
    while (stack.length) {
      const cur = stack.pop()!;
      for (const g of this.groups.values()) {
        if (g.member_group_ids.includes(cur) && !out.has(g.id)) { out.add(g.id); stack.push(g.id); }
      }
    }
    return out;
  }

  directGroupIds(entityId: string): string[] {
    return [...this.groups.values()].filter((g) => g.member_entity_ids.includes(entityId)).map((g) => g.id);
  }

  /** Direct and inherited groups of an entity. */
  allGroupIds(entityId: string): string[] {
    const out = new Set<string>();
    for (const id of this.directGroupIds(entityId)) {
      out.add(id);
      for (const a of this.ancestors(id)) out.add(a);
    }
    return [...out];
  }

  /** Policies an entity brings to its tokens: its own and all its groups'. */
  policiesOf(entityId: string): string[] {
    const e = this.entities.get(entityId);
    if (!e || e.disabled) return [];
    const set = new Set(e.policies);
    for (const gid of this.allGroupIds(entityId)) for (const p of this.groups.get(gid)?.policies ?? []) set.add(p);
    return [...set].sort();
  }

  /** External group membership follows the auth method's group claims at each login. */
  async syncExternalGroups(entityId: string, mountAccessor: string, groupNames: string[]): Promise<void> {
    const wanted = new Set<string>();
    for (const name of groupNames) {
      const ga = this.groupAliasFor(mountAccessor, name);
      if (ga) wanted.add(ga.canonical_id);
    }
    for (const g of this.groups.values()) {
      if (g.type !== 'external') continue;
      const bound = [...this.groupAliases.values()].some((a) => a.canonical_id === g.id && a.mount_accessor === mountAccessor);
      if (!bound) continue;
      const has = g.member_entity_ids.includes(entityId);
      if (wanted.has(g.id) && !has) { g.member_entity_ids.push(entityId); await this.persist('group', g); }
      if (!wanted.has(g.id) && has) { g.member_entity_ids = g.member_entity_ids.filter((x) => x !== entityId); await this.persist('group', g); }
    }
  }
}
