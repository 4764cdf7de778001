/**
 * How `kv` commands find their engine: a preflight read of sys/internal/ui/mounts/<path>
 * tells the mount path and KV version, and v2 paths get their API segment (`data/`,
 * `metadata/`, `delete/`, …) inserted after the mount, exactly as the vault CLI does.
 */
import { posix } from 'node:path';
import { ApiError, toApiError, type VaultClient } from '../../api/client.js';
import type { Context } from '../command.js';
import { sanitizePath } from '../command.js';

export interface KVMount {
  mountPath: string;
  v2: boolean;
}

/** Mount path and version for `path`; an unknown mount (404) counts as KV v1, as in vault. */
export async function kvPreflight(client: VaultClient, path: string): Promise<KVMount> {
  const res = await client.request('GET', `sys/internal/ui/mounts/${path}`, { wrapTTL: null });
  if (res.status === 404) return { mountPath: '', v2: false };
  if (res.status >= 400) throw toApiError(res);
  const data = (res.body?.data ?? {}) as Record<string, any>;
  const mountPath = typeof data.path === 'string' ? data.path : '';
  const version = data.options && typeof data.options === 'object' ? data.options.version : undefined;
  return { mountPath, v2: version === '2' || version === 2 };
}

/** Inserts the v2 API segment after the mount: ("secret/foo", "secret/", "data") → secret/data/foo. */
export function addPrefixToKVPath(path: string, mountPath: string, apiPrefix: string): string {
  if (path === mountPath || path === mountPath.replace(/\/$/, '')) return posix.join(mountPath, apiPrefix);
  let mount = mountPath;
  let suffix = path.startsWith(mount) ? path.slice(mount.length) : path;
  // In a namespace the mount path carries the namespace prefix the user did not type; drop
  // leading segments of it until the path matches.
  while (suffix === path) {
    const parts = mount.split('/');
    if (parts.length <= 1 || parts.slice(1).join('/') === '') break;
    mount = parts.slice(1).join('/').replace(/\/$/, '');
    suffix = path.startsWith(mount) ? path.slice(mount.length) : path;
  }
  return posix.join(mount, apiPrefix, suffix);
}

export interface ResolvedKV extends KVMount {
  /** The path the user meant, mount included (without an API segment). */
  partialPath: string;
  /** True when the mount came from -mount. */
  mountFlag: boolean;
}

/** Reads `-mount` and the path argument and runs the preflight. */
export async function resolveKV(ctx: Context, client: VaultClient, pathArg: string): Promise<ResolvedKV> {
  const mountFlag = String(ctx.flags['mount'] ?? '');
  if (mountFlag) {
    let partialPath = sanitizePath(pathArg);
    const m = await kvPreflight(client, sanitizePath(mountFlag));
    if (m.v2) partialPath = posix.join(m.mountPath, partialPath);
    else partialPath = posix.join(m.mountPath || ensureSlash(sanitizePath(mountFlag)), partialPath);
    return { ...m, partialPath, mountFlag: true };
  }
  const partialPath = sanitizePath(pathArg);
  const m = await kvPreflight(client, partialPath);
  return { ...m, partialPath, mountFlag: false };
}

function ensureSlash(s: string): string {
  return s.endsWith('/') ? s : `${s}/`;
}

/** The full API path for a kv command: v2 gets its segment, v1 is the path itself. */
export function kvAPIPath(r: ResolvedKV, apiPrefix: string): string {
  return r.v2 ? addPrefixToKVPath(r.partialPath, r.mountPath, apiPrefix) : r.partialPath.replace(/\/$/, '');
}

/** "==== Title ====" padded to a width, as vault's kv output headers. */
export function padEqualSigns(header: string, totalLen: number): string {
  let eq = totalLen - (header.length + 2);
  if (eq <= 0) eq = 4;
  if (eq % 2 !== 0) eq += 1;
  return `${'='.repeat(eq / 2)} ${header} ${'='.repeat(eq / 2)}`;
}

export function headerForMap(header: string, data: Record<string, unknown> | null | undefined): string {
  const maxKey = Math.max(0, ...Object.keys(data ?? {}).map((k) => k.length));
  return padEqualSigns(header, maxKey + 4 + 5);
}

export function outputPathHeader(ctx: Context, path: string, title: string): void {
  ctx.ui.info(padEqualSigns(title, path.length));
  ctx.ui.info(path);
  ctx.ui.info('');
}

export function isApiStatus(e: unknown, status: number): boolean {
  return e instanceof ApiError && e.status === status;
}

/** -versions flags: each may hold a comma-separated list. */
export function parseVersions(values: string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}
