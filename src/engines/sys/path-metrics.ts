/**
 * sys/metrics (Vault's JSON by default, Prometheus text with format=prometheus or an
 * Accept header asking for it), sys/host-info and sys/in-flight-req.
 */
import type { Core } from '../../core/core.js';
import { collectHostInfo } from '../../core/metrics/host-info.js';
import { RequestMetrics } from '../../core/metrics/observer.js';
import { metricsFor } from '../../core/metrics/registry.js';
import { toPrometheus, toVaultJSON } from '../../core/metrics/render.js';
import type { PathDef } from '../../framework/backend.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';

const PROMETHEUS_TYPE = 'text/plain; version=0.0.4';

function wantsPrometheus(req: Request, format: string): boolean {
  if (format) return format === 'prometheus';
  const accept = String(req.headers.accept ?? '');
  return accept.includes('application/openmetrics-text') || accept.includes('text/plain; version=0.0.4');
}

export function metricsPaths(core: Core): PathDef[] {
  return [
    {
      pattern: 'metrics',
      fields: { format: { type: 'string', description: 'Format to export metrics into. Currently accepts only "prometheus".' } },
      synopsis: 'Export the metrics aggregated for telemetry purpose.',
      operations: {
        read: async (req, d): Promise<Response> => {
          const format = d.str('format');
          if (format && format !== 'prometheus' && format !== 'json') throw badRequest(`metric format "${format}" is not supported`);
          const reg = metricsFor(core);
          await reg.collect();
          if (wantsPrometheus(req, format)) return { raw: { status: 200, contentType: PROMETHEUS_TYPE, body: toPrometheus(reg) } };
          return { raw: { status: 200, contentType: 'application/json', body: JSON.stringify(toVaultJSON(reg)) } };
        },
      },
    },
    {
      pattern: 'host-info',
      synopsis: 'Information about the host instance that this Vault server is running on.',
      operations: {
        read: async (): Promise<Response> => {
          const { data, warnings } = collectHostInfo();
          return { data, warnings };
        },
      },
    },
    {
      pattern: 'in-flight-req',
      synopsis: 'Reports in-flight requests.',
      operations: {
        read: async (): Promise<Response> => {
          const obs = core.services.observer;
          const table = obs instanceof RequestMetrics ? Object.fromEntries(obs.inFlight) : {};
          return { raw: { status: 200, contentType: 'application/json', body: JSON.stringify(table) } };
        },
      },
    },
  ];
}
