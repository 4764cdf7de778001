/**
 * Wires the lease manager into Core: created on every unseal (timers restored from the
 * expiry index), told about token revocations, and offered to sys/mounts so disabling a
 * mount revokes its leases first. Imported once by src/server/builtins.ts.
 */
import { addSysPaths } from '../../engines/sys/backend.js';
import { leasePaths } from '../../engines/sys/path-leases.js';
import { onUnseal } from '../core.js';
import { LeaseManager } from './lease-manager.js';

onUnseal('leases', async (core) => {
  const m = new LeaseManager(core);
  core.services.leases = m;
  core.registry.set('leases', m);
  core.registry.set('lease-prefix-revoker', (prefix: string) => m.revokePrefix(prefix, { sync: true }));
  core.tokens.onRevoke((token) => m.revokeByToken(token));
  await m.restore();
});

addSysPaths(leasePaths);
