/**
 * ACL policies as stored (name → HCL/JSON text), through the barrier. Parsing and compiling
 * belong to core/acl; this store validates on write, keeps `root` immutable and `default`
 * undeletable, and tells listeners when a policy changes so compiled caches are dropped.
 */
import type { LogicalView } from '../../framework/logical.js';
import { badRequest } from '../../lib/errors.js';

export interface StoredPolicy {
  name: string;
  raw: string;
}

export type PolicyValidator = (name: string, raw: string) => void;

export class PolicyStore {
  private readonly cache = new Map<string, StoredPolicy | null>();
  private readonly listeners: ((name: string) => void)[] = [];

  constructor(private readonly view: LogicalView, private readonly validate: PolicyValidator) {}

  onChange(fn: (name: string) => void): void {
    this.listeners.push(fn);
  }

  private changed(name: string): void {
    this.cache.delete(name);
    for (const l of this.listeners) l(name);
  }

  static normalize(name: string): string {
    return name.trim().toLowerCase();
  }

  async get(rawName: string): Promise<StoredPolicy | undefined> {
    const name = PolicyStore.normalize(rawName);
    if (this.cache.has(name)) return this.cache.get(name) ?? undefined;
    const p = (await this.view.getJSON<StoredPolicy>(`acl/${name}`)) ?? null;
    this.cache.set(name, p);
    return p ?? undefined;
  }

  async set(rawName: string, raw: string): Promise<void> {
    const name = PolicyStore.normalize(rawName);
    if (!name) throw badRequest('policy name must be provided');
    // Vault allows '/' in names (seed 002 names policies c1/pki/etcd/member); never '..'.
    if (!/^[\w.@+\-/]+$/.test(name) || name.split('/').some((s) => s === '' || s === '..' || s === '.')) throw badRequest(`invalid policy name "${rawName}"`);
    if (name === 'root') throw badRequest('cannot update "root" policy');
    if (!raw.trim()) throw badRequest("'policy' parameter not supplied or empty");
    this.validate(name, raw);
    await this.view.putJSON(`acl/${name}`, { name, raw });
    this.changed(name);
  }

  async delete(rawName: string): Promise<void> {
    const name = PolicyStore.normalize(rawName);
    if (name === 'root') throw badRequest('cannot delete "root" policy');
    if (name === 'default') throw badRequest('cannot delete "default" policy');
    await this.view.delete(`acl/${name}`);
    this.changed(name);
  }

  async list(): Promise<string[]> {
    const names = (await this.view.listRecursive('acl/')).map((k) => k.slice('acl/'.length));
    return [...new Set([...names, 'root'])].sort();
  }

  /** Creates the built-in default policy on first unseal (Vault does the same). */
  async ensureDefault(text: string): Promise<void> {
    if (!(await this.get('default'))) {
      await this.view.putJSON('acl/default', { name: 'default', raw: text });
      this.changed('default');
    }
  }
}
