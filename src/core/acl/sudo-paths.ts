/**
 * Paths that need `sudo` (Vault's "root-protected" special paths) for the system backend and the
 * token store, plus the matcher Vault's router applies to such lists: a pattern ending in `*` is a
 * prefix, anything else must match exactly, and the longest stored pattern that is a prefix of the
 * path decides (so `leases` exact does not make `leases/foo` sudo-only).
 * Backends may declare their own lists (PKI: `root`, `root/sign-self-issued`) and use the same
 * matcher on their mount-relative paths.
 */
import { RadixTree } from './radix.js';

/** Relative to `sys/`. `seal` and `step-down` are enforced by dedicated checks in Vault. */
export const SYS_SUDO_PATHS: readonly string[] = [
  'auth/*',
  'remount',
  'audit',
  'audit/*',
  'raw',
  'raw/*',
  'rotate',
  'rotate/keyring',
  'rotate/root',
  'config/cors',
  'config/auditing/*',
  'config/ui/headers/*',
  'plugins/catalog/*',
  'plugins/runtimes/catalog/*',
  'revoke-prefix/*',
  'revoke-force/*',
  'leases/revoke-prefix/*',
  'leases/revoke-force/*',
  'leases/lookup/*',
  'leases',
  'internal/inspect/*',
  'seal',
  'step-down',
];

/** Relative to `auth/token/`. Plain `revoke-orphan` (token in the body) checks sudo in its handler. */
export const TOKEN_SUDO_PATHS: readonly string[] = ['revoke-orphan/*', 'accessors*'];

/** Compiles a special-paths list into a test on mount-relative paths. */
export function compileSpecialPaths(patterns: readonly string[]): (path: string) => boolean {
  const tree = new RadixTree<boolean>();
  for (const p of patterns) {
    if (p.endsWith('*')) tree.set(p.slice(0, -1), true);
    // An exact entry never shadows a prefix entry stored at the same key.
    else if (tree.get(p) === undefined) tree.set(p, false);
  }
  return (path: string) => {
    const hit = tree.longestPrefix(path);
    if (!hit) return false;
    return hit.value || hit.length === path.length;
  };
}

const sysSudo = compileSpecialPaths(SYS_SUDO_PATHS);
const tokenSudo = compileSpecialPaths(TOKEN_SUDO_PATHS);

/** Full request paths (`sys/audit/file`, `auth/token/accessors/`) that require sudo. */
export function isSudoPath(path: string): boolean {
  const p = path.replace(/^\/+/, '');
  if (p.startsWith('sys/')) return sysSudo(p.slice(4));
  if (p.startsWith('auth/token/')) return tokenSudo(p.slice(11));
  return false;
}

/** The same lists as full paths, for OpenAPI and documentation. */
export const SUDO_PATHS: readonly string[] = [
  ...SYS_SUDO_PATHS.map((p) => `sys/${p}`),
  ...TOKEN_SUDO_PATHS.map((p) => `auth/token/${p}`),
];
