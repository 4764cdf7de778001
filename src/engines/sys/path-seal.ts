/** sys/seal, sys/key-status, sys/rotate (authenticated lifecycle operations). */
import type { Core } from '../../core/core.js';
import type { PathDef } from '../../framework/backend.js';

export function sealPaths(core: Core): PathDef[] {
  return [
    {
      pattern: 'seal',
      synopsis: 'Seal the Vault.',
      operations: {
        update: async () => {
          // Answer first, then seal: the request itself still runs under the barrier.
          setImmediate(() => { void core.sealCore(); });
          return null;
        },
      },
    },
    {
      pattern: 'key-status',
      synopsis: 'Provides information about the backend encryption key.',
      operations: { read: async () => ({ data: core.barrier.keyStatus(), legacyTopLevel: true }) },
    },
    {
      pattern: 'rotate',
      synopsis: 'Rotates the backend encryption key used to persist data.',
      operations: { update: async () => { await core.barrier.rotate(); return null; } },
    },
  ];
}
