/**
 * The mount tables (secrets engines and auth methods): persisted through the barrier,
 * turned into live Backends on unseal, kept in the Router. Backends get a storage view
 * prefixed by their mount uuid, so disabling a mount removes exactly its data.
 */
import { Backend, type BackendContext, type MountInfo } from '../../framework/backend.js';
import { LogicalView } from '../../framework/logical.js';
import { badRequest, CofferError } from '../../lib/errors.js';
import { randomBytes } from 'node:crypto';
import { uuid } from '../../lib/ids.js';
import type { Logger } from '../../lib/logger.js';
import type { Storage } from '../../storage/storage.js';
import { lookupType } from '../registry.js';
import { accessorPrefix, normalizeMountPath, type MountConfig, type MountEntry, type TableName } from './mount-entry.js';
import { Router, type RouteEntry } from './router.js';

export interface MountManagerDeps {
  storage: Storage; // the barrier
  logger: Logger;
  systemDefaults: () => { defaultLeaseTTL: number; maxLeaseTTL: number };
  service: <T>(name: string) => T | undefined;
}

const TABLE_KEY: Record<TableName, string> = { mounts: 'core/mounts', auth: 'core/auth' };
const DATA_PREFIX: Record<TableName, string> = { mounts: 'logical/', auth: 'auth/' };
/** Mounts Vault creates itself and refuses to disable or move. */
const PROTECTED = new Set(['sys/', 'cubbyhole/', 'identity/', 'auth/token/']);
const enc = new TextEncoder();
const dec = new TextDecoder();

export class MountManager {
  readonly router = new Router();
  private tables: Record<TableName, MountEntry[]> = { mounts: [], auth: [] };

  constructor(private readonly deps: MountManagerDeps) {}

  routerPath(table: TableName, path: string): string {
    return table === 'auth' ? `auth/${path}` : path;
  }

  entries(table: TableName): MountEntry[] {
    return this.tables[table];
  }

  /** Loads both tables and instantiates every Backend (on unseal). */
  async load(builtins: { table: TableName; path: string; type: string; description: string; options?: Record<string, string> }[]): Promise<void> {
    for (const table of ['mounts', 'auth'] as TableName[]) {
      const raw = await this.deps.storage.get(TABLE_KEY[table]);
      this.tables[table] = raw ? (JSON.parse(dec.decode(raw)) as { entries: MountEntry[] }).entries : [];
    }
    let changed = false;
    for (const b of builtins) {
      if (!this.tables[b.table].some((e) => e.path === b.path)) {
        this.tables[b.table].push(this.newEntry(b.table, b.path, b.type, b.description, {}, b.options ?? {}));
        changed = true;
      }
    }
    if (changed) {
      await this.persist('mounts');
      await this.persist('auth');
    }
    for (const table of ['mounts', 'auth'] as TableName[]) {
      for (const entry of this.tables[table]) await this.activate(table, entry);
    }
  }

  /** Stops every Backend (on seal). */
  async unload(): Promise<void> {
    for (const r of this.router.routes()) {
      await r.backend.def.cleanup?.().catch(() => undefined);
      this.router.remove(r.path);
    }
  }

  private newEntry(table: TableName, path: string, type: string, description: string, config: Partial<MountConfig>, options: Record<string, string>): MountEntry {
    return {
      path, type, description, uuid: uuid(),
      accessor: `${accessorPrefix(table, type)}_${randomBytes(4).toString('hex')}`,
      config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false, ...config },
      options, local: false, seal_wrap: false, external_entropy_access: false, plugin_version: '',
      created_at: Date.now(),
    };
  }

  private async persist(table: TableName): Promise<void> {
    await this.deps.storage.put(TABLE_KEY[table], enc.encode(JSON.stringify({ entries: this.tables[table] })));
  }

  dataView(table: TableName, entry: MountEntry): LogicalView {
    if (entry.type === 'system') return new LogicalView(this.deps.storage, 'sys/');
    if (entry.type === 'token') return new LogicalView(this.deps.storage, 'sys/token/');
    if (entry.type === 'identity') return new LogicalView(this.deps.storage, 'sys/identity/');
    return new LogicalView(this.deps.storage, `${DATA_PREFIX[table]}${entry.uuid}/`);
  }

  private async activate(table: TableName, entry: MountEntry): Promise<RouteEntry> {
    const kind = table === 'auth' ? 'auth' : 'secret';
    const reg = lookupType(kind, entry.type);
    if (!reg) throw badRequest(`plugin not found in the catalog: ${entry.type}`);
    const path = this.routerPath(table, entry.path);
    const mount: MountInfo = {
      path, type: entry.type, uuid: entry.uuid, accessor: entry.accessor, description: entry.description,
      config: { defaultLeaseTTL: entry.config.default_lease_ttl, maxLeaseTTL: entry.config.max_lease_ttl }, options: entry.options,
    };
    const defaults = this.deps.systemDefaults;
    const ctx: BackendContext = {
      storage: this.dataView(table, entry),
      mount,
      logger: this.deps.logger.child({ mount: path }),
      system: {
        defaultLeaseTTL: () => Math.min(entry.config.default_lease_ttl || defaults().defaultLeaseTTL, entry.config.max_lease_ttl || defaults().maxLeaseTTL),
        maxLeaseTTL: () => entry.config.max_lease_ttl || defaults().maxLeaseTTL,
        service: this.deps.service,
      },
    };
    const backend = new Backend(await reg.factory(ctx), ctx);
    await backend.def.init?.();
    const route: RouteEntry = { path, table, entry, backend };
    this.router.add(route);
    return route;
  }

  async enable(table: TableName, rawPath: string, type: string, description: string, config: Partial<MountConfig>, options: Record<string, string>): Promise<MountEntry> {
    const path = normalizeMountPath(rawPath);
    if (!path) throw badRequest('path cannot be empty');
    if (path.split('/').some((s) => s === '..' || s === '.')) throw badRequest(`invalid path "${rawPath}"`);
    const kind = table === 'auth' ? 'auth' : 'secret';
    if (table === 'auth' && type === 'token') throw badRequest('token credential backend cannot be instantiated');
    if (!lookupType(kind, type)) throw badRequest(`plugin not found in the catalog: ${type}`);
    if (table === 'mounts' && ['sys/', 'auth/', 'cubbyhole/', 'identity/'].some((r) => path.startsWith(r))) {
      throw badRequest(`cannot mount under reserved path "${path.split('/')[0]}/"`);
    }
    const full = this.routerPath(table, path);
    const conflict = this.router.conflict(full);
    if (conflict) {
      throw badRequest(conflict === full ? `path is already in use at ${path}` : `existing mount at ${conflict}`);
    }
    const entry = this.newEntry(table, path, type, description, config, options);
    await this.activate(table, entry);
    this.tables[table].push(entry);
    await this.persist(table);
    return entry;
  }

  async disable(table: TableName, rawPath: string, beforeRemove?: (route: RouteEntry) => Promise<void>): Promise<void> {
    const path = normalizeMountPath(rawPath);
    const full = this.routerPath(table, path);
    if (PROTECTED.has(full)) throw badRequest(`cannot unmount "${path}"`);
    const route = this.router.get(full);
    if (!route) return; // Vault answers 204 for an unknown mount
    await beforeRemove?.(route);
    await route.backend.def.cleanup?.();
    this.router.remove(full);
    this.tables[table] = this.tables[table].filter((e) => e.path !== path);
    await this.persist(table);
    await this.dataView(table, route.entry).clear();
  }

  async tune(table: TableName, rawPath: string, patch: Partial<MountConfig> & { description?: string; options?: Record<string, string> }): Promise<MountEntry> {
    const route = this.router.get(this.routerPath(table, normalizeMountPath(rawPath)));
    if (!route) throw badRequest(`cannot tune "${rawPath}": no mount found`);
    const { description, options, ...config } = patch;
    const entry = route.entry;
    if (description !== undefined) entry.description = description;
    if (options) {
      if (entry.type === 'kv' && entry.options.version === '2' && options.version === '1') {
        throw badRequest('cannot downgrade mount from versioned to unversioned');
      }
      entry.options = { ...entry.options, ...options };
    }
    Object.assign(entry.config, config);
    route.backend.ctx.mount.config.defaultLeaseTTL = entry.config.default_lease_ttl;
    route.backend.ctx.mount.config.maxLeaseTTL = entry.config.max_lease_ttl;
    route.backend.ctx.mount.description = entry.description;
    await this.persist(table);
    // An options change (KV upgrade) needs a fresh Backend over the same data.
    if (options) {
      await route.backend.def.cleanup?.();
      this.router.remove(route.path);
      await this.activate(table, entry);
    }
    return entry;
  }

  /** sys/remount: moves a mount; its data stays under the same uuid, so nothing is copied. */
  async remount(from: string, to: string): Promise<void> {
    const isAuth = (p: string) => p.startsWith('auth/');
    const src = normalizeMountPath(from);
    const dst = normalizeMountPath(to);
    if (isAuth(src) !== isAuth(dst)) throw badRequest('cannot remount between secret engines and auth methods');
    const table: TableName = isAuth(src) ? 'auth' : 'mounts';
    const strip = (p: string) => (table === 'auth' ? p.slice('auth/'.length) : p);
    if (PROTECTED.has(src)) throw new CofferError(400, `cannot remount "${src}"`);
    const route = this.router.get(src);
    if (!route) throw badRequest(`no matching mount at "${src}"`);
    const conflict = this.router.conflict(dst);
    if (conflict && conflict !== src) throw badRequest(`path already in use at "${dst}"`);
    await route.backend.def.cleanup?.();
    this.router.remove(src);
    route.entry.path = strip(dst);
    await this.persist(table);
    await this.activate(table, route.entry);
  }
}
