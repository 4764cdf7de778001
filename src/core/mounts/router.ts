/**
 * Longest-prefix routing from a request path to its mount. Lookups walk the path's own
 * prefixes against a Map (a handful of O(1) probes), so the cost does not grow with the
 * number of mounts.
 */
import type { Backend } from '../../framework/backend.js';
import type { MountEntry, TableName } from './mount-entry.js';

export interface RouteEntry {
  /** Full router path: "secret/", "auth/kubernetes/". */
  path: string;
  table: TableName;
  entry: MountEntry;
  backend: Backend;
}

export class Router {
  private readonly byPath = new Map<string, RouteEntry>();

  add(route: RouteEntry): void {
    this.byPath.set(route.path, route);
  }

  remove(path: string): void {
    this.byPath.delete(path);
  }

  get(path: string): RouteEntry | undefined {
    return this.byPath.get(path);
  }

  /** The mount owning `path` ("secret/data/x" → "secret/"), or undefined. */
  match(path: string): RouteEntry | undefined {
    const withSlash = path.endsWith('/') ? path : path + '/';
    let end = withSlash.length;
    while (end > 0) {
      const hit = this.byPath.get(withSlash.slice(0, end));
      if (hit) return hit;
      end = withSlash.lastIndexOf('/', end - 2) + 1;
    }
    return undefined;
  }

  /** Would mounting at `path` overlap an existing mount (either direction)? */
  conflict(path: string): string | undefined {
    for (const existing of this.byPath.keys()) {
      if (existing.startsWith(path) || path.startsWith(existing)) return existing;
    }
    return undefined;
  }

  routes(): RouteEntry[] {
    return [...this.byPath.values()];
  }

  findByAccessor(accessor: string): RouteEntry | undefined {
    for (const r of this.byPath.values()) if (r.entry.accessor === accessor) return r;
    return undefined;
  }

  findByUUID(uuid: string): RouteEntry | undefined {
    for (const r of this.byPath.values()) if (r.entry.uuid === uuid) return r;
    return undefined;
  }
}
