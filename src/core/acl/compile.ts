/**
 * A token's policies compiled once into a matcher, following Vault's ACL rules:
 * - rules for the same path pattern in several policies merge (capabilities OR'ed, `deny` wins and
 *   clears the rest, parameter lists merged, the smaller wrapping TTL bounds kept);
 * - a request uses exactly one rule: an exact path first, else the best of the longest `*` prefix
 *   and every matching `+` pattern, ranked by Vault's priority order (later first wildcard, then
 *   not-a-glob, then fewer `+`, then longer, then lexically greater);
 * - LIST also tries the path without its trailing slash.
 * Exact rules live in a Map, globs and the literal heads of `+` patterns in radix trees, so a
 * check costs a few lookups whatever the number of rules.
 */
import { Cap, OPERATION_CAP, capabilityNames, type Operation } from './capabilities.js';
import type { PathRule, Policy } from './policy.js';
import { RadixTree } from './radix.js';
import { DEFAULT_BLOCKED_SUBSTITUTIONS, TemplateError, renderTemplate, type IdentityContext } from './templating.js';

export interface Permissions {
  caps: number;
  /** Sorted capability names, computed once. */
  names: string[];
  minWrappingTTL: number;
  maxWrappingTTL: number;
  allowed?: Map<string, unknown[]>;
  denied?: Map<string, unknown[]>;
  required: string[];
  /** Capability bit → names of the policies granting it (for audit). */
  granting: Map<number, string[]>;
}

interface WildcardRule {
  parts: string[];
  isPrefix: boolean;
  firstWildcard: number;
  wildcards: number;
  /** The pattern without its trailing `*`, for the length and lexical tie-breaks. */
  body: string;
  perms: Permissions;
}

export interface AllowRequest {
  path: string;
  operation: Operation;
  data?: Record<string, unknown>;
  /** Seconds requested with X-Vault-Wrap-TTL; undefined when the response is not wrapped. */
  wrapTTL?: number;
}

export interface AllowResult {
  allowed: boolean;
  /** The matching rule grants `sudo`: needed on Vault's root-protected paths. */
  rootPrivs: boolean;
  isRoot: boolean;
  /** Capabilities of the rule that matched (`['deny']` when none did). */
  capabilities: string[];
  grantingPolicies: string[];
  /** Why the request was denied, for logs; never shown to the client (Vault says only "permission denied"). */
  reason?: string;
}

export interface CompileOptions {
  identity?: IdentityContext;
  /** Clock for `expiration` and `time.now` templates (epoch ms). */
  now?: number;
  blockedSubstitutions?: readonly string[];
}

const DENY_NAMES = Object.freeze(['deny']) as string[];
const ROOT_NAMES = Object.freeze(['root']) as string[];

function newPermissions(rule: PathRule, policy: string): Permissions {
  const p: Permissions = {
    caps: rule.capabilities,
    names: [],
    minWrappingTTL: rule.minWrappingTTL,
    maxWrappingTTL: rule.maxWrappingTTL,
    required: [...rule.requiredParameters],
    granting: new Map(),
  };
  if (rule.allowedParameters) p.allowed = new Map([...rule.allowedParameters].map(([k, v]) => [k, [...v]]));
  if (rule.deniedParameters) p.denied = new Map([...rule.deniedParameters].map(([k, v]) => [k, [...v]]));
  addGranting(p, rule.capabilities, policy);
  return p;
}

function addGranting(p: Permissions, caps: number, policy: string): void {
  for (let bit = 1; bit <= caps; bit <<= 1) {
    if (!(caps & bit)) continue;
    const list = p.granting.get(bit);
    if (!list) p.granting.set(bit, [policy]);
    else if (!list.includes(policy)) list.push(policy);
  }
}

function mergeParams(into: Map<string, unknown[]> | undefined, from: Map<string, unknown[]> | undefined): Map<string, unknown[]> | undefined {
  if (!from?.size) return into;
  if (!into) return new Map([...from].map(([k, v]) => [k, [...v]]));
  for (const [k, v] of from) {
    const cur = into.get(k);
    // An empty list means "any value" and absorbs every other list for that parameter.
    into.set(k, v.length === 0 || (cur && cur.length === 0) ? [] : [...v, ...(cur ?? [])]);
  }
  return into;
}

function merge(p: Permissions, rule: PathRule, policy: string): void {
  if (p.caps & Cap.deny) return;
  if (rule.capabilities & Cap.deny) {
    p.caps = Cap.deny;
    p.allowed = undefined;
    p.denied = undefined;
    return;
  }
  p.caps |= rule.capabilities;
  addGranting(p, rule.capabilities, policy);
  // Vault keeps the smaller of each bound, favouring the shortest-lived wrapping tokens.
  if (rule.maxWrappingTTL > 0 && (p.maxWrappingTTL === 0 || rule.maxWrappingTTL < p.maxWrappingTTL)) p.maxWrappingTTL = rule.maxWrappingTTL;
  if (rule.minWrappingTTL > 0 && (p.minWrappingTTL === 0 || rule.minWrappingTTL < p.minWrappingTTL)) p.minWrappingTTL = rule.minWrappingTTL;
  p.allowed = mergeParams(p.allowed, rule.allowedParameters);
  p.denied = mergeParams(p.denied, rule.deniedParameters);
  for (const r of rule.requiredParameters) if (!p.required.includes(r)) p.required.push(r);
}

/** Vault's value globs: a `*` only at the start and/or the end; a lone `*` is literal. */
function globbedMatch(item: string, val: string): boolean {
  if (item.length < 2) return item === val;
  const pre = item.startsWith('*');
  const suf = item.endsWith('*');
  if (pre && suf) return val.includes(item.slice(1, -1));
  if (pre) return val.endsWith(item.slice(1));
  if (suf) return val.startsWith(item.slice(0, -1));
  return item === val;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || !a || !b) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function valueInList(v: unknown, list: unknown[]): boolean {
  if (list.length === 0) return true;
  for (const el of list) {
    if (el === null || v === null || el === undefined || v === undefined) {
      if (el === v) return true;
    } else if (typeof el === 'string' && typeof v === 'string') {
      if (globbedMatch(el, v)) return true;
    } else if (deepEqual(el, v)) return true;
  }
  return false;
}

/** True when `a` outranks `b` among wildcard matches (Vault's priority order, highest wins). */
function outranks(a: WildcardRule, b: WildcardRule): boolean {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard > b.firstWildcard;
  if (a.isPrefix !== b.isPrefix) return !a.isPrefix;
  if (a.wildcards !== b.wildcards) return a.wildcards < b.wildcards;
  if (a.body.length !== b.body.length) return a.body.length > b.body.length;
  return a.body > b.body;
}

function matchesSegments(rule: WildcardRule, parts: string[]): boolean {
  const rp = rule.parts;
  if (parts.length < rp.length) return false;
  if (!rule.isPrefix && rp.length !== parts.length) return false;
  for (let i = 0; i < rp.length; i++) {
    const a = rp[i]!;
    if (a === '+' || a === parts[i]) continue;
    if (rule.isPrefix && i === rp.length - 1 && parts[i]!.startsWith(a)) continue;
    return false;
  }
  return true;
}

export class ACL {
  private readonly exact = new Map<string, Permissions>();
  private readonly prefix = new RadixTree<Permissions>();
  /** `+` patterns indexed by their literal text before the first `+`. */
  private readonly wildcardIndex = new RadixTree<WildcardRule[]>();
  private readonly wildcardByPattern = new Map<string, WildcardRule>();

  constructor(
    readonly policyNames: readonly string[],
    readonly isRoot: boolean,
  ) {}

  /** @internal used by compileACL */
  add(rule: PathRule, path: string, policy: string): void {
    const hasWildcard = path === '+' || path.includes('/+') || path.startsWith('+/');
    if (hasWildcard) {
      const existing = this.wildcardByPattern.get(path);
      if (existing) return merge(existing.perms, rule, policy);
      const isPrefix = path.endsWith('*');
      const body = isPrefix ? path.slice(0, -1) : path;
      const first = path.indexOf('+');
      const parts = body.split('/');
      const w: WildcardRule = { parts, isPrefix, firstWildcard: first, wildcards: parts.filter((p) => p === '+').length, body, perms: newPermissions(rule, policy) };
      this.wildcardByPattern.set(path, w);
      const head = path.slice(0, first);
      const list = this.wildcardIndex.get(head);
      if (list) list.push(w);
      else this.wildcardIndex.set(head, [w]);
      return;
    }
    if (path.endsWith('*')) {
      const key = path.slice(0, -1);
      const existing = this.prefix.get(key);
      if (existing) merge(existing, rule, policy);
      else this.prefix.set(key, newPermissions(rule, policy));
      return;
    }
    const existing = this.exact.get(path);
    if (existing) merge(existing, rule, policy);
    else this.exact.set(path, newPermissions(rule, policy));
  }

  /** @internal */
  seal(): void {
    const all = [...this.exact.values(), ...this.wildcardByPattern.values()].map((x) => ('perms' in x ? x.perms : x));
    this.prefix.someUnder('', (_k, p) => {
      all.push(p);
      return false;
    });
    for (const p of all) p.names = Object.freeze(capabilityNames(p.caps)) as string[];
  }

  private nonExact(path: string): Permissions | undefined {
    const hit = this.prefix.longestPrefix(path);
    if (this.wildcardByPattern.size === 0) return hit?.value;
    let best: WildcardRule | undefined = hit && { parts: [], isPrefix: true, firstWildcard: hit.length, wildcards: 0, body: path.slice(0, hit.length), perms: hit.value };
    let parts: string[] | undefined;
    this.wildcardIndex.eachPrefixOf(path, (_len, rules) => {
      parts ??= path.split('/');
      for (const r of rules) if (matchesSegments(r, parts) && (!best || outranks(r, best))) best = r;
    });
    return best?.perms;
  }

  /** The permissions of the one rule that governs `path` for `op`, Vault's lookup order. */
  private lookup(path: string, list: boolean): Permissions | undefined {
    let p = this.exact.get(path);
    if (p) return p;
    const trimmed = list && path.endsWith('/') ? path.slice(0, -1) : undefined;
    if (trimmed !== undefined && (p = this.exact.get(trimmed))) return p;
    p = this.nonExact(path);
    if (p) return p;
    return trimmed !== undefined ? this.nonExact(trimmed) : undefined;
  }

  allowOperation(req: AllowRequest): AllowResult {
    if (this.isRoot) return { allowed: true, rootPrivs: true, isRoot: true, capabilities: ROOT_NAMES, grantingPolicies: ROOT_NAMES };
    const op = req.operation;
    if (op === 'help') return { allowed: true, rootPrivs: false, isRoot: false, capabilities: DENY_NAMES, grantingPolicies: [] };
    let path = req.path;
    while (path.startsWith('/')) path = path.slice(1);
    const perms = this.lookup(path, op === 'list');
    if (!perms) return deny(DENY_NAMES, false, 'no policy grants access to this path');
    const caps = perms.caps;
    const rootPrivs = (caps & Cap.sudo) !== 0;
    const need = OPERATION_CAP[op];
    if (need === undefined) return deny(perms.names, rootPrivs, `unknown operation ${JSON.stringify(op)}`);
    if (!(caps & need)) return deny(perms.names, rootPrivs, caps & Cap.deny ? 'path is explicitly denied' : `no "${capabilityNames(need)[0]}" capability on this path`);

    if (perms.maxWrappingTTL > 0 && (req.wrapTTL === undefined || req.wrapTTL > perms.maxWrappingTTL)) {
      return deny(perms.names, rootPrivs, req.wrapTTL === undefined ? 'response wrapping is required on this path' : 'wrapping TTL exceeds max_wrapping_ttl');
    }
    if (perms.minWrappingTTL > 0 && (req.wrapTTL === undefined || req.wrapTTL < perms.minWrappingTTL)) {
      return deny(perms.names, rootPrivs, req.wrapTTL === undefined ? 'response wrapping is required on this path' : 'wrapping TTL is below min_wrapping_ttl');
    }
    if (perms.minWrappingTTL && perms.maxWrappingTTL && perms.maxWrappingTTL < perms.minWrappingTTL) {
      return deny(perms.names, rootPrivs, 'merged policies leave no valid wrapping TTL');
    }

    if (op === 'read' || op === 'update' || op === 'create' || op === 'patch') {
      const reason = checkParameters(perms, req.data);
      if (reason) return deny(perms.names, rootPrivs, reason);
    }
    return { allowed: true, rootPrivs, isRoot: false, capabilities: perms.names, grantingPolicies: perms.granting.get(need) ?? [] };
  }

  /** Capabilities on a path for sys/capabilities: sorted names, `['root']`, or `['deny']`. */
  capabilities(path: string): string[] {
    if (this.isRoot) return [...ROOT_NAMES];
    while (path.startsWith('/')) path = path.slice(1);
    // LIST is used so that both the path and its slash-less twin are considered, as Vault does.
    const perms = this.lookup(path, true);
    return perms ? [...perms.names] : [...DENY_NAMES];
  }

  /** Whether the rule governing `path` grants sudo (Vault's SudoPrivilege). */
  hasSudo(path: string): boolean {
    if (this.isRoot) return true;
    while (path.startsWith('/')) path = path.slice(1);
    const perms = this.lookup(path, false);
    return perms !== undefined && (perms.caps & Cap.sudo) !== 0;
  }

  /**
   * Whether any rule grants something at or under a mount (sys/internal/ui/mounts/<path> and the
   * `vault kv` preflight use this to decide if the mount is visible to the token).
   */
  hasMountAccess(mountPath: string): boolean {
    if (this.isRoot) return true;
    let m = mountPath.replace(/^\/+/, '');
    if (!m.endsWith('/')) m += '/';
    if (!this.capabilities(m).includes('deny')) return true;
    const grants = (_k: string, p: Permissions) => !(p.caps & Cap.deny) && p.caps !== 0;
    for (const [k, p] of this.exact) if (k.startsWith(m) && grants(k, p)) return true;
    if (this.prefix.someUnder(m, grants)) return true;
    const mountParts = m.slice(0, -1).split('/');
    for (const r of this.wildcardByPattern.values()) {
      if (!grants('', r.perms)) continue;
      const n = Math.min(r.parts.length, mountParts.length);
      let ok = r.parts.length > mountParts.length || r.isPrefix;
      for (let i = 0; ok && i < n; i++) {
        const a = r.parts[i]!;
        ok = a === '+' || a === mountParts[i] || (r.isPrefix && i === r.parts.length - 1 && mountParts[i]!.startsWith(a));
      }
      if (ok) return true;
    }
    return false;
  }
}

function deny(capabilities: string[], rootPrivs: boolean, reason: string): AllowResult {
  return { allowed: false, rootPrivs, isRoot: false, capabilities, grantingPolicies: [], reason };
}

/** Vault's order: required first, then no data → allowed, then denied, then allowed. */
function checkParameters(perms: Permissions, data: Record<string, unknown> | undefined): string | undefined {
  for (const r of perms.required) {
    if (!data || !Object.prototype.hasOwnProperty.call(data, r.toLowerCase())) return `required parameter "${r}" is missing`;
  }
  if (!data) return undefined;
  const keys = Object.keys(data);
  if (keys.length === 0) return undefined;
  if (perms.denied?.size) {
    if (perms.denied.has('*')) return 'all parameters are denied on this path';
    for (const k of keys) {
      const list = perms.denied.get(k.toLowerCase());
      if (list && valueInList(data[k], list)) return `parameter "${k}" is denied`;
    }
  }
  const allowed = perms.allowed;
  if (!allowed?.size) return undefined;
  const allowAll = allowed.has('*');
  if (allowAll && allowed.size === 1) return undefined;
  for (const k of keys) {
    const list = allowed.get(k.toLowerCase());
    if (!list) {
      if (!allowAll) return `parameter "${k}" is not allowed`;
    } else if (!valueInList(data[k], list)) return `value of parameter "${k}" is not allowed`;
  }
  return undefined;
}

/**
 * Compiles policies into one ACL. `root` among them yields the root ACL. A templated path whose
 * directives cannot be resolved for `opts.identity` is skipped; expired paths are skipped.
 */
export function compileACL(policies: readonly Policy[], opts: CompileOptions = {}): ACL {
  const names = policies.map((p) => p.name);
  if (names.includes('root')) return new ACL(names, true);
  const acl = new ACL(names, false);
  const now = opts.now ?? Date.now();
  const blocked = opts.blockedSubstitutions ?? DEFAULT_BLOCKED_SUBSTITUTIONS;
  for (const policy of policies) {
    for (const rule of policy.paths) {
      if (rule.expiresAt !== undefined && now >= rule.expiresAt) continue;
      let path = rule.path;
      if (rule.templated) {
        try {
          path = renderTemplate(path, { ...opts.identity, now }, blocked).replace(/^\/+/, '');
        } catch (e) {
          if (e instanceof TemplateError) continue;
          throw e;
        }
        if (path.includes('+*')) continue;
      }
      acl.add(rule, path, policy.name);
    }
  }
  acl.seal();
  return acl;
}

export const ROOT_ACL = new ACL(['root'], true);
