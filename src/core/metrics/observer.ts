/**
 * Watches every request through the pipeline: the in-flight table (sys/in-flight-req) and
 * Vault's request metrics: `vault.core.handle_request` (all requests), `vault.route.<op>.<mount>`
 * (per mount and operation, the mount's slashes as dashes), `vault.core.response_status_code`,
 * and a debug log line per request (request id, mount, operation, status, duration; no path).
 */
import type { Request, Response } from '../../framework/types.js';
import { isCofferError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { RequestObserver } from '../services.js';
import type { MetricsRegistry } from './registry.js';

export interface InFlightRequest {
  start_time: string;
  client_remote_address: string;
  request_path: string;
  request_method: string;
  client_id: string;
}

const METHOD: Record<string, string> = { read: 'GET', list: 'LIST', delete: 'DELETE', patch: 'PATCH', create: 'POST', update: 'POST' };

export class RequestMetrics implements RequestObserver {
  readonly inFlight = new Map<string, InFlightRequest>();

  constructor(private readonly metrics: MetricsRegistry, private readonly logger?: Logger) {}

  begin(req: Request): (resp: Response | null, error?: unknown) => void {
    const started = performance.now();
    this.inFlight.set(req.id, {
      start_time: new Date().toISOString(),
      client_remote_address: req.remoteAddr.replace(/^::ffff:/, ''),
      request_path: `/v1/${req.fullPath}`,
      request_method: METHOD[req.operation] ?? 'POST',
      client_id: '',
    });
    return (resp, error) => {
      this.inFlight.delete(req.id);
      const ms = performance.now() - started;
      this.metrics.sample('vault.core.handle_request', ms);
      if (req.mountPoint) this.metrics.sample(`vault.route.${req.operation}.${req.mountPoint.replace(/\//g, '-')}`, ms);
      const code = error ? (isCofferError(error) ? error.status : 500) : resp?.raw?.status ?? resp?.status ?? (resp ? 200 : req.operation === 'read' || req.operation === 'list' ? 404 : 204);
      this.metrics.incr('vault.core.response_status_code', 1, { code: String(code), type: `${Math.floor(code / 100)}xx` });
      // The mount, not the path: paths can name things a log should not (token ids in legacy URLs).
      this.logger?.debug({ request_id: req.id, mount_point: req.mountPoint, operation: req.operation, status: code, duration_ms: Math.round(ms * 1000) / 1000 }, 'request handled');
    };
  }
}
