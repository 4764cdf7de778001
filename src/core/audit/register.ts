/**
 * Wires the audit broker into Core: loaded on unseal (devices reopened), closed on seal,
 * and SIGHUP reopens every device's file or connection (log rotation). Imported once by
 * src/server/builtins.ts.
 */
import { addSysPaths } from '../../engines/sys/backend.js';
import { auditPaths } from '../../engines/sys/path-audit.js';
import { onSeal, onUnseal } from '../core.js';
import { AuditBroker } from './broker.js';

const live = new Set<AuditBroker>();
let hupInstalled = false;

function installSighup(): void {
  if (hupInstalled) return;
  hupInstalled = true;
  process.on('SIGHUP', () => {
    for (const b of live) void b.reload();
  });
}

onUnseal('audit', async (core) => {
  const b = new AuditBroker(core);
  await b.load();
  core.services.audit = b;
  core.registry.set('audit', b);
  live.add(b);
  installSighup();
});

onSeal('audit', async (core) => {
  const b = core.services.audit;
  if (b instanceof AuditBroker) {
    live.delete(b);
    await b.close();
  }
  core.services.audit = undefined;
});

addSysPaths(auditPaths);
