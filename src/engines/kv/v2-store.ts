/**
 * KV v2 storage layout, chosen so the hot paths touch as few keys as possible:
 *
 *   <prefix>config            engine settings (cached in memory; only this Backend writes it)
 *   <prefix>m/<path>          one small record per secret: version window and settings
 *   <prefix>v/<path>/<n>      one record per version: its data and its own deletion state
 *
 * A read is the metadata record (usually served from the in-memory cache) plus one version
 * record. A write puts the new version, pruning versions that fall out of max_versions in the
 * same commit (concurrent writes share one commit, see group-commit.ts). The metadata record
 * is written when a secret is created and when its settings change, not on every write: its
 * counters (current_version, oldest_version, updated_time) follow from the version records
 * that exist, and are worked out from them when the record is loaded (see meta()). A write
 * thus touches one key and one B-tree page, not two. The prefix is the mount uuid, as in
 * Vault, so unversioned (v1) keys at the root of the view can be upgraded in place.
 */
import type { LogicalStorage } from '../../framework/types.js';
import type { Clock } from '../../lib/clock.js';
import { GroupCommit } from './group-commit.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';

export interface KvConfig {
  max_versions: number;
  cas_required: boolean;
  /** Seconds; 0 = unset, negative = disabled for every key (Vault stores -1s). */
  delete_version_after: number;
}

export interface KeyMeta {
  current_version: number;
  /** Vault's sliding-window start: 0 until the first version is pruned. */
  oldest_version: number;
  /** Milliseconds since the epoch. */
  created_time: number;
  updated_time: number;
  max_versions: number;
  cas_required: boolean;
  /** Seconds; 0 = inherit the engine setting. */
  delete_version_after: number;
  custom_metadata: Record<string, string> | null;
}

export interface VersionRecord {
  created_time: number;
  /** Milliseconds since the epoch; 0 = not scheduled for deletion. */
  deletion_time: number;
  destroyed: boolean;
  /** Absent once destroyed. */
  data?: Record<string, unknown>;
}

export type StorageOp = { op: 'put'; key: string; value: Uint8Array } | { op: 'delete'; key: string };

/** Vault keeps 10 versions unless told otherwise. */
export const DEFAULT_MAX_VERSIONS = 10;
const META_CACHE_MAX = 20_000;
/** Decoded version records kept for reads: bounded by count and by their stored size. */
const VERSION_CACHE_MAX = 10_000;
const VERSION_CACHE_BYTES = 32 * 1024 * 1024;
const VERSION_CACHE_ENTRY_BYTES = 64 * 1024;
const enc = new TextEncoder();
const dec = new TextDecoder();

export class V2Store {
  readonly locks = new KeyedMutex();
  config: KvConfig = { max_versions: 0, cas_required: false, delete_version_after: 0 };
  /**
   * Metadata records by path. Coherent because this Backend instance is the only writer of
   * its view (core builds a new instance after unseal, remount or tune). Records in the cache
   * are never mutated; writers build new ones.
   */
  private readonly metaCache = new Map<string, KeyMeta>();
  private readonly group: GroupCommit;
  /**
   * Decoded version records by storage key, so a hot read skips the barrier copy, UTF-8 decode
   * and JSON.parse. Records are never mutated (every change builds a new one). `writes` moves
   * whenever a write starts or ends: a read caches only if no write ran while it waited, so a
   * read racing a write never leaves the old record cached.
   */
  private readonly versionCache = new Map<string, { rec: VersionRecord; bytes: number }>();
  private versionCacheBytes = 0;
  private writes = 0;

  constructor(readonly storage: LogicalStorage, readonly prefix: string, private readonly clock: Clock) {
    this.group = new GroupCommit(storage);
  }

  /** Applies one request's ops atomically, sharing the durable commit with concurrent requests. */
  async write(ops: StorageOp[]): Promise<void> {
    this.writes++;
    for (const o of ops) this.forgetVersion(o.key);
    try {
      await this.group.apply(ops);
    } finally {
      this.writes++;
      for (const o of ops) this.forgetVersion(o.key);
    }
  }

  /** Drops every decoded record (on unmount and seal: secrets should not outlive their mount's life in memory). */
  clearCaches(): void {
    this.versionCache.clear();
    this.versionCacheBytes = 0;
    this.metaCache.clear();
  }

  now(): number {
    return this.clock.now();
  }

  async loadConfig(): Promise<void> {
    const c = await this.storage.getJSON<KvConfig>(this.prefix + 'config');
    if (c) this.config = c;
  }

  async saveConfig(c: KvConfig): Promise<void> {
    await this.storage.putJSON(this.prefix + 'config', c);
    this.config = c;
  }

  metaKey(path: string): string {
    return `${this.prefix}m/${path}`;
  }

  versionKey(path: string, n: number): string {
    return `${this.prefix}v/${path}/${n}`;
  }

  async meta(path: string): Promise<KeyMeta | undefined> {
    const hit = this.metaCache.get(path);
    if (hit) return hit;
    const writes = this.writes;
    const stored = await this.storage.getJSON<KeyMeta>(this.metaKey(path));
    if (!stored) return undefined;
    const m = await this.withVersionCounters(path, stored);
    // As for versions: a write that ran meanwhile has cached what is newer.
    if (writes === this.writes) this.remember(path, m);
    return m;
  }

  /**
   * The stored record's counters brought up to date with the versions in storage: versions are
   * only ever added at the top and pruned at the bottom, each in the same transaction as
   * the write that caused it, so the highest stored number is the current version and the
   * lowest, once pruning began, the oldest.
   */
  private async withVersionCounters(path: string, stored: KeyMeta): Promise<KeyMeta> {
    let max = 0;
    let min = Infinity;
    for (const entry of await this.storage.list(`${this.prefix}v/${path}/`)) {
      if (!/^\d+$/.test(entry)) continue; // "b/": the versions of a secret below this one
      const n = Number(entry);
      if (n > max) max = n;
      if (n < min) min = n;
    }
    if (max <= stored.current_version) return stored;
    const latest = await this.version(path, max);
    return {
      ...stored,
      current_version: max,
      oldest_version: min > 1 ? Math.max(min, stored.oldest_version) : stored.oldest_version,
      updated_time: Math.max(stored.updated_time, latest?.created_time ?? 0),
    };
  }

  async version(path: string, n: number): Promise<VersionRecord | undefined> {
    const key = this.versionKey(path, n);
    const hit = this.versionCache.get(key);
    if (hit) {
      // Map order is insertion order: re-inserting keeps the least recently read first.
      this.versionCache.delete(key);
      this.versionCache.set(key, hit);
      return hit.rec;
    }
    const writes = this.writes;
    const raw = await this.storage.get(key);
    if (raw === undefined) return undefined;
    const rec = JSON.parse(dec.decode(raw)) as VersionRecord;
    if (writes === this.writes && raw.byteLength <= VERSION_CACHE_ENTRY_BYTES) this.rememberVersion(key, rec, raw.byteLength);
    return rec;
  }

  private rememberVersion(key: string, rec: VersionRecord, bytes: number): void {
    this.versionCache.set(key, { rec, bytes });
    this.versionCacheBytes += bytes;
    while (this.versionCache.size > VERSION_CACHE_MAX || this.versionCacheBytes > VERSION_CACHE_BYTES) {
      this.forgetVersion(this.versionCache.keys().next().value!);
    }
  }

  private forgetVersion(key: string): void {
    const e = this.versionCache.get(key);
    if (!e) return;
    this.versionCache.delete(key);
    this.versionCacheBytes -= e.bytes;
  }

  /** Versions still in the window, oldest first (for metadata reads and deletes). */
  versionNumbers(meta: KeyMeta): number[] {
    const out: number[] = [];
    for (let n = Math.max(meta.oldest_version, 1); n <= meta.current_version; n++) out.push(n);
    return out;
  }

  async versions(path: string, meta: KeyMeta): Promise<Map<number, VersionRecord>> {
    const nums = this.versionNumbers(meta);
    const recs = await Promise.all(nums.map((n) => this.version(path, n)));
    const out = new Map<number, VersionRecord>();
    nums.forEach((n, i) => { if (recs[i]) out.set(n, recs[i]!); });
    return out;
  }

  putVersionOp(path: string, n: number, rec: VersionRecord): StorageOp {
    return { op: 'put', key: this.versionKey(path, n), value: enc.encode(JSON.stringify(rec)) };
  }

  /**
   * Applies ops atomically, then updates the cache: `meta` null means the secret is gone.
   * `countersOnly` says `meta` differs from the stored record only in the counters a new
   * version moves, which storage already tells (see withVersionCounters): it is not rewritten.
   */
  async commit(path: string, ops: StorageOp[], meta: KeyMeta | null, countersOnly = false): Promise<void> {
    const all = !meta ? [...ops, { op: 'delete' as const, key: this.metaKey(path) }]
      : countersOnly ? ops
        : [...ops, { op: 'put' as const, key: this.metaKey(path), value: enc.encode(JSON.stringify(meta)) }];
    try {
      await this.write(all);
    } catch (e) {
      this.metaCache.delete(path);
      throw e;
    }
    if (meta) this.remember(path, meta);
    else this.metaCache.delete(path);
  }

  async listMeta(prefix: string): Promise<string[]> {
    return this.storage.list(`${this.prefix}m/${prefix}`);
  }

  /** The effective max_versions: Vault takes the larger of the key's and the engine's setting. */
  maxVersions(meta: KeyMeta): number {
    const m = Math.max(meta.max_versions, this.config.max_versions);
    return m > 0 ? m : DEFAULT_MAX_VERSIONS;
  }

  /**
   * When a version written now should be deleted: the smaller non-zero of the engine's and
   * the key's delete_version_after, unless the engine disabled it. 0 = never.
   */
  deletionTimeFor(meta: KeyMeta, fromMs: number): number {
    const mount = this.config.delete_version_after;
    if (mount < 0) return 0;
    const key = meta.delete_version_after;
    if (!mount && !key) return 0;
    let min = key;
    if ((mount && mount < min) || !min) min = mount;
    return fromMs + min * 1000;
  }

  private remember(path: string, m: KeyMeta): void {
    if (this.metaCache.size >= META_CACHE_MAX && !this.metaCache.has(path)) {
      this.metaCache.delete(this.metaCache.keys().next().value!);
    }
    this.metaCache.set(path, m);
  }

  /** Decodes a stored v1 (unversioned) value for the in-place upgrade. */
  static decodeV1(raw: Uint8Array): Record<string, unknown> | undefined {
    try {
      const v = JSON.parse(dec.decode(raw));
      return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
    } catch {
      return undefined;
    }
  }
}

/** A version counts as deleted once its deletion time has come (Vault: deletion_time before now). */
export function isDeleted(rec: { deletion_time: number }, nowMs: number): boolean {
  // `<=` not `<`: with millisecond clocks a delete and a read in the same millisecond must
  // still see the delete (Vault's nanosecond clock makes the tie practically impossible).
  return rec.deletion_time !== 0 && rec.deletion_time <= nowMs;
}

export function newMeta(nowMs: number): KeyMeta {
  return {
    current_version: 0, oldest_version: 0, created_time: nowMs, updated_time: nowMs,
    max_versions: 0, cas_required: false, delete_version_after: 0, custom_metadata: null,
  };
}
