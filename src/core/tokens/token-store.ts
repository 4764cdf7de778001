/**
 * The token store: creation, lookup (cached: it runs on every request), revocation with
 * children. Entries live under the salted hash of the token id, so storage keys never
 * reveal a token; the accessor index maps an accessor back to that hash.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { LogicalView } from '../../framework/logical.js';
import { badRequest } from '../../lib/errors.js';
import { newAccessor, newBatchToken, newServiceToken } from '../../lib/ids.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import { isExpired, type TokenEntry } from './token-entry.js';

export interface CreateTokenParams {
  policies: string[];
  parent?: TokenEntry;
  orphan?: boolean;
  ttl?: number;
  explicitMaxTTL?: number;
  period?: number;
  renewable?: boolean;
  numUses?: number;
  displayName?: string;
  meta?: Record<string, string> | null;
  path?: string;
  type?: 'service' | 'batch';
  entityId?: string;
  boundCIDRs?: string[];
  role?: string;
  id?: string;
  internalMeta?: Record<string, unknown>;
  mountAccessor?: string;
}

/** Called when a token is revoked, so leases, cubbyholes and caches can follow it. */
export type RevokeListener = (entry: TokenEntry) => Promise<void>;

const CACHE_MAX = 50_000;

export class TokenStore {
  private salt: Buffer | undefined;
  private readonly cache = new Map<string, TokenEntry>();
  private readonly revokeListeners: RevokeListener[] = [];

  constructor(private readonly view: LogicalView, private readonly clock: Clock = systemClock) {}

  async init(): Promise<void> {
    const existing = await this.view.get('salt');
    if (existing) this.salt = Buffer.from(existing);
    else {
      this.salt = randomBytes(32);
      await this.view.put('salt', this.salt);
    }
  }

  onRevoke(listener: RevokeListener): void {
    this.revokeListeners.push(listener);
  }

  hash(id: string): string {
    if (!this.salt) throw new Error('token store not initialized');
    return createHmac('sha256', this.salt).update(id).digest('hex');
  }

  now(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  async create(p: CreateTokenParams): Promise<TokenEntry> {
    const now = this.now();
    const id = p.id ?? (p.type === 'batch' ? newBatchToken() : newServiceToken());
    if (p.id !== undefined && (await this.view.get(`id/${this.hash(id)}`))) throw badRequest('cannot create a token with a duplicate ID');
    let ttl = p.period ? p.period : p.ttl ?? 0;
    if (p.explicitMaxTTL && (ttl === 0 || ttl > p.explicitMaxTTL)) ttl = p.explicitMaxTTL;
    const entry: TokenEntry = {
      id,
      accessor: newAccessor(),
      parent: p.orphan || !p.parent ? '' : this.hash(p.parent.id),
      policies: [...new Set(p.policies)].sort(),
      path: p.path ?? 'auth/token/create',
      meta: p.meta ?? null,
      display_name: p.displayName ?? 'token',
      num_uses: p.numUses ?? 0,
      creation_time: now,
      ttl,
      expire_time: ttl ? now + ttl : 0,
      explicit_max_ttl: p.explicitMaxTTL ?? 0,
      period: p.period ?? 0,
      renewable: ttl === 0 ? false : p.renewable ?? true,
      type: p.type ?? 'service',
      entity_id: p.entityId ?? '',
      bound_cidrs: p.boundCIDRs ?? [],
      role: p.role ?? '',
      internal_meta: p.internalMeta,
      mount_accessor: p.mountAccessor,
    };
    await this.save(entry, true);
    return entry;
  }

  async save(entry: TokenEntry, isNew = false): Promise<void> {
    const h = this.hash(entry.id);
    const enc = new TextEncoder();
    const ops: { op: 'put'; key: string; value: Uint8Array }[] = [
      { op: 'put', key: `id/${h}`, value: enc.encode(JSON.stringify(entry)) },
    ];
    if (isNew) {
      ops.push({ op: 'put', key: `accessor/${entry.accessor}`, value: enc.encode(h) });
      if (entry.parent) ops.push({ op: 'put', key: `parent/${entry.parent}/${h}`, value: new Uint8Array() });
    }
    await this.view.transaction(ops);
    this.cacheSet(entry.id, entry);
  }

  private cacheSet(id: string, entry: TokenEntry): void {
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, entry);
  }

  /** The live entry for a token id, or undefined when unknown, expired or revoked. */
  async lookup(id: string): Promise<TokenEntry | undefined> {
    if (!id) return undefined;
    let entry = this.cache.get(id);
    if (!entry) {
      entry = await this.view.getJSON<TokenEntry>(`id/${this.hash(id)}`);
      if (!entry) return undefined;
      this.cacheSet(id, entry);
    }
    if (isExpired(entry, this.now())) {
      await this.revokeTree(entry).catch(() => undefined);
      return undefined;
    }
    return entry;
  }

  async lookupByHash(h: string): Promise<TokenEntry | undefined> {
    return this.view.getJSON<TokenEntry>(`id/${h}`);
  }

  async lookupAccessor(accessor: string): Promise<TokenEntry | undefined> {
    if (!/^[A-Za-z0-9.]+$/.test(accessor)) return undefined;
    const h = await this.view.get(`accessor/${accessor}`);
    if (!h) return undefined;
    const entry = await this.lookupByHash(new TextDecoder().decode(h));
    if (!entry || isExpired(entry, this.now())) return undefined;
    return entry;
  }

  /**
   * Counts one use of a limited-use token; the last use revokes it after the request
   * (Vault decrements before serving and revokes once the count reaches zero).
   */
  async useToken(entry: TokenEntry): Promise<{ exhausted: boolean }> {
    if (entry.num_uses <= 0) return { exhausted: false };
    entry.num_uses -= 1;
    if (entry.num_uses === 0) {
      entry.num_uses = -1; // marks "used up" until revocation completes
      await this.save(entry);
      return { exhausted: true };
    }
    await this.save(entry);
    return { exhausted: false };
  }

  /** Revokes the token and every descendant (orphans excepted: their parent link is gone). */
  async revokeTree(entry: TokenEntry): Promise<void> {
    const h = this.hash(entry.id);
    for (const child of await this.view.list(`parent/${h}/`)) {
      const c = await this.lookupByHash(child);
      if (c) await this.revokeTree(c);
      else await this.view.delete(`parent/${h}/${child}`);
    }
    await this.revokeOne(entry);
  }

  /** Revokes only this token; its children become orphans (revoke-orphan). */
  async revokeOrphan(entry: TokenEntry): Promise<void> {
    const h = this.hash(entry.id);
    for (const child of await this.view.list(`parent/${h}/`)) {
      const c = await this.lookupByHash(child);
      if (c) {
        c.parent = '';
        await this.save(c);
      }
      await this.view.delete(`parent/${h}/${child}`);
    }
    await this.revokeOne(entry);
  }

  private async revokeOne(entry: TokenEntry): Promise<void> {
    const h = this.hash(entry.id);
    this.cache.delete(entry.id);
    for (const l of this.revokeListeners) await l(entry);
    const ops: { op: 'delete'; key: string }[] = [
      { op: 'delete', key: `id/${h}` },
      { op: 'delete', key: `accessor/${entry.accessor}` },
    ];
    if (entry.parent) ops.push({ op: 'delete', key: `parent/${entry.parent}/${h}` });
    await this.view.transaction(ops);
  }

  /** Every accessor (auth/token/accessors). */
  async accessors(): Promise<string[]> {
    return this.view.list('accessor/');
  }

  /** auth/token/tidy: drops expired tokens and index entries that point at nothing. */
  async tidy(): Promise<number> {
    let removed = 0;
    const dec = new TextDecoder();
    for (const acc of await this.view.list('accessor/')) {
      const h = await this.view.get(`accessor/${acc}`);
      const entry = h ? await this.lookupByHash(dec.decode(h)) : undefined;
      if (!entry) { await this.view.delete(`accessor/${acc}`); removed++; continue; }
      if (isExpired(entry, this.now())) { await this.revokeTree(entry).catch(() => undefined); removed++; }
    }
    for (const parent of await this.view.list('parent/')) {
      const parentHash = parent.replace(/\/$/, '');
      const parentEntry = await this.lookupByHash(parentHash);
      for (const child of await this.view.list(`parent/${parent}`)) {
        if (!parentEntry || !(await this.lookupByHash(child))) {
          await this.view.delete(`parent/${parent}${child}`);
          const orphaned = await this.lookupByHash(child);
          if (orphaned && !parentEntry) { orphaned.parent = ''; await this.save(orphaned); }
          removed++;
        }
      }
    }
    return removed;
  }

  clearCache(): void {
    this.cache.clear();
  }
}
