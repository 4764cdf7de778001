/**
 * Printing API answers in the user's chosen format (table, json, yaml), the way vault's
 * formatters do: secrets as Key/Value tables with lease and token rows, lists as a "Keys"
 * column, single fields raw for piping.
 */
import type { Secret } from '../api/client.js';
import {
  HOPE_DELIM, Struct, goJSON, goQuotedList, goValue, goYAML, humanDuration, humanDurationValue,
  looksLikeDuration, mapTable, tableOutput,
} from './format.js';
import type { Ui } from './io.js';

export const FORMATS = ['table', 'json', 'yaml', 'yml', 'pretty', 'raw'];

function wrapText(s: string, width: number, pad: number): string {
  const words = s.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width - pad) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  lines.push(line);
  return lines.map((l) => ' '.repeat(pad) + l).join('\n');
}

export function wrapAtLength(s: string): string {
  return s.split('\n').map((p) => wrapText(p, 78, 0)).join('\n');
}

/** The envelope as vault's JSON output orders it (a Go struct). */
export function secretStruct(s: Secret): Struct {
  const auth = s.auth ? Struct.of({
    client_token: s.auth.client_token ?? '',
    accessor: s.auth.accessor ?? '',
    policies: s.auth.policies ?? null,
    token_policies: s.auth.token_policies ?? null,
    identity_policies: s.auth.identity_policies ?? null,
    metadata: s.auth.metadata ?? null,
    orphan: s.auth.orphan ?? false,
    entity_id: s.auth.entity_id ?? '',
    lease_duration: s.auth.lease_duration ?? 0,
    renewable: s.auth.renewable ?? false,
    mfa_requirement: (s.auth as Record<string, unknown>).mfa_requirement ?? null,
  }) : undefined;
  const wrap = s.wrap_info ? Struct.of({
    token: s.wrap_info.token ?? '',
    accessor: s.wrap_info.accessor ?? '',
    ttl: s.wrap_info.ttl ?? 0,
    creation_time: s.wrap_info.creation_time ?? '',
    creation_path: s.wrap_info.creation_path ?? '',
    wrapped_accessor: s.wrap_info.wrapped_accessor ?? '',
  }) : undefined;
  return Struct.of({
    request_id: s.request_id ?? '',
    lease_id: s.lease_id ?? '',
    lease_duration: s.lease_duration ?? 0,
    renewable: s.renewable ?? false,
    data: s.data ?? null,
    warnings: s.warnings ?? null,
    auth,
    wrap_info: wrap,
    mount_type: s.mount_type || undefined,
  });
}

export function printWarnings(ui: Ui, s: Secret | null | undefined): void {
  if (!s || !Array.isArray(s.warnings) || s.warnings.length === 0) return;
  ui.warn('WARNING! The following warnings were returned from Vault:\n');
  for (const w of s.warnings) {
    ui.warn(wrapText(`* ${w}`, 78, 2));
    ui.warn('');
  }
}

function secretTable(ui: Ui, s: Secret): void {
  printWarnings(ui, s);
  const d = HOPE_DELIM;
  const rows: string[] = [];
  if (s.lease_duration > 0) {
    if (s.lease_id) {
      rows.push(`lease_id ${d} ${s.lease_id}`, `lease_duration ${d} ${humanDuration(s.lease_duration)}`, `lease_renewable ${d} ${s.renewable}`);
    } else {
      // KV answers carry a TTL without a lease; vault calls it a refresh interval.
      rows.push(`refresh_interval ${d} ${humanDuration(s.lease_duration)}`);
    }
  }
  if (s.auth) {
    const a = s.auth;
    rows.push(`token ${d} ${a.client_token ?? ''}`, `token_accessor ${d} ${a.accessor ?? ''}`);
    rows.push(`token_duration ${d} ${a.lease_duration ? humanDuration(a.lease_duration) : '∞'}`);
    rows.push(`token_renewable ${d} ${a.renewable ?? false}`);
    rows.push(`token_policies ${d} ${goQuotedList(a.token_policies)}`);
    rows.push(`identity_policies ${d} ${goQuotedList(a.identity_policies)}`);
    rows.push(`policies ${d} ${goQuotedList(a.policies)}`);
    for (const [k, v] of Object.entries(a.metadata ?? {})) rows.push(`token_meta_${k} ${d} ${goValue(v)}`);
  }
  if (s.wrap_info) {
    const w = s.wrap_info;
    rows.push(`wrapping_token: ${d} ${w.token}`, `wrapping_accessor: ${d} ${w.accessor}`);
    rows.push(`wrapping_token_ttl: ${d} ${humanDuration(w.ttl ?? 0)}`);
    rows.push(`wrapping_token_creation_time: ${d} ${w.creation_time}`, `wrapping_token_creation_path: ${d} ${w.creation_path}`);
    if (w.wrapped_accessor) rows.push(`wrapped_accessor: ${d} ${w.wrapped_accessor}`);
  }
  const data = s.data ?? {};
  for (const k of Object.keys(data).sort()) {
    const v = looksLikeDuration(k) ? humanDurationValue(data[k]) : data[k];
    rows.push(`${k} ${d} ${goValue(v)}`);
  }
  if (rows.length === 0) return;
  ui.output(tableOutput([`Key${d}Value`, ...rows], d));
}

/** Prints a whole answer. Returns the exit code (1 when the format cannot show it). */
export function outputSecret(ui: Ui, s: Secret): number {
  switch (ui.format) {
    case 'table':
      secretTable(ui, s);
      return 0;
    case 'json':
      ui.output(goJSON(secretStruct(s)));
      return 0;
    case 'yaml': case 'yml':
      ui.output(goYAML(secretStruct(s)));
      return 0;
    default:
      return badFormat(ui);
  }
}

function badFormat(ui: Ui): number {
  if (ui.format === 'raw') ui.error('Could not parse output: This command does not support the -format=raw option; only `read` does.');
  else if (ui.format === 'pretty') ui.error('Could not parse output: cannot use the pretty formatter for this type');
  else ui.error(`Invalid output format: ${ui.format}`);
  return 1;
}

/** Prints a bare value (a map, a list, a struct) in the chosen format. */
export function outputData(ui: Ui, data: unknown): number {
  switch (ui.format) {
    case 'table':
      if (Array.isArray(data)) {
        const t = data.map((x) => goValue(x)).join('\n');
        if (t) ui.output(t);
        return 0;
      }
      if (data instanceof Struct) data = Object.fromEntries(data.fields);
      if (data && typeof data === 'object') {
        const t = mapTable(data as Record<string, unknown>);
        if (t) ui.output(t);
        return 0;
      }
      ui.error('Could not parse output: cannot use the table formatter for this type');
      return 1;
    case 'json':
      ui.output(goJSON(data));
      return 0;
    case 'yaml': case 'yml':
      ui.output(goYAML(data));
      return 0;
    default:
      return badFormat(ui);
  }
}

/** A LIST answer: a sorted "Keys" column in a table, the bare key array in json/yaml. */
export function outputList(ui: Ui, s: Secret): number {
  const keys = Array.isArray(s.data?.keys) ? (s.data!.keys as unknown[]) : [];
  if (ui.format !== 'table') {
    if (ui.detailed && (ui.format === 'json' || ui.format === 'yaml' || ui.format === 'yml')) return outputData(ui, secretStruct(s));
    return outputData(ui, keys);
  }
  printWarnings(ui, s);
  if (keys.length === 0) return 0;
  const sorted = keys.map(String).sort();
  const info = ui.detailed && s.data?.key_info && typeof s.data.key_info === 'object' ? (s.data.key_info as Record<string, Record<string, unknown>>) : undefined;
  if (!info || Object.keys(info).length === 0) {
    ui.output(tableOutput(['Keys', ...sorted], HOPE_DELIM));
    return 0;
  }
  const headers = [...new Set(sorted.flatMap((k) => Object.keys(info[k] ?? {})))].sort();
  const rows = sorted.map((k) => [k, ...headers.map((h) => {
    const v = info[k]?.[h];
    if (v === undefined) return 'n/a';
    return goValue(looksLikeDuration(h) ? humanDurationValue(v) : v);
  })].join(HOPE_DELIM));
  ui.output(tableOutput([['Keys', ...headers].join(HOPE_DELIM), ...rows], HOPE_DELIM));
  return 0;
}

/** vault's RawSecretField: where `-field=name` looks in an answer. */
export function secretField(s: Secret, field: string): unknown {
  if (s.auth) {
    const a = s.auth;
    const m: Record<string, unknown> = {
      token: a.client_token, token_accessor: a.accessor, token_duration: a.lease_duration, token_renewable: a.renewable,
      token_policies: a.token_policies, identity_policies: a.identity_policies, policies: a.policies,
    };
    return field in m ? m[field] : s.data?.[field];
  }
  if (s.wrap_info) {
    const w = s.wrap_info;
    const m: Record<string, unknown> = {
      wrapping_token: w.token, wrapping_accessor: w.accessor, wrapping_token_ttl: w.ttl,
      wrapping_token_creation_time: w.creation_time, wrapping_token_creation_path: w.creation_path, wrapped_accessor: w.wrapped_accessor,
    };
    return field in m ? m[field] : s.data?.[field];
  }
  switch (field) {
    case 'lease_duration': case 'refresh_interval': return s.lease_duration;
    case 'lease_id': return s.lease_id;
    case 'request_id': return s.request_id;
    case 'renewable': return s.renewable;
    case 'data': return s.data && 'data' in s.data ? s.data.data : s.data;
    default: return s.data?.[field];
  }
}

/**
 * `-field=name`: the value alone, with no newline when piped. Missing field → exit 1.
 * `source` is a Secret (kind 'secret') or a plain map (kind 'map').
 */
export function printField(ui: Ui, source: { secret: Secret } | { map: Record<string, unknown>; kind?: string }, field: string): number {
  let value: unknown;
  let kind: string;
  if ('secret' in source) {
    value = secretField(source.secret, field);
    kind = 'secret';
  } else {
    value = source.map[field];
    kind = source.kind ?? 'map';
  }
  if (value === undefined || value === null) {
    ui.error(`Field "${field}" not present in ${kind}`);
    return 1;
  }
  if ('secret' in source && ui.format === 'table') printWarnings(ui, source.secret);
  switch (ui.format) {
    case 'table': case 'raw': case '':
      ui.raw(goValue(value));
      return 0;
    case 'json':
      ui.raw(goJSON(value));
      return 0;
    case 'yaml': case 'yml':
      ui.raw(goYAML(value));
      return 0;
    default:
      ui.error(`Invalid output format: ${ui.format}`);
      return 1;
  }
}
