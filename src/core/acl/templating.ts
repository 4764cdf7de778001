/**
 * ACL path templating: `{{identity.entity.id}}` and friends rendered against the requesting
 * token's identity. A directive that cannot be resolved makes the whole path unusable (the caller
 * skips that path, as Vault does), never an empty segment that would widen the grant.
 */
import { parseDuration } from '../../lib/duration.js';

export interface TemplateAlias {
  id?: string;
  name: string;
  mountAccessor: string;
  metadata?: Record<string, string>;
  customMetadata?: Record<string, string>;
}

export interface TemplateEntity {
  id: string;
  name: string;
  metadata?: Record<string, string>;
  aliases?: TemplateAlias[];
}

export interface TemplateGroup {
  id: string;
  name: string;
  metadata?: Record<string, string>;
}

/** The identity a templated policy is rendered for; `now` (ms) only matters for `time.now`. */
export interface IdentityContext {
  entity?: TemplateEntity;
  groups?: TemplateGroup[];
  now?: number;
}

export class TemplateError extends Error {}

/**
 * Values a substitution may not contain. Vault renders them verbatim, which lets an entity named
 * `*` grant itself a glob; OpenBao blocks these, and Coffer follows OpenBao here. `/` stays allowed
 * (Vault renders it and Kubernetes alias names are `namespace/name`).
 */
export const DEFAULT_BLOCKED_SUBSTITUTIONS = ['*', '+'];

/** True when `s` holds template directives; throws TemplateError when its braces are unbalanced. */
export function hasTemplate(s: string): boolean {
  return splitTemplate(s).length > 1;
}

function splitTemplate(s: string): string[][] {
  const pieces = s.split('{{');
  if (pieces[0]!.includes('}}')) throw new TemplateError('unbalanced templating characters');
  const out: string[][] = [[pieces[0]!]];
  for (const p of pieces.slice(1)) {
    const inner = p.split('}}');
    if (inner.length !== 2) throw new TemplateError('unbalanced templating characters');
    out.push(inner);
  }
  return out;
}

export function renderTemplate(s: string, ctx: IdentityContext, blocked: readonly string[] = DEFAULT_BLOCKED_SUBSTITUTIONS): string {
  const parts = splitTemplate(s);
  let out = parts[0]![0]!;
  for (const [directive, rest] of parts.slice(1)) {
    const value = resolve(directive!.trim(), ctx);
    for (const b of blocked) if (value.includes(b)) throw new TemplateError(`template substitution contains forbidden value "${b}"`);
    out += value + rest!;
  }
  return out;
}

const notFound = () => new TemplateError('no value could be found for one of the template directives');

function str(v: string | undefined): string {
  if (!v) throw notFound();
  return v;
}

function fromMap(m: Record<string, string> | undefined, key: string): string {
  if (!m || !Object.prototype.hasOwnProperty.call(m, key)) throw notFound();
  return str(m[key]);
}

function resolve(d: string, ctx: IdentityContext): string {
  if (d.startsWith('identity.entity.')) {
    if (!ctx.entity) throw new TemplateError('string contains entity template directives but no entity was provided');
    return entityField(d.slice('identity.entity.'.length), ctx.entity);
  }
  if (d.startsWith('identity.groups.')) {
    if (!ctx.groups?.length) throw new TemplateError('string contains groups template directives but no groups were provided');
    return groupField(d.slice('identity.groups.'.length), ctx.groups);
  }
  if (d === 'time.now' || d.startsWith('time.now.')) return timeField(d, ctx.now ?? Date.now());
  throw notFound();
}

function entityField(sel: string, e: TemplateEntity): string {
  if (sel === 'id') return str(e.id);
  if (sel === 'name') return str(e.name);
  if (sel.startsWith('metadata.')) return fromMap(e.metadata, sel.slice('metadata.'.length));
  if (sel.startsWith('aliases.')) {
    const rest = sel.slice('aliases.'.length);
    const dot = rest.indexOf('.');
    if (dot === -1) throw new TemplateError('invalid alias selector');
    const accessor = rest.slice(0, dot);
    const field = rest.slice(dot + 1);
    const alias = e.aliases?.find((a) => a.mountAccessor === accessor);
    if (!alias) throw new TemplateError('alias not found');
    if (field === 'id') return str(alias.id);
    if (field === 'name') return str(alias.name);
    if (field.startsWith('metadata.')) return fromMap(alias.metadata, field.slice('metadata.'.length));
    if (field.startsWith('custom_metadata.')) return fromMap(alias.customMetadata, field.slice('custom_metadata.'.length));
  }
  // `metadata`, `groups.names`, `groups.ids` are maps/lists: JSON templating only, not ACL paths.
  throw notFound();
}

function groupField(sel: string, groups: TemplateGroup[]): string {
  const m = /^(ids|names)\.(.+)$/.exec(sel);
  if (!m) throw new TemplateError('invalid groups selector');
  const byId = m[1] === 'ids';
  const rest = m[2]!;
  // The group key itself may not contain dots; the field after it may (metadata.<key>).
  const dot = rest.indexOf('.');
  if (dot === -1) throw new TemplateError('invalid groups accessor');
  const key = rest.slice(0, dot);
  const field = rest.slice(dot + 1);
  const g = groups.find((x) => (byId ? x.id : x.name) === key);
  if (!g) throw new TemplateError(`entity is not a member of group "${key}"`);
  if (field === 'id') return str(g.id);
  if (field === 'name') return str(g.name);
  if (field.startsWith('metadata.')) return fromMap(g.metadata, field.slice('metadata.'.length));
  throw notFound();
}

function timeField(d: string, now: number): string {
  const parts = d.split('.');
  let t = Math.floor(now / 1000);
  if (parts.length === 3) throw new TemplateError('missing time operand');
  if (parts.length > 3) {
    let secs: number;
    try {
      secs = parseDuration(parts.slice(3).join('.'));
    } catch (e) {
      throw new TemplateError(`invalid duration: ${(e as Error).message}`);
    }
    if (parts[2] === 'plus') t += secs;
    else if (parts[2] === 'minus') t -= secs;
    else throw new TemplateError(`invalid time operator "${parts[2]}"`);
  }
  return String(t);
}
