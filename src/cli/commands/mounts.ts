/**
 * What `secrets …` and `auth …` share: the flags and request bodies for enabling and tuning a
 * mount, the mount tables' output, and moving a mount (sys/remount, which may run async).
 */
import { toApiError, type VaultClient } from '../../api/client.js';
import { formatDuration } from '../../lib/duration.js';
import { type Context, attempt, checkArgs, ensureTrailingSlash, sanitizePath } from '../command.js';
import type { FlagSpec } from '../flags.js';
import { goValue, tableOutput } from '../format.js';
import { outputData } from '../output.js';

type Json = Record<string, any>;

export const tuneFlags: FlagSpec[] = [
  { name: 'default-lease-ttl', kind: 'duration', usage: 'Default TTL of leases and tokens from this mount, e.g. "768h". "system" resets it to the server default.' },
  { name: 'max-lease-ttl', kind: 'duration', usage: 'Maximum TTL of leases and tokens from this mount. "system" resets it to the server default.' },
  { name: 'description', kind: 'string', usage: 'A human-friendly description.' },
  { name: 'options', kind: 'map', usage: 'A mount option as key=value (e.g. -options=version=2); repeatable.' },
  { name: 'version', kind: 'int', default: 0, usage: 'Shorthand for -options=version=N (KV version).' },
  { name: 'audit-non-hmac-request-keys', kind: 'strings', usage: 'A request key audit devices leave un-HMAC\'d; repeatable.' },
  { name: 'audit-non-hmac-response-keys', kind: 'strings', usage: 'A response key audit devices leave un-HMAC\'d; repeatable.' },
  { name: 'listing-visibility', kind: 'string', usage: '"unauth" to list the mount in the unauthenticated UI listing, "hidden" otherwise.' },
  { name: 'passthrough-request-headers', kind: 'strings', usage: 'A request header passed through to the backend; repeatable.' },
  { name: 'allowed-response-headers', kind: 'strings', usage: 'A response header the backend may set; repeatable.' },
  { name: 'plugin-version', kind: 'string', usage: 'Plugin version (external plugins are not supported by Coffer).', hidden: true },
];

export const enableFlags: FlagSpec[] = [
  { name: 'path', kind: 'string', usage: 'Where to enable it; defaults to the type name. Can have several segments (cluster-a/pki/etcd).' },
  ...tuneFlags,
  { name: 'force-no-cache', kind: 'bool', usage: 'Do not cache data from this mount.' },
  { name: 'plugin-name', kind: 'string', usage: 'Plugin name, when the type is "plugin".' },
  { name: 'local', kind: 'bool', usage: 'Do not replicate the mount (replication is not used by Coffer).' },
  { name: 'seal-wrap', kind: 'bool', usage: 'Seal-wrap the mount\'s data.' },
  { name: 'external-entropy-access', kind: 'bool', usage: 'Give the mount external entropy.', hidden: true },
];

/** tune semantics: unset → not sent, "system" (negative) → "system", else a duration string. */
function ttlToAPI(seconds: number | undefined): string | undefined {
  if (!seconds) return undefined;
  return seconds < 0 ? 'system' : formatDuration(seconds);
}

function options(ctx: Context): Record<string, string> | undefined {
  const opts: Record<string, string> = { ...(ctx.flags['options'] as Record<string, string>) };
  if (ctx.flags['version'] > 0) opts.version = String(ctx.flags['version']);
  return Object.keys(opts).length ? opts : undefined;
}

function visitedConfig(ctx: Context): Json {
  const cfg: Json = {};
  const pairs: [string, string][] = [
    ['audit-non-hmac-request-keys', 'audit_non_hmac_request_keys'], ['audit-non-hmac-response-keys', 'audit_non_hmac_response_keys'],
    ['listing-visibility', 'listing_visibility'], ['passthrough-request-headers', 'passthrough_request_headers'],
    ['allowed-response-headers', 'allowed_response_headers'], ['plugin-version', 'plugin_version'],
  ];
  for (const [flag, key] of pairs) if (ctx.set.has(flag)) cfg[key] = ctx.flags[flag];
  return cfg;
}

export function enableBody(ctx: Context, type: string): Json {
  const f = ctx.flags;
  const config: Json = { ...visitedConfig(ctx) };
  const d = ttlToAPI(f['default-lease-ttl']);
  const m = ttlToAPI(f['max-lease-ttl']);
  if (d) config.default_lease_ttl = d;
  if (m) config.max_lease_ttl = m;
  if (f['force-no-cache']) config.force_no_cache = true;
  const body: Json = { type, description: f['description'] ?? '', config };
  if (f['local']) body.local = true;
  if (f['seal-wrap']) body.seal_wrap = true;
  if (f['external-entropy-access']) body.external_entropy_access = true;
  const opts = options(ctx);
  if (opts) body.options = opts;
  return body;
}

export function tuneBody(ctx: Context): Json {
  const f = ctx.flags;
  const body: Json = { ...visitedConfig(ctx) };
  const d = ttlToAPI(f['default-lease-ttl']);
  const m = ttlToAPI(f['max-lease-ttl']);
  if (d) body.default_lease_ttl = d;
  if (m) body.max_lease_ttl = m;
  if (ctx.set.has('description')) body.description = f['description'];
  const opts = options(ctx);
  if (opts) body.options = opts;
  return body;
}

export async function requestJSON(client: VaultClient, method: string, path: string, body?: unknown): Promise<Json> {
  const res = await client.request(method, path, { body });
  if (res.status >= 400) throw toApiError(res);
  return (res.body && typeof res.body === 'object' ? res.body : {}) as Json;
}

export interface MountPathRequest {
  /** `sys/mounts` or `sys/auth`. */
  table: 'sys/mounts' | 'sys/auth';
  method: 'POST' | 'DELETE';
  /** Appended to the mount's path, e.g. `/tune`. */
  suffix?: string;
  /** Built after the argument check, so a usage error comes first. */
  body?: () => Json;
  error: (path: string) => string;
  success: (path: string) => string;
}

/** The disable and tune commands of both tables: one PATH argument, one request, one success line. */
export async function runMountPathRequest(ctx: Context, r: MountPathRequest): Promise<number> {
  const bad = checkArgs(ctx, 1, 1);
  if (bad !== undefined) return bad;
  const path = ensureTrailingSlash(sanitizePath(ctx.args[0]!));
  const res = await attempt(ctx, r.error(path), () => requestJSON(ctx.client(), r.method, `${r.table}/${path.replace(/\/$/, '')}${r.suffix ?? ''}`, r.body?.()));
  if (!res.ok) return res.code;
  ctx.ui.output(r.success(path));
  return 0;
}

/** The path → mount map of sys/mounts or sys/auth (inside `data`, or at the top for old servers). */
export function mountMap(body: Json): Record<string, Json> {
  if (body.data && typeof body.data === 'object') return body.data;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(body)) if (k.endsWith('/') && v && typeof v === 'object') out[k] = v as Json;
  return out;
}

function ttlColumn(type: string, ttl: unknown): string {
  if (type === 'system' || type === 'cubbyhole') return '';
  return ttl ? String(ttl) : 'system';
}

export function outputMounts(ctx: Context, mounts: Record<string, Json>, kind: 'secrets' | 'auth'): number {
  if (ctx.ui.format !== 'table') return outputData(ctx.ui, mounts);
  const paths = Object.keys(mounts).sort();
  let rows: string[];
  if (ctx.flags['detailed']) {
    const header = kind === 'secrets'
      ? 'Path | Plugin | Accessor | Default TTL | Max TTL | Force No Cache | Replication | Seal Wrap | External Entropy Access | Options | Description | UUID | Version | Running Version | Running SHA256 | Deprecation Status'
      : 'Path | Plugin | Accessor | Default TTL | Max TTL | Token Type | Replication | Seal Wrap | External Entropy Access | Options | Description | UUID | Version | Running Version | Running SHA256 | Deprecation Status';
    rows = [header, ...paths.map((p) => {
      const m = mounts[p]!;
      const c = m.config ?? {};
      const col6 = kind === 'secrets' ? String(c.force_no_cache ?? false) : String(c.token_type ?? '');
      return [p, m.type, m.accessor, ttlColumn(m.type, c.default_lease_ttl), ttlColumn(m.type, c.max_lease_ttl), col6,
        m.local ? 'local' : 'replicated', String(m.seal_wrap ?? false), String(m.external_entropy_access ?? false),
        goValue(m.options ?? {}), m.description ?? '', m.uuid ?? '', m.plugin_version ?? '', m.running_plugin_version ?? '',
        m.running_sha256 ?? '', m.deprecation_status ?? ''].map((x) => String(x ?? '').replace(/\|/g, '/')).join(' | ');
    })];
  } else if (kind === 'secrets') {
    rows = ['Path | Type | Accessor | Description', ...paths.map((p) => `${p} | ${mounts[p]!.type ?? ''} | ${mounts[p]!.accessor ?? ''} | ${mounts[p]!.description ?? ''}`)];
  } else {
    rows = ['Path | Type | Accessor | Description | Version', ...paths.map((p) => `${p} | ${mounts[p]!.type ?? ''} | ${mounts[p]!.accessor ?? ''} | ${mounts[p]!.description ?? ''} | ${mounts[p]!.plugin_version ?? ''}`)];
  }
  ctx.ui.output(tableOutput(rows));
  return 0;
}

/** sys/remount, then waits for the migration when the server runs it asynchronously. */
export async function moveMount(ctx: Context, source: string, destination: string, what: string): Promise<number> {
  const client = ctx.client();
  const src = ensureTrailingSlash(source);
  const dst = ensureTrailingSlash(destination);
  const started = await attempt(ctx, `Error moving ${what} ${src} to ${dst}`, () => requestJSON(client, 'PUT', 'sys/remount', { from: src, to: dst }));
  if (!started.ok) return started.code;
  const id = started.value.migration_id ?? started.value.data?.migration_id;
  if (!id) {
    ctx.ui.output(`Success! Moved ${what} ${src} to: ${dst}`);
    return 0;
  }
  ctx.ui.output(`Started moving ${what} ${src} to ${dst}, with migration ID ${id}`);
  for (;;) {
    const st = await attempt(ctx, `Error checking migration status of ${what} ${src} to ${dst}`, () => requestJSON(client, 'GET', `sys/remount/status/${id}`));
    if (!st.ok) return st.code;
    const status = (st.value.data ?? st.value).migration_info?.status;
    if (status === 'success') {
      ctx.ui.output(`Success! Finished moving ${what} ${src} to ${dst}, with migration ID ${id}`);
      return 0;
    }
    if (status === 'failure') {
      // vault exits 0 here; a failed move is a server-side failure, so we say 2.
      ctx.ui.error(`Failure! Error encountered moving ${what} ${src} to ${dst}, with migration ID ${id}`);
      return 2;
    }
    ctx.ui.output(`Waiting for terminal status in migration of ${what} ${src} to ${dst}, with migration ID ${id}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
