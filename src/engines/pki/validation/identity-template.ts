/**
 * Vault's ACL identity templating (`{{identity.entity.name}}` and friends) for roles with
 * `allowed_domains_template` / `allowed_uri_sans_template`. A template that cannot be filled
 * for the caller's entity yields nothing, as Vault skips such entries.
 */

interface Named { id: string; name: string; metadata: Record<string, string> | null }

/** The part of core's identity store templating reads. */
export interface IdentityLookup {
  entities: Map<string, Named>;
  groups: Map<string, Named>;
  aliasesOf(entityId: string): (Named & { mount_accessor: string })[];
  allGroupIds(entityId: string): string[];
}

const TEMPLATE = /\{\{\s*([^{}]+?)\s*\}\}/g;

export const isTemplate = (s: string): boolean => /\{\{[^{}]+\}\}/.test(s);

function lookup(path: string, entityId: string, id: IdentityLookup): string | undefined {
  const entity = id.entities.get(entityId);
  if (!entity) return undefined;
  const p = path.split('.');
  if (p[0] !== 'identity') return undefined;
  if (p[1] === 'entity') {
    if (p.length === 3 && p[2] === 'id') return entity.id;
    if (p.length === 3 && p[2] === 'name') return entity.name;
    if (p[2] === 'metadata' && p.length === 4) return entity.metadata?.[p[3]!];
    if (p[2] === 'aliases' && p.length >= 5) {
      const alias = id.aliasesOf(entityId).find((a) => a.mount_accessor === p[3]);
      if (!alias) return undefined;
      if (p[4] === 'id' && p.length === 5) return alias.id;
      if (p[4] === 'name' && p.length === 5) return alias.name;
      if (p[4] === 'metadata' && p.length === 6) return alias.metadata?.[p[5]!];
    }
    return undefined;
  }
  if (p[1] === 'groups' && p.length >= 5) {
    const mine = id.allGroupIds(entityId).map((g) => id.groups.get(g)).filter((g): g is Named => !!g);
    const group = p[2] === 'ids' ? mine.find((g) => g.id === p[3]) : p[2] === 'names' ? mine.find((g) => g.name === p[3]) : undefined;
    if (!group) return undefined;
    if (p[4] === 'id' && p.length === 5) return group.id;
    if (p[4] === 'name' && p.length === 5) return group.name;
    if (p[4] === 'metadata' && p.length === 6) return group.metadata?.[p[5]!];
  }
  return undefined;
}

/** The template filled for this entity, or undefined when any part cannot be filled. */
export function fillTemplate(template: string, entityId: string, identity: IdentityLookup | undefined): string | undefined {
  if (!isTemplate(template)) return template;
  if (!entityId || !identity) return undefined;
  let failed = false;
  const out = template.replace(TEMPLATE, (_m, path: string) => {
    const v = lookup(path.trim(), entityId, identity);
    if (v === undefined) failed = true;
    return v ?? '';
  });
  return failed ? undefined : out;
}

/** Resolves a role's list: plain entries kept, templates filled or dropped. */
export function resolveTemplates(list: string[], enabled: boolean, entityId: string, identity: IdentityLookup | undefined): string[] {
  if (!enabled) return list;
  const out: string[] = [];
  for (const entry of list) {
    if (!isTemplate(entry)) { out.push(entry); continue; }
    const v = fillTemplate(entry, entityId, identity);
    if (v !== undefined) out.push(v);
  }
  return out;
}
