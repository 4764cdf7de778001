/**
 * Tidy: removing expired certificates, revocation entries and issuers from storage. Runs in
 * the background (the request gets 202), one run at a time; `tidy-status` reports on it,
 * `tidy-cancel` stops it between entries, `config/auto-tidy` schedules it.
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { Response } from '../../framework/types.js';
import { formatDuration } from '../../lib/duration.js';
import { badRequest } from '../../lib/errors.js';
import type { PkiEnv } from './env.js';
import { rebuildChains } from './issuers.js';
import { rfc3339Nano } from './ttl.js';
import { publicKeyFromSpki, verifySignature } from './x509/keys.js';
import { parseCertificate } from './x509/parse.js';
import { decodePem } from './x509/pem.js';

const BOOLS = ['tidy_cert_store', 'tidy_revoked_certs', 'tidy_revoked_cert_issuer_associations', 'tidy_expired_issuers', 'tidy_move_legacy_ca_bundle', 'tidy_revocation_queue', 'tidy_cross_cluster_revoked_certs', 'tidy_acme'] as const;
const DURATIONS: Record<string, number> = { safety_buffer: 72 * 3600, issuer_safety_buffer: 365 * 24 * 3600, pause_duration: 0, revocation_queue_safety_buffer: 48 * 3600, acme_account_safety_buffer: 30 * 24 * 3600 };

export const TIDY_FIELDS: FieldTable = {
  ...Object.fromEntries(BOOLS.map((b) => [b, { type: 'bool' as const, default: false, description: `Set to true to enable ${b.replace(/_/g, ' ')}.` }])),
  ...Object.fromEntries(Object.entries(DURATIONS).map(([k, v]) => [k, { type: 'duration' as const, default: v, description: `${k.replace(/_/g, ' ')} (duration).` }])),
};

type Params = Record<string, boolean | number>;

interface Status {
  state: 'Inactive' | 'Running' | 'Finished' | 'Error' | 'Cancelling' | 'Cancelled';
  params?: Params;
  error: string | null;
  time_started: string | null;
  time_finished: string | null;
  message: string | null;
  cert_store_deleted_count: number;
  revoked_cert_deleted_count: number;
  missing_issuer_cert_count: number;
}

export class Tidy {
  status: Status = { state: 'Inactive', error: null, time_started: null, time_finished: null, message: null, cert_store_deleted_count: 0, revoked_cert_deleted_count: 0, missing_issuer_cert_count: 0 };
  lastAutoTidyFinished = 0;
  private cancel = false;
  running?: Promise<void>;

  constructor(private readonly env: PkiEnv) {}

  start(p: Params, auto = false): boolean {
    if (this.status.state === 'Running' || this.status.state === 'Cancelling') return false;
    this.cancel = false;
    this.status = { state: 'Running', params: p, error: null, time_started: rfc3339Nano(this.env.now()), time_finished: null, message: 'Tidying certificate store', cert_store_deleted_count: 0, revoked_cert_deleted_count: 0, missing_issuer_cert_count: 0 };
    this.running = this.run(p).then(() => {
      this.status.state = this.cancel ? 'Cancelled' : 'Finished';
      this.status.message = this.cancel ? 'Tidy operation cancelled' : null;
    }, (e: Error) => {
      this.status.state = 'Error';
      this.status.error = e.message;
      this.env.ctx.logger.error({ err: e.message }, 'pki: tidy failed');
    }).finally(() => {
      this.status.time_finished = rfc3339Nano(this.env.now());
      if (auto) this.lastAutoTidyFinished = this.env.now();
      this.running = undefined;
    });
    return true;
  }

  requestCancel(): boolean {
    if (this.status.state !== 'Running') return false;
    this.cancel = true;
    this.status.state = 'Cancelling';
    return true;
  }

  private async pause(p: Params): Promise<void> {
    if (this.cancel) throw Object.assign(new Error('cancelled'), { cancelled: true });
    const ms = Number(p.pause_duration) * 1000;
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }

  private async run(p: Params): Promise<void> {
    const { store } = this.env;
    const now = this.env.now();
    const buffer = Number(p.safety_buffer) * 1000;
    let crlDirty = false;
    try {
      if (p.tidy_cert_store) {
        for (const key of await store.listCerts()) {
          await this.pause(p);
          const der = await store.getCert(key);
          if (!der) continue;
          let notAfter: number;
          try { notAfter = parseCertificate(der).notAfter; } catch { await store.deleteCert(key); this.status.cert_store_deleted_count++; continue; }
          if (now > notAfter + buffer) {
            await store.deleteCert(key);
            this.status.cert_store_deleted_count++;
          }
        }
      }
      if (p.tidy_revoked_certs || p.tidy_revoked_cert_issuer_associations) {
        this.status.message = 'Tidying revoked certificates';
        const issuers = await store.listIssuers();
        for (const key of await store.listRevoked()) {
          await this.pause(p);
          const r = await store.getRevoked(key);
          if (!r) continue;
          const cert = parseCertificate(Buffer.from(r.certificate, 'base64'));
          if (p.tidy_revoked_cert_issuer_associations && !issuers.some((i) => i.id === r.issuer_id)) {
            const parent = issuers.find((i) => {
              const c = parseCertificate(decodePem(i.certificate)[0]!.der);
              return cert.issuer.der.equals(c.subject.der) && verifySignature(cert.sigAlg, cert.tbs, cert.signature, publicKeyFromSpki(c.spki));
            });
            if (parent) await store.putRevoked(key, { ...r, issuer_id: parent.id });
            else this.status.missing_issuer_cert_count++;
          }
          if (p.tidy_revoked_certs && now > cert.notAfter + buffer) {
            await store.deleteRevoked(key);
            await store.deleteCert(key);
            this.status.revoked_cert_deleted_count++;
            crlDirty = true;
          }
        }
      }
      if (p.tidy_expired_issuers) {
        this.status.message = 'Tidying expired issuers';
        const def = (await store.issuersConfig()).default;
        const ibuf = Number(p.issuer_safety_buffer) * 1000;
        for (const i of await store.listIssuers()) {
          const c = parseCertificate(decodePem(i.certificate)[0]!.der);
          if (i.id !== def && now > c.notAfter + ibuf) {
            await store.deleteIssuer(i.id);
            crlDirty = true;
          }
        }
        if (crlDirty) await rebuildChains(store);
      }
    } catch (e) {
      if (!(e as { cancelled?: boolean }).cancelled) throw e;
    }
    if (crlDirty) await this.env.crl.rebuild();
  }

  statusData(): Record<string, unknown> {
    const s = this.status;
    const params = s.params ?? {};
    const data: Record<string, unknown> = {};
    for (const b of BOOLS) data[b] = s.params ? Boolean(params[b]) : null;
    for (const k of Object.keys(DURATIONS)) data[k] = s.params ? (k === 'pause_duration' ? formatDuration(Number(params[k])) : Number(params[k])) : null;
    return {
      ...data, state: s.state, error: s.error, time_started: s.time_started, time_finished: s.time_finished, message: s.message,
      cert_store_deleted_count: s.cert_store_deleted_count, revoked_cert_deleted_count: s.revoked_cert_deleted_count,
      missing_issuer_cert_count: s.missing_issuer_cert_count, revocation_queue_deleted_count: 0, cross_revoked_cert_deleted_count: 0,
      last_auto_tidy_finished: this.lastAutoTidyFinished ? rfc3339Nano(this.lastAutoTidyFinished) : null,
    };
  }
}

const AUTO_TIDY_FIELDS: FieldTable = {
  ...TIDY_FIELDS,
  enabled: { type: 'bool', default: false, description: 'Set to true to enable automatic tidy operations.' },
  interval_duration: { type: 'duration', default: 12 * 3600, description: 'Interval at which to run an auto-tidy operation.' },
  maintain_stored_certificate_counts: { type: 'bool', default: false, description: 'Keep track of stored certificate counts.' },
  publish_stored_certificate_count_metrics: { type: 'bool', default: false, description: 'Publish stored certificate counts as metrics.' },
};

const SAFETY_BUFFERS = ['safety_buffer', 'issuer_safety_buffer', 'revocation_queue_safety_buffer', 'acme_account_safety_buffer'];
const NO_OPERATION = 'Enable at least one tidy operation to be run (tidy_cert_store / tidy_revoked_certs / tidy_revoked_cert_issuer_associations / tidy_expired_issuers / tidy_move_legacy_ca_bundle / tidy_revocation_queue / tidy_cross_cluster_revoked_certs / tidy_acme).';

/**
 * Vault's checks on an auto-tidy config, in its order. A zero safety buffer is refused: an
 * unattended run would delete certificates the moment they expire.
 */
function checkAutoTidy(d: FieldData, p: Params): void {
  for (const k of SAFETY_BUFFERS) {
    if (d.has(k) && Number(p[k]) < 1) throw badRequest(`given ${k} must be at least one second; got: ${p[k]}`);
  }
  if (p.enabled && !BOOLS.some((b) => p[b])) throw badRequest(`Auto-tidy enabled but no tidy operations were requested. ${NO_OPERATION}`);
  if (p.publish_stored_certificate_count_metrics && !p.maintain_stored_certificate_counts) {
    throw badRequest('Can not publish a running storage metrics count to metrics without first maintaining that count.  Enable `maintain_stored_certificate_counts` to enable `publish_stored_certificate_count_metrics`.');
  }
}

/** The config as Vault shows it: durations in seconds, except pause_duration as Go prints it. */
function autoTidyData(p: Params): Record<string, unknown> {
  const out: Record<string, unknown> = { ...autoTidyDefaults(), ...p };
  out.pause_duration = formatDuration(Number(out.pause_duration));
  return out;
}

export const autoTidyDefaults = (): Params => Object.fromEntries(Object.entries(AUTO_TIDY_FIELDS).map(([k, f]) => [k, f.default as boolean | number]));

function paramsFrom(d: FieldData, base: Params = {}): Params {
  const p: Params = { ...base };
  for (const b of BOOLS) p[b] = d.has(b) ? d.bool(b) : (base[b] ?? false);
  for (const [k, v] of Object.entries(DURATIONS)) p[k] = d.has(k) ? d.int(k) : (base[k] ?? v);
  return p;
}

export function tidyPaths(env: PkiEnv, tidy: Tidy): PathDef[] {
  return [
    {
      pattern: 'tidy',
      fields: TIDY_FIELDS,
      operations: {
        update: async (_r, d): Promise<Response> => {
          const p = paramsFrom(d);
          if (Number(p.safety_buffer) < 1) throw badRequest('safety_buffer must be greater than zero');
          if (Number(p.issuer_safety_buffer) < 1) throw badRequest('issuer_safety_buffer must be greater than zero');
          if (Number(p.acme_account_safety_buffer) < 1) throw badRequest('acme_account_safety_buffer must be greater than zero');
          if (Number(p.pause_duration) < 0) throw badRequest('received invalid, negative pause_duration');
          if (!BOOLS.some((b) => p[b])) {
            return { warnings: [`Manual tidy requested but no tidy operations were set. ${NO_OPERATION}`], status: 202 };
          }
          if (!tidy.start(p)) return { warnings: ['Tidy operation already in progress.'], status: 202 };
          return { warnings: ["Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."], status: 202 };
        },
      },
      synopsis: 'Tidy up the backend by removing expired certificates, revocation information, or both.',
    },
    { pattern: 'tidy-status', operations: { read: async () => ({ data: tidy.statusData() }) }, synopsis: 'Returns the status of the tidy operation.' },
    {
      pattern: 'tidy-cancel',
      operations: {
        update: async () => {
          if (!tidy.requestCancel()) throw badRequest('Tidy operation cannot be cancelled as none is currently running.');
          return { data: tidy.statusData() };
        },
      },
      synopsis: 'Cancels a currently running tidy operation.',
    },
    {
      pattern: 'config/auto-tidy',
      fields: AUTO_TIDY_FIELDS,
      operations: {
        read: async () => ({ data: autoTidyData(await env.store.storage.getJSON<Params>('config/auto-tidy') ?? autoTidyDefaults()) }),
        update: async (_r, d) => {
          const cur = (await env.store.storage.getJSON<Params>('config/auto-tidy')) ?? autoTidyDefaults();
          const p: Params = { ...cur, ...paramsFrom(d, cur) };
          for (const k of ['enabled', 'maintain_stored_certificate_counts', 'publish_stored_certificate_count_metrics']) if (d.has(k)) p[k] = d.bool(k);
          if (d.has('interval_duration')) p.interval_duration = d.int('interval_duration');
          checkAutoTidy(d, p);
          await env.store.storage.putJSON('config/auto-tidy', p);
          return { data: autoTidyData(p) };
        },
      },
      synopsis: 'Modifies the current configuration for automatic tidy execution.',
    },
  ];
}

/** Starts an auto-tidy run when enabled and its interval has passed since the last one. */
export async function maybeAutoTidy(env: PkiEnv, tidy: Tidy, startedAt: number): Promise<void> {
  const cfg = await env.store.storage.getJSON<Params>('config/auto-tidy');
  if (!cfg?.enabled) return;
  const last = tidy.lastAutoTidyFinished || startedAt;
  if (env.now() - last >= Number(cfg.interval_duration) * 1000) tidy.start(cfg, true);
}

