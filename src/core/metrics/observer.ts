/**
 * Watches every request through the pipeline: the in-flight table (sys/in-flight-req) and
 * Vault's request metrics: `vault.core.handle_request` (all requests), `vault.route.<op>.<mount>`
 * (per mount and operation, the mount's slashes as dashes), `vault.core.response_status_code`,
 * and a debug log line per request (request id, mount, operation, status, duration; no path).
 *
 * This runs on every request, so it records little up front (the request and a timestamp) and
 * keeps the metric series it feeds as handles; the in-flight table is formatted only when read.
 */
import type { Request, Response } from '../../framework/types.js';
import { isCofferError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { RequestObserver } from '../services.js';
import { add, record, type Aggregate, type MetricsRegistry, type SampleValue } from './registry.js';

export interface InFlightRequest {
  start_time: string;
  client_remote_address: string;
  request_path: string;
  request_method: string;
  client_id: string;
}

const METHOD: Record<string, string> = { read: 'GET', list: 'LIST', delete: 'DELETE', patch: 'PATCH', create: 'POST', update: 'POST' };

interface Started {
  req: Request;
  /** Date.now() at the start, for the table; durations use the monotonic clock. */
  wallMs: number;
}

export class RequestMetrics implements RequestObserver {
  private readonly running = new Map<string, Started>();
  private readonly handleRequest: SampleValue;
  private readonly routes = new Map<string, SampleValue>();
  private readonly statuses = new Map<number, Aggregate>();

  constructor(private readonly metrics: MetricsRegistry, private readonly logger?: Logger) {
    this.handleRequest = metrics.sampleHandle('vault.core.handle_request');
  }

  /** Requests being served now, as sys/in-flight-req shows them. */
  get inFlight(): Map<string, InFlightRequest> {
    const out = new Map<string, InFlightRequest>();
    for (const [id, { req, wallMs }] of this.running) {
      out.set(id, {
        start_time: new Date(wallMs).toISOString(),
        client_remote_address: req.remoteAddr.replace(/^::ffff:/, ''),
        request_path: `/v1/${req.fullPath}`,
        request_method: METHOD[req.operation] ?? 'POST',
        client_id: '',
      });
    }
    return out;
  }

  get inFlightCount(): number {
    return this.running.size;
  }

  begin(req: Request): (resp: Response | null, error?: unknown) => void {
    const started = performance.now();
    this.running.set(req.id, { req, wallMs: Date.now() });
    return (resp, error) => {
      this.running.delete(req.id);
      const ms = performance.now() - started;
      record(this.handleRequest, ms);
      if (req.mountPoint) record(this.route(req.operation, req.mountPoint), ms);
      const code = error ? (isCofferError(error) ? error.status : 500) : resp?.raw?.status ?? resp?.status ?? (resp ? 200 : req.operation === 'read' || req.operation === 'list' ? 404 : 204);
      add(this.status(code), 1);
      // The mount, not the path: paths can name things a log should not (token ids in legacy URLs).
      if (this.logger && this.logger.isLevelEnabled?.('debug') !== false) this.logger.debug({ request_id: req.id, mount_point: req.mountPoint, operation: req.operation, status: code, duration_ms: Math.round(ms * 1000) / 1000 }, 'request handled');
    };
  }

  private route(operation: string, mountPoint: string): SampleValue {
    const k = operation + '\0' + mountPoint;
    let h = this.routes.get(k);
    if (!h) {
      h = this.metrics.sampleHandle(`vault.route.${operation}.${mountPoint.replace(/\//g, '-')}`);
      this.routes.set(k, h);
    }
    return h;
  }

  private status(code: number): Aggregate {
    let h = this.statuses.get(code);
    if (!h) {
      h = this.metrics.counterHandle('vault.core.response_status_code', { code: String(code), type: `${Math.floor(code / 100)}xx` });
      this.statuses.set(code, h);
    }
    return h;
  }
}
