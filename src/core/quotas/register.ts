/**
 * Wires quotas into Core on every unseal: quotas loaded from `sys/quotas/`, lease-count
 * quotas counting from the lease manager (restored just before), and the sys/quotas/*
 * endpoints. Imported by src/server/builtins.ts after the lease manager's module.
 */
import { LogicalView } from '../../framework/logical.js';
import { addSysPaths } from '../../engines/sys/backend.js';
import { quotaPaths } from '../../engines/sys/path-quotas.js';
import { onUnseal } from '../core.js';
import { LeaseManager } from '../leases/lease-manager.js';
import { QuotaManager } from './quota-manager.js';

onUnseal('quotas', async (core) => {
  const q = new QuotaManager(core, new LogicalView(core.barrier, 'sys/quotas/'));
  await q.load();
  const leases = core.services.leases;
  if (leases instanceof LeaseManager) q.attachLeases(() => leases.ids(), (l) => leases.subscribe(l));
  core.services.quotas = q;
  core.registry.set('quotas', q);
});

addSysPaths(quotaPaths);
