/**
 * consul-template's KV v2 handling: ask sys/internal/ui/mounts which mount a path is on and
 * which KV version it runs, then rewrite reads to <mount>/data/…, lists to <mount>/metadata/…
 * and wrap writes in {"data": …}. A 404 (or any error) from that endpoint means "assume v1".
 */
import type { VaultClient } from '../api/client.js';

export interface MountInfo {
  mountPath: string;
  isKVv2: boolean;
}

export async function lookupMount(client: VaultClient, token: string, path: string): Promise<MountInfo> {
  try {
    const res = await client.request('GET', `sys/internal/ui/mounts/${path}`, { token });
    if (res.status !== 200) return { mountPath: '', isKVv2: false };
    const d = res.body?.data ?? {};
    const version = d.options?.version;
    return { mountPath: String(d.path ?? ''), isKVv2: (d.type === 'kv' || d.type === 'generic') && String(version) === '2' };
  } catch {
    return { mountPath: '', isKVv2: false };
  }
}

function join(...parts: string[]): string {
  return parts.join('/').replace(/\/+/g, '/').replace(/\/$/, '');
}

/** <mount>/data/<rest>, unless the path already names data/ or metadata/. */
export function shimKVv2Path(rawPath: string, mountPath: string): string {
  if (rawPath === mountPath || rawPath === mountPath.replace(/\/$/, '')) return join(mountPath, 'data');
  const rest = rawPath.startsWith(mountPath) ? rawPath.slice(mountPath.length) : rawPath;
  if (rest.startsWith('data/') || rest.startsWith('metadata/')) return rawPath;
  return join(mountPath, 'data', rest);
}

/** <mount>/metadata/<rest> for LIST. */
export function shimKVv2ListPath(rawPath: string, mountPath: string): string {
  const m = mountPath.replace(/\/$/, '');
  if (rawPath === m || rawPath === mountPath) return join(m, 'metadata');
  const rest = rawPath.startsWith(mountPath) ? rawPath.slice(mountPath.length) : rawPath;
  if (rest.startsWith('metadata/')) return rawPath;
  return join(m, 'metadata', rest);
}

/** A KV v2 version that was deleted (deletion_time in the past) or destroyed counts as missing. */
export function isDeletedKVv2(data: Record<string, unknown> | null | undefined, now = Date.now()): boolean {
  const md = data?.metadata as Record<string, unknown> | undefined;
  if (!md || typeof md !== 'object') return false;
  if (md.destroyed === true) return true;
  const dt = md.deletion_time;
  if (typeof dt === 'string' && dt !== '') {
    const t = Date.parse(dt);
    if (Number.isFinite(t) && t <= now) return true;
  }
  return false;
}
