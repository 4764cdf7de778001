/**
 * Compiled ACLs cached by policy set. The key is the sorted, de-duplicated policy names; when one
 * of the policies is templated (the built-in `default` is) the identity is part of the key too,
 * since the rendered paths depend on it. Parsed policies are cached by name. A policy write or
 * delete calls invalidate(name), which drops the parsed policy and every ACL built from it, so the
 * next request sees the change.
 */
import { ROOT_ACL, compileACL, type ACL, type CompileOptions } from './compile.js';
import { parsePolicy, type Policy } from './policy.js';
import type { IdentityContext } from './templating.js';

/** Returns a policy's stored text, or undefined when no such policy exists (it is then ignored, as in Vault). */
export type PolicyLoader = (name: string) => Promise<string | undefined> | string | undefined;

export interface AclCacheOptions {
  /** Compiled ACLs kept; the oldest is dropped first. */
  maxEntries?: number;
  blockedSubstitutions?: CompileOptions['blockedSubstitutions'];
  now?: () => number;
}

interface PolicySet {
  names: string[];
  root: boolean;
  policies: Policy[];
  templated: boolean;
  /** `time.now` templates change every second: such sets are never cached. */
  timeDependent: boolean;
}

const TIME_DIRECTIVE = /\{\{\s*time\./;

export class AclCache {
  private readonly parsed = new Map<string, Policy | null>();
  /** Token entries keep their policy arrays, so the sorted key is computed once per array. */
  private readonly keys = new WeakMap<readonly string[], string>();
  private readonly sets = new Map<string, PolicySet>();
  private readonly acls = new Map<string, { names: string[]; acl: ACL }>();
  private readonly maxEntries: number;
  private readonly now: () => number;
  private generation = 0;

  constructor(private readonly load: PolicyLoader, private readonly opts: AclCacheOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 1024;
    this.now = opts.now ?? Date.now;
  }

  static key(names: readonly string[]): string {
    return [...new Set(names.map((n) => n.trim().toLowerCase()))].sort().join('\n');
  }

  /**
   * The ACL for a token's effective policy names (its own, its entity's and its groups').
   * `identityKey` must change whenever `identity`'s content does; by default it is derived from it.
   * A frozen `names` array is remembered, so its sorted key is not recomputed on every request.
   */
  async acl(names: readonly string[], identity?: IdentityContext, identityKey?: string): Promise<ACL> {
    const setKey = this.setKey(names);
    const set = this.sets.get(setKey) ?? (await this.loadSet(setKey));
    if (set.root) return ROOT_ACL;
    const key = this.aclKey(set, setKey, identity, identityKey);
    const hit = this.acls.get(key);
    if (hit) return hit.acl;
    const acl = compileACL(set.policies, { identity, now: this.now(), blockedSubstitutions: this.opts.blockedSubstitutions });
    if (!set.timeDependent && this.sets.get(setKey) === set) {
      this.acls.set(key, { names: set.names, acl });
      if (this.acls.size > this.maxEntries) this.acls.delete(this.acls.keys().next().value!);
    }
    return acl;
  }

  /** The cached ACL without any await, or undefined when it must be built (then call acl()). */
  peek(names: readonly string[], identity?: IdentityContext, identityKey?: string): ACL | undefined {
    const setKey = this.setKey(names);
    const set = this.sets.get(setKey);
    if (!set) return undefined;
    if (set.root) return ROOT_ACL;
    return this.acls.get(this.aclKey(set, setKey, identity, identityKey))?.acl;
  }

  private setKey(names: readonly string[]): string {
    let setKey = this.keys.get(names);
    if (setKey === undefined) {
      setKey = AclCache.key(names);
      if (Object.isFrozen(names)) this.keys.set(names, setKey);
    }
    return setKey;
  }

  private aclKey(set: PolicySet, setKey: string, identity: IdentityContext | undefined, identityKey: string | undefined): string {
    return set.templated ? `${setKey}\0${identityKey ?? (identity ? JSON.stringify(identity) : '')}` : setKey;
  }

  private async loadSet(setKey: string): Promise<PolicySet> {
    const generation = this.generation;
    const names = setKey ? setKey.split('\n') : [];
    const policies: Policy[] = [];
    const root = names.includes('root');
    if (root) {
      const set: PolicySet = { names, root, policies, templated: false, timeDependent: false };
      this.sets.set(setKey, set);
      return set;
    }
    for (const name of names) {
      const p = await this.policy(name);
      if (p) policies.push(p);
    }
    const set: PolicySet = {
      names,
      root: false,
      policies,
      templated: policies.some((p) => p.templated),
      timeDependent: policies.some((p) => p.paths.some((r) => r.templated && TIME_DIRECTIVE.test(r.path))),
    };
    // A policy changed while we were loading: use the result once, but do not keep it.
    if (generation === this.generation) this.sets.set(setKey, set);
    return set;
  }

  private async policy(name: string): Promise<Policy | undefined> {
    const cached = this.parsed.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const generation = this.generation;
    const raw = await this.load(name);
    const p = raw === undefined ? null : parsePolicy(name, raw);
    if (generation === this.generation) this.parsed.set(name, p);
    return p ?? undefined;
  }

  /** Drops a changed policy (or everything) and every ACL compiled from it. */
  invalidate(name?: string): void {
    this.generation++;
    if (name === undefined) {
      this.parsed.clear();
      this.sets.clear();
      this.acls.clear();
      return;
    }
    const n = name.trim().toLowerCase();
    this.parsed.delete(n);
    for (const [k, s] of this.sets) if (s.names.includes(n)) this.sets.delete(k);
    for (const [k, e] of this.acls) if (e.names.includes(n)) this.acls.delete(k);
  }

  get size(): number {
    return this.acls.size;
  }
}
