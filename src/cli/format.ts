/**
 * The text shapes of vault's CLI output, which scripts and eyes both depend on: Go's `%v`
 * rendering of values, Go's indented JSON (map keys sorted, HTML characters escaped), YAML,
 * and columnized tables with a dashed underline under the header row.
 */
import YAML from 'yaml';

/**
 * An object whose keys keep their order in JSON (a Go struct); plain objects are Go maps and
 * print with sorted keys.
 */
export class Struct {
  constructor(readonly fields: [string, unknown][]) {}
  static of(obj: Record<string, unknown>, omitUndefined = true): Struct {
    return new Struct(Object.entries(obj).filter(([, v]) => !omitUndefined || v !== undefined));
  }
}

/** Go's `%v` for a decoded JSON value (nil, numbers, [a b], map[k:v]). */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (v instanceof Struct) return `{${v.fields.map(([, x]) => goValue(x)).join(' ')}}`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goValue(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** Go's `%q` of a string list: ["a" "b"]. */
export function goQuotedList(v: unknown): string {
  if (!Array.isArray(v)) return '[]';
  return `[${v.map((s) => JSON.stringify(String(s))).join(' ')}]`;
}

/** time.Duration's String() without the zero units vault trims: 768h, 1h30m, 90s → 1m30s. */
export function humanDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const neg = seconds < 0;
  let s = Math.abs(seconds);
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  let out = '';
  if (h) out += `${h}h${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
  else if (m) out += `${m}m${s ? `${s}s` : ''}`;
  else out += `${s}s`;
  return (neg ? '-' : '') + out;
}

/** Integer seconds shown as a duration; anything else unchanged (as vault's humanDurationInt). */
export function humanDurationValue(v: unknown): unknown {
  if (typeof v === 'number' && Number.isInteger(v)) return humanDuration(v);
  return v;
}

/** Keys whose integer values vault prints as durations. */
export function looksLikeDuration(k: string): boolean {
  return k === 'period' || k.endsWith('_period') || k === 'ttl' || k.endsWith('_ttl') ||
    k === 'duration' || k.endsWith('_duration') || k === 'lease_max' || k === 'ttl_max';
}

const width = (s: string) => [...s].length;

/**
 * Aligns delimited rows into columns (as the columnize library vault uses): cells trimmed,
 * empty cells shown as "n/a", columns joined by four spaces, the last column unpadded.
 */
export function columnOutput(rows: string[], delim = '|', glue = '    ', empty = 'n/a'): string {
  if (rows.length === 0) return '';
  const cells = rows.map((r) => r.split(delim).map((c) => {
    const t = c.trim();
    return t === '' ? empty : t;
  }));
  const widths: number[] = [];
  for (const row of cells) row.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, width(c)); });
  const lines = cells.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c)) + glue)).join(''));
  return lines.join('\n').trim();
}

/** A table whose first row is the header, underlined with dashes. */
export function tableOutput(rows: string[], delim = '|'): string {
  if (rows.length === 0) return '';
  const underline = rows[0]!.split(delim).map((h) => '-'.repeat(width(h.trim()))).join(delim);
  return columnOutput([rows[0]!, underline, ...rows.slice(1)], delim);
}

/** The delimiter vault uses for key/value tables, chosen because secrets never contain it. */
export const HOPE_DELIM = '♨';

/** A Key/Value table of a map, keys sorted, durations humanized. Empty for an empty map. */
export function mapTable(data: Record<string, unknown>): string {
  const keys = Object.keys(data).sort();
  if (keys.length === 0) return '';
  const rows = keys.map((k) => `${k} ${HOPE_DELIM} ${goValue(looksLikeDuration(k) ? humanDurationValue(data[k]) : data[k])}`);
  return tableOutput([`Key${HOPE_DELIM}Value`, ...rows], HOPE_DELIM);
}

function jsonString(s: string): string {
  // Go's encoder escapes these so JSON can be embedded in HTML; match it byte for byte.
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** json.MarshalIndent(v, "", "  ") of a decoded value: maps sorted, Structs in field order. */
export function goJSON(v: unknown, indent = '  ', level = 0): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return jsonString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return String(v);
  const pad = indent.repeat(level + 1);
  const end = indent.repeat(level);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => pad + goJSON(x, indent, level + 1)).join(',\n')}\n${end}]`;
  }
  const entries: [string, unknown][] = v instanceof Struct
    ? v.fields
    : Object.keys(v as object).sort().map((k) => [k, (v as Record<string, unknown>)[k]]);
  const present = entries.filter(([, x]) => x !== undefined);
  if (present.length === 0) return '{}';
  return `{\n${present.map(([k, x]) => `${pad}${jsonString(k)}: ${goJSON(x, indent, level + 1)}`).join(',\n')}\n${end}}`;
}

function plain(v: unknown): unknown {
  if (v instanceof Struct) return Object.fromEntries(v.fields.filter(([, x]) => x !== undefined).map(([k, x]) => [k, plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/**
 * YAML as vault prints it: via JSON (so every map's keys are sorted), with YAML 1.1's rules
 * (go-yaml v2) so "yes", "on" and timestamps stay quoted strings; no final newline.
 */
export function goYAML(v: unknown): string {
  return YAML.stringify(plain(v) ?? null, { sortMapEntries: true, indentSeq: false, lineWidth: 0, schema: 'yaml-1.1' }).trim();
}
