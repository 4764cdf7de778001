/**
 * The requests the lease manager sends to a Backend's secret type on renew and revoke:
 * routed by the lease's creation path (so a remounted engine still finds its leases) and
 * carrying the secret's internal data, never a client token.
 */
import type { SecretType } from '../../framework/backend.js';
import type { Request } from '../../framework/types.js';
import { CofferError } from '../../lib/errors.js';
import { uuid } from '../../lib/ids.js';
import type { Router, RouteEntry } from '../mounts/router.js';
import type { LeaseEntry } from './lease-entry.js';

export interface LeaseTarget {
  route: RouteEntry;
  secretType: SecretType;
  req: Request;
}

/** Finds the Backend and secret type that own a secret lease; throws when they are gone. */
export function leaseTarget(router: Router, le: LeaseEntry, increment?: number): LeaseTarget {
  const route = router.match(le.path);
  // 404s are unrecoverable for the retry logic, as Vault treats an unsupported path.
  if (!route) throw new CofferError(404, `no handler for route "${le.path}"`);
  const secretType = route.backend.secretType(le.secret_type ?? '');
  if (!secretType) throw new Error('secret is unsupported by this backend');
  const req: Request = {
    id: uuid(),
    operation: 'update',
    fullPath: le.path,
    path: le.path.length >= route.path.length ? le.path.slice(route.path.length) : '',
    data: {},
    query: {},
    headers: {},
    clientToken: '',
    mountPoint: route.path,
    mountType: route.entry.type,
    mountAccessor: route.entry.accessor,
    remoteAddr: '',
    secret: {
      leaseId: le.lease_id,
      type: le.secret_type ?? '',
      internal: le.internal ?? {},
      issueTime: Math.floor(le.issue_time / 1000),
      ttl: le.ttl,
      increment,
    },
  };
  return { route, secretType, req };
}

/** Rejects after ms so one hanging Backend call cannot hold a worker forever. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
