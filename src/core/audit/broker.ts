/**
 * The audit broker: the table of audit devices (persisted through the barrier at
 * `core/audit`, each device's salt under `audit/<uuid>/salt`), and the rule Vault enforces:
 * once any device is enabled, a request or response that no device could record fails.
 * Devices whose sink cannot be opened at unseal stay in the table and retry on every write,
 * so an audit log on a disk that comes back recovers without a restart.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from '../../framework/types.js';
import { badRequest, CofferError } from '../../lib/errors.js';
import type { Core } from '../core.js';
import { metricsFor } from '../metrics/registry.js';
import type { AuditService } from '../services.js';
import type { TokenEntry } from '../tokens/token-entry.js';
import { requestEntry, responseEntry, type AuditInput, type FormatConfig } from './entry.js';
import { AuditSalt } from './hash.js';
import { toJSONx } from './jsonx.js';
import { FileSink } from './sinks/file-sink.js';
import { parseBool, type AuditSink } from './sinks/sink.js';
import { SocketSink } from './sinks/socket-sink.js';
import { SyslogSink } from './sinks/syslog-sink.js';

export interface AuditTableEntry {
  path: string;
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
  uuid: string;
}

const SINKS: Record<string, (o: Record<string, string>) => AuditSink> = {
  file: (o) => FileSink.create(o),
  socket: (o) => SocketSink.create(o),
  syslog: (o) => SyslogSink.create(o),
};

const TABLE_KEY = 'core/audit';
const enc = new TextEncoder();
const dec = new TextDecoder();

class Device {
  sink: AuditSink | undefined;
  lastError = '';

  constructor(readonly entry: AuditTableEntry, readonly salt: AuditSalt, readonly cfg: FormatConfig, readonly format: 'json' | 'jsonx', readonly prefix: string) {}

  render(entry: Record<string, unknown>): string {
    return this.prefix + (this.format === 'jsonx' ? toJSONx(entry) : JSON.stringify(entry)) + '\n';
  }

  async write(line: string): Promise<void> {
    this.sink ??= SINKS[this.entry.type]!(this.entry.options);
    await this.sink.write(line);
  }
}

/** Validates the options shared by every device type (Vault's names and defaults). */
function formatOf(options: Record<string, string>): { cfg: FormatConfig; format: 'json' | 'jsonx'; prefix: string } {
  const format = options.format || 'json';
  if (format !== 'json' && format !== 'jsonx') throw new Error(`unknown format type "${format}"`);
  return {
    cfg: {
      raw: parseBool('log_raw', options.log_raw, false),
      hmacAccessor: parseBool('hmac_accessor', options.hmac_accessor, true),
      elideListResponses: parseBool('elide_list_responses', options.elide_list_responses, false),
    },
    format,
    prefix: options.prefix ?? '',
  };
}

export class AuditBroker implements AuditService {
  private devices = new Map<string, Device>();

  constructor(private readonly core: Core) {}

  get size(): number {
    return this.devices.size;
  }

  private async saltFor(uuid: string): Promise<AuditSalt> {
    const key = `audit/${uuid}/salt`;
    const existing = await this.core.barrier.get(key);
    if (existing) return new AuditSalt(dec.decode(existing));
    const salt = randomUUID();
    await this.core.barrier.put(key, enc.encode(salt));
    return new AuditSalt(salt);
  }

  private async build(entry: AuditTableEntry, openNow: boolean): Promise<Device> {
    const make = SINKS[entry.type];
    if (!make) throw badRequest(`unknown backend type: "${entry.type}"`);
    let f;
    try {
      f = formatOf(entry.options);
    } catch (e) {
      throw badRequest((e as Error).message);
    }
    const device = new Device(entry, await this.saltFor(entry.uuid), f.cfg, f.format, f.prefix);
    if (openNow) {
      try {
        device.sink = make(entry.options);
      } catch (e) {
        throw badRequest((e as Error).message);
      }
    }
    return device;
  }

  /** On unseal: every device in the table; one that cannot open now keeps retrying on writes. */
  async load(): Promise<void> {
    const raw = await this.core.barrier.get(TABLE_KEY);
    const entries = raw ? (JSON.parse(dec.decode(raw)) as { entries: AuditTableEntry[] }).entries : [];
    for (const e of entries) {
      const d = await this.build(e, false).catch(() => undefined);
      if (!d) continue;
      try {
        d.sink = SINKS[e.type]!(e.options);
      } catch (err) {
        d.lastError = (err as Error).message;
        this.core.logger.error({ path: e.path, err: d.lastError }, 'audit device failed to open; requests fail until it can record');
      }
      this.devices.set(e.path, d);
    }
  }

  private async persist(): Promise<void> {
    const entries = [...this.devices.values()].map((d) => d.entry);
    await this.core.barrier.put(TABLE_KEY, enc.encode(JSON.stringify({ entries })));
  }

  async enable(rawPath: string, type: string, description: string, options: Record<string, string>, local: boolean): Promise<void> {
    const path = normalize(rawPath);
    if (!path) throw badRequest('path cannot be empty');
    for (const existing of this.devices.keys()) {
      if (existing.startsWith(path) || path.startsWith(existing)) throw badRequest(`path already in use`);
    }
    const entry: AuditTableEntry = { path, type, description, options, local, uuid: randomUUID() };
    const device = await this.build(entry, true);
    this.devices.set(path, device);
    try {
      await this.persist();
    } catch (e) {
      this.devices.delete(path);
      await device.sink?.close();
      throw e;
    }
    this.core.logger.info({ path, type }, 'enabled audit backend');
  }

  async disable(rawPath: string): Promise<void> {
    const path = normalize(rawPath);
    const d = this.devices.get(path);
    if (!d) return;
    this.devices.delete(path);
    await this.persist();
    await d.sink?.close().catch(() => undefined);
    await this.core.barrier.delete(`audit/${d.entry.uuid}/salt`);
    this.core.logger.info({ path }, 'disabled audit backend');
  }

  list(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const d of this.devices.values()) {
      const e = d.entry;
      out[e.path] = { type: e.type, description: e.description, options: e.options, local: e.local, path: e.path };
    }
    return out;
  }

  hash(rawPath: string, input: string): string {
    const d = this.devices.get(normalize(rawPath));
    if (!d) throw badRequest(`unknown audit backend ${normalize(rawPath)}`);
    return d.salt.hmac(input);
  }

  async reload(): Promise<void> {
    for (const d of this.devices.values()) {
      await d.sink?.reload().catch((e: Error) => this.core.logger.error({ path: d.entry.path, err: e.message }, 'audit device failed to reopen'));
    }
  }

  async close(): Promise<void> {
    for (const d of this.devices.values()) await d.sink?.close().catch(() => undefined);
  }

  async logRequest(req: Request, token: TokenEntry | undefined, error?: Error): Promise<void> {
    if (this.devices.size === 0) return;
    await this.record('request', await this.input(req, token, undefined, error));
  }

  async logResponse(req: Request, token: TokenEntry | undefined, resp: Response | null, error?: Error): Promise<void> {
    if (this.devices.size === 0) return;
    await this.record('response', await this.input(req, token, resp, error));
  }

  private async input(req: Request, token: TokenEntry | undefined, resp: Response | null | undefined, error?: Error): Promise<AuditInput> {
    const config = this.core.mounts.router.get(req.mountPoint)?.entry.config;
    const identityPolicies = token ? await this.core.services.authorizer?.identityPolicies?.(token).catch(() => undefined) : undefined;
    return {
      req, token, resp, error, identityPolicies: identityPolicies?.filter((p) => !token!.policies.includes(p)),
      nonHmacRequestKeys: config?.audit_non_hmac_request_keys, nonHmacResponseKeys: config?.audit_non_hmac_response_keys,
    };
  }

  /** Vault's rule: with devices enabled, at least one must record the entry. */
  private async record(kind: 'request' | 'response', input: AuditInput): Promise<void> {
    const failures: string[] = [];
    let recorded = 0;
    const now = new Date();
    const metrics = metricsFor(this.core);
    for (const d of this.devices.values()) {
      const started = performance.now();
      try {
        const entry = kind === 'request' ? requestEntry(input, d.cfg, d.salt, now) : responseEntry(input, d.cfg, d.salt, now);
        await d.write(d.render(entry));
        metrics.sample(`vault.audit.${d.entry.path.replace(/\/$/, '')}.log_${kind}`, performance.now() - started);
        d.lastError = '';
        recorded++;
      } catch (e) {
        metrics.incr(`vault.audit.${d.entry.path.replace(/\/$/, '')}.log_${kind}_failure`);
        d.lastError = (e as Error).message;
        failures.push(`${d.entry.path}: ${d.lastError}`);
        this.core.logger.error({ path: d.entry.path, request_id: input.req.id, err: d.lastError }, `audit device failed to log the ${kind}`);
      }
    }
    if (recorded === 0) {
      metrics.incr(`vault.audit.log_${kind}_failure`);
      throw new CofferError(500, `no audit device could record the ${kind}: ${failures.join('; ')}`);
    }
  }
}

function normalize(p: string): string {
  let s = p.trim().replace(/^\/+/, '');
  if (s && !s.endsWith('/')) s += '/';
  return s;
}
