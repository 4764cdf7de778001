/**
 * Vault's unauthenticated lifecycle endpoints (sys/init, seal-status, unseal, health,
 * leader). They answer while sealed, so they sit outside the mount table and the barrier.
 */
import type { Core } from '../../core/core.js';
import { VERSION } from '../../core/core.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest, CofferError, unsupportedOperation } from '../../lib/errors.js';

const json = (status: number, body: unknown): Response => ({
  raw: { status, contentType: 'application/json', body: JSON.stringify(body) },
});

/** A standby (HA, lock held elsewhere) has its keys: unsealed, as Vault reports it. */
const isSealed = (core: Core): boolean => core.sealed && !core.standby;

export async function sealStatus(core: Core): Promise<Record<string, unknown>> {
  const cfg = await core.seal.config();
  const sealed = isSealed(core);
  return {
    type: 'shamir',
    initialized: cfg !== undefined,
    sealed,
    t: cfg?.secret_threshold ?? 0,
    n: cfg?.secret_shares ?? 0,
    progress: sealed ? core.seal.progress : 0,
    nonce: sealed && core.seal.progress > 0 ? core.seal.nonce : '',
    version: VERSION,
    build_date: '2026-11-22T00:00:00Z',
    migration: false,
    ...(cfg && !sealed ? { cluster_name: core.clusterName, cluster_id: core.clusterId } : {}),
    recovery_seal: false,
    storage_type: core.storageType,
  };
}

/** Unseal keys arrive as hex (vault's default output) or base64. */
export function decodeKey(key: string): Uint8Array {
  const s = key.trim();
  if (/^[0-9a-fA-F]+$/.test(s) && s.length % 2 === 0) return Buffer.from(s, 'hex');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(s) && s.length % 4 === 0) return Buffer.from(s, 'base64');
  throw badRequest("'key' must be a valid hex or base64 string");
}

async function init(core: Core, req: Request): Promise<Response> {
  if (req.operation === 'read') return json(200, { initialized: await core.initialized() });
  if (req.operation !== 'update') throw unsupportedOperation();
  const shares = Number(req.data.secret_shares ?? 0);
  const threshold = Number(req.data.secret_threshold ?? 0);
  if (!Number.isInteger(shares) || !Number.isInteger(threshold)) throw badRequest('secret_shares and secret_threshold must be integers');
  if (req.data.pgp_keys || req.data.root_token_pgp_key) throw badRequest('PGP-encrypted unseal keys are not supported by Coffer');
  let result;
  try {
    result = await core.initialize(shares, threshold);
  } catch (e) {
    if (e instanceof CofferError) throw e;
    throw badRequest((e as Error).message);
  }
  const keys = result.keys.map((k) => Buffer.from(k));
  return json(200, {
    keys: keys.map((k) => k.toString('hex')),
    keys_base64: keys.map((k) => k.toString('base64')),
    root_token: result.rootToken,
  });
}

async function unseal(core: Core, req: Request): Promise<Response> {
  if (req.operation !== 'update') throw unsupportedOperation();
  if (!(await core.initialized())) throw badRequest('Vault is not initialized');
  const reset = req.data.reset === true || req.data.reset === 'true';
  if (reset) {
    core.seal.resetProgress();
    return json(200, await sealStatus(core));
  }
  if (typeof req.data.key !== 'string' || !req.data.key) {
    throw badRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
  }
  const key = decodeKey(req.data.key);
  try {
    await core.submitUnsealKey(key);
  } catch (e) {
    if (e instanceof CofferError) throw e;
    throw badRequest((e as Error).message);
  }
  return json(200, await sealStatus(core));
}

const flag = (q: Record<string, string>, name: string): boolean => name in q && q[name] !== 'false';

function codeFrom(q: Record<string, string>, name: string, dflt: number): number {
  const v = q[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw badRequest(`bad code for ${name}`);
  return n;
}

async function health(core: Core, req: Request): Promise<Response> {
  if (req.operation !== 'read') throw unsupportedOperation();
  const q = req.query;
  const initialized = await core.initialized();
  const sealed = isSealed(core);
  const standby = !sealed && core.standby;
  let status: number;
  if (!initialized) status = codeFrom(q, 'uninitcode', 501);
  else if (sealed) status = codeFrom(q, 'sealedcode', 503);
  else if (standby) status = flag(q, 'standbyok') ? codeFrom(q, 'activecode', 200) : codeFrom(q, 'standbycode', 429);
  else status = codeFrom(q, 'activecode', 200);
  // The codes are validated even when this node's state does not use them.
  if (flag(q, 'standbyok') || flag(q, 'perfstandbyok')) codeFrom(q, 'standbycode', 429);
  const body = {
    initialized, sealed, standby, performance_standby: false,
    replication_performance_mode: 'disabled', replication_dr_mode: 'disabled',
    server_time_utc: Math.floor(Date.now() / 1000), version: VERSION,
    ...(initialized && !sealed ? { cluster_name: core.clusterName, cluster_id: core.clusterId } : {}),
    enterprise: false, echo_duration_ms: 0, clock_skew_ms: 0,
  };
  return json(status, body);
}

async function leader(core: Core): Promise<Response> {
  if (isSealed(core)) throw new CofferError(503, 'Vault is sealed');
  if (core.haEnabled) {
    const isSelf = !core.sealed && !core.standby;
    return json(200, {
      ha_enabled: true, is_self: isSelf,
      active_time: isSelf && core.activeTime ? core.activeTime.toISOString() : '0001-01-01T00:00:00Z',
      leader_address: (await core.leaderAddress()) ?? '',
      leader_cluster_address: '', performance_standby: false, performance_standby_last_remote_wal: 0,
    });
  }
  return json(200, {
    ha_enabled: false, is_self: false, active_time: '0001-01-01T00:00:00Z', leader_address: '',
    leader_cluster_address: '', performance_standby: false, performance_standby_last_remote_wal: 0,
  });
}

export async function handleLifecycle(core: Core, req: Request): Promise<Response> {
  switch (req.fullPath) {
    case 'sys/init': return init(core, req);
    case 'sys/seal-status':
      if (req.operation !== 'read') throw unsupportedOperation();
      return json(200, await sealStatus(core));
    case 'sys/unseal': return unseal(core, req);
    case 'sys/health': return health(core, req);
    case 'sys/leader': return leader(core);
    default: throw new CofferError(404, 'unsupported path');
  }
}
