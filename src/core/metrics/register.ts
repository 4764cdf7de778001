/**
 * Wires observability into Core: the request observer (metrics and the in-flight table),
 * gauges read at scrape time (seal state, leases, tokens, in-flight requests, memory), and
 * the sys/metrics, sys/host-info and sys/in-flight-req endpoints. Imported once by
 * src/server/builtins.ts. The registry belongs to the Core, so counts survive a seal.
 */
import { addSysPaths } from '../../engines/sys/backend.js';
import { metricsPaths } from '../../engines/sys/path-metrics.js';
import type { Core } from '../core.js';
import { onUnseal } from '../core.js';
import { LeaseManager } from '../leases/lease-manager.js';
import { RequestMetrics } from './observer.js';
import { metricsFor } from './registry.js';

const TOKEN_COUNT_TTL_MS = 10_000;

function installGauges(core: Core, observer: RequestMetrics): void {
  const m = metricsFor(core);
  m.gaugeFn('vault.core.unsealed', () => (core.sealed ? 0 : 1));
  m.gaugeFn('vault.core.in_flight_requests', () => observer.inFlightCount);
  const leases = () => (core.services.leases instanceof LeaseManager && !core.sealed ? core.services.leases : undefined);
  m.gaugeFn('vault.expire.num_leases', () => leases()?.count);
  m.gaugeFn('vault.expire.num_irrevocable_leases', () => leases()?.irrevocableCount);
  m.gaugeFn('vault.runtime.alloc_bytes', () => process.memoryUsage().heapUsed);
  m.gaugeFn('vault.runtime.sys_bytes', () => process.memoryUsage().rss);
  // Counting tokens lists storage: done before a scrape, at most every ten seconds.
  let tokens: number | undefined;
  let counted = 0;
  m.addCollector(async () => {
    if (core.sealed || Date.now() - counted < TOKEN_COUNT_TTL_MS) return;
    tokens = (await core.tokens.accessors()).length;
    counted = Date.now();
  });
  m.gaugeFn('vault.token.count', () => tokens);
}

onUnseal('metrics', async (core) => {
  if (core.services.observer instanceof RequestMetrics) return;
  const observer = new RequestMetrics(metricsFor(core), core.logger.child({ component: 'http' }));
  core.services.observer = observer;
  installGauges(core, observer);
});

addSysPaths(metricsPaths);
