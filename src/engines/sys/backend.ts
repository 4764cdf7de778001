/**
 * The system backend, mounted at sys/. One file per group of paths; a capability that adds
 * sys endpoints adds one line to SYS_PATH_GROUPS.
 */
import type { Core } from '../../core/core.js';
import type { BackendDef, BackendFactory, PathDef } from '../../framework/backend.js';
import { authPaths } from './path-auth.js';
import { generateRootPaths } from './path-generate-root.js';
import { internalPaths } from './path-internal.js';
import { mountPaths } from './path-mounts.js';
import { sealPaths } from './path-seal.js';

type PathGroup = (core: Core) => PathDef[];

const SYS_PATH_GROUPS: PathGroup[] = [mountPaths, authPaths, sealPaths, internalPaths, generateRootPaths];

/** Other capabilities (policies, leases, audit, wrapping) register their sys path groups here. */
export function addSysPaths(group: PathGroup): void {
  if (!SYS_PATH_GROUPS.includes(group)) SYS_PATH_GROUPS.push(group);
}

/** Paths that need sudo on sys/ (Vault's PathsSpecial.Root for the system backend). */
export const SYS_ROOT_PATHS = [
  'auth/*', 'remount', 'audit', 'audit/*', 'raw', 'raw/*', 'rotate', 'rotate/keyring', 'rotate/root',
  'config/cors', 'config/auditing/*', 'config/ui/headers/*', 'plugins/catalog/*', 'plugins/runtimes/catalog/*',
  'revoke-prefix/*', 'revoke-force/*', 'leases', 'leases/revoke-prefix/*', 'leases/revoke-force/*', 'leases/lookup/*',
  'seal', 'step-down', 'internal/inspect/*', 'storage/raft/snapshot-auto/config/*',
];

export const SYS_UNAUTHENTICATED_PATHS = [
  'wrapping/lookup', 'wrapping/pubkey', 'replication/status', 'internal/specs/openapi', 'internal/ui/mounts',
  'internal/ui/mounts/*', 'internal/ui/namespaces', 'generate-root', 'generate-root/*',
  'wrapping/unwrap', 'wrapping/rewrap',
];

export const sysFactory: BackendFactory = (ctx): BackendDef => {
  const core = ctx.system.service<Core>('core')!;
  return {
    help: 'The system backend is built-in to Coffer and cannot be remounted or unmounted. It contains the paths that are used to configure Coffer itself.',
    paths: SYS_PATH_GROUPS.flatMap((g) => g(core)),
    rootPaths: SYS_ROOT_PATHS,
    unauthenticatedPaths: SYS_UNAUTHENTICATED_PATHS,
  };
};
