/**
 * Field declarations: each field is declared once with its type, and parsing, the 400
 * naming the field, help and OpenAPI all derive from that declaration.
 */
import { parseDuration } from '../lib/duration.js';
import { badRequest } from '../lib/errors.js';
import { parseClientJSON } from './json.js';

export type FieldType =
  | 'string' | 'int' | 'bool'
  /** Seconds, from an integer or a Go duration string ("1h30m"); negative values are refused (Vault's TypeDurationSecond). */
  | 'duration'
  /** As 'duration', but negative values mean something (Vault's TypeSignedDurationSecond, e.g. "-1 disables"). */
  | 'signed_duration'
  /** Comma-separated string or JSON array → string[] (Vault's TypeCommaStringSlice). */
  | 'strings'
  /** JSON array only, no comma splitting (Vault's TypeStringSlice accepts both; kept for clarity). */
  | 'string_list'
  | 'map' | 'kvpairs' | 'any' | 'int_list';

export interface FieldSchema {
  type: FieldType;
  description?: string;
  default?: unknown;
  required?: boolean;
  /** Allowed values for a string field. */
  allowed?: readonly string[];
  /** Never echoed in errors, never shown in help examples; `x-vault-sensitive` in OpenAPI. */
  sensitive?: boolean;
  deprecated?: boolean;
}

export type FieldTable = Record<string, FieldSchema>;

/** Why a value does not fit its type; parseField turns it into the 400 naming the field. */
class Unconvertible extends Error {}

/**
 * What the client sent, for error messages: never for a sensitive field (a mistyped password
 * is still a password); for an object or array only its kind (structured input is where a
 * secret sent to the wrong field would hide); a scalar clipped so a megabyte is not echoed.
 */
type Show = (v: unknown) => string;
const showValue: Show = (v) => {
  if (Array.isArray(v)) return ', got an array';
  if (v !== null && typeof v === 'object') return ', got an object';
  const text = JSON.stringify(v) ?? String(v);
  return `, got ${text.length > 128 ? `${text.slice(0, 128)}…` : text}`;
};
const hideValue: Show = () => '';

// JSON null is Go's nil: Vault decodes it to the type's zero value (mapstructure.WeakDecode).
function parseBool(v: unknown, show: Show): boolean {
  if (typeof v === 'boolean') return v;
  if (v === null) return false;
  if (typeof v === 'number' && Number.isFinite(v)) return v !== 0;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['true', '1', 't', 'yes', 'y'].includes(s)) return true;
    if (['false', '0', 'f', 'no', 'n', ''].includes(s)) return false;
  }
  throw new Unconvertible(`expected a boolean${show(v)}`);
}

/** Integers stay within what a JS number holds exactly; anything larger would be silently rounded. */
function parseInt10(v: unknown, show: Show): number {
  if (v === null) return 0;
  let n: number | undefined;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^[-+]?\d+$/.test(v.trim())) n = Number(v.trim());
  if (n === undefined || !Number.isInteger(n)) throw new Unconvertible(`expected an integer${show(v)}`);
  if (!Number.isSafeInteger(n)) throw new Unconvertible(`value out of range${show(v)}`);
  return n;
}

function parseDurationField(v: unknown, signed: boolean, show: Show): number {
  if (v === null || v === '') return 0;
  let seconds: number;
  try {
    seconds = parseDuration(v);
  } catch {
    throw new Unconvertible(`invalid duration${show(v)}`);
  }
  if (!signed && seconds < 0) throw new Unconvertible(show === hideValue ? 'cannot provide negative value' : `cannot provide negative value '${seconds}'`);
  return seconds;
}

function parseStrings(v: unknown, show: Show): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) {
    return v.map((x) => {
      if (typeof x === 'string') return x.trim();
      if (typeof x === 'number' || typeof x === 'boolean') return String(x);
      throw new Unconvertible(`expected a list of strings${show(v)}`);
    }).filter((x) => x !== '');
  }
  if (typeof v === 'string') return v.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (typeof v === 'number') return [String(v)];
  throw new Unconvertible(`expected a string or list of strings${show(v)}`);
}

function parseMap(v: unknown, show: Show): Record<string, unknown> {
  if (v === null || v === undefined || v === '') return {};
  if (typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  if (typeof v === 'string') {
    try {
      const parsed = parseClientJSON(v) as Record<string, unknown> | null;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
    } catch { /* fall through to the error naming the field */ }
  }
  throw new Unconvertible(`expected a map${show(v)}`);
}

/** Vault's TypeKVPairs: a map, or a list of "k=v" strings. */
function parseKVPairs(v: unknown, show: Show): Record<string, string> {
  if (Array.isArray(v) || (typeof v === 'string' && !v.trim().startsWith('{'))) {
    const out: Record<string, string> = {};
    for (const item of parseStrings(v, show)) {
      const eq = item.indexOf('=');
      if (eq < 1) throw new Unconvertible(`expected "key=value" pairs${show(v)}`);
      out[item.slice(0, eq)] = item.slice(eq + 1);
    }
    return out;
  }
  const m = parseMap(v, show);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(m)) out[k] = typeof val === 'string' ? val : JSON.stringify(val);
  return out;
}

function convert(schema: FieldSchema, v: unknown, show: Show): unknown {
  switch (schema.type) {
    case 'string':
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      if (v === null) return '';
      throw new Unconvertible(`expected a string${show(v)}`);
    case 'int': return parseInt10(v, show);
    case 'bool': return parseBool(v, show);
    case 'duration': return parseDurationField(v, false, show);
    case 'signed_duration': return parseDurationField(v, true, show);
    case 'strings': return parseStrings(v, show);
    case 'string_list': return parseStrings(v, show);
    case 'int_list':
      if (v === null) return [];
      if (Array.isArray(v)) return v.map((x) => parseInt10(typeof x === 'string' ? x.trim() : x, show));
      if (typeof v === 'string' || typeof v === 'number') return String(v).split(',').map((x) => parseInt10(x.trim(), show));
      throw new Unconvertible(`expected a list of integers${show(v)}`);
    case 'map': return parseMap(v, show);
    case 'kvpairs': return parseKVPairs(v, show);
    case 'any': return v;
  }
}

/** Parses one field's raw value; a value that does not fit is a 400 in Vault's wording, naming the field. */
export function parseField(name: string, schema: FieldSchema, v: unknown): unknown {
  const show = schema.sensitive ? hideValue : showValue;
  let value: unknown;
  try {
    value = convert(schema, v, show);
  } catch (e) {
    if (!(e instanceof Unconvertible)) throw e;
    throw badRequest(`error converting input for field "${name}": ${e.message}`);
  }
  if (schema.allowed && typeof value === 'string' && !schema.allowed.includes(value)) {
    throw badRequest(`invalid value for field "${name}"${show(v)}; allowed values: ${schema.allowed.join(', ')}`);
  }
  return value;
}

export function zeroValue(schema: FieldSchema): unknown {
  if (schema.default !== undefined) {
    const d = schema.default;
    return Array.isArray(d) ? [...d] : d && typeof d === 'object' ? { ...d } : d;
  }
  switch (schema.type) {
    case 'string': return '';
    case 'int': case 'duration': case 'signed_duration': return 0;
    case 'bool': return false;
    case 'strings': case 'string_list': case 'int_list': return [];
    case 'map': case 'kvpairs': return {};
    case 'any': return undefined;
  }
}

/**
 * The parsed view of a request's data for one path. `get` returns the parsed value or the
 * declared default; `has` tells whether the client sent the field (for partial updates).
 */
export class FieldData {
  private readonly parsed = new Map<string, unknown>();
  constructor(
    readonly raw: Record<string, unknown>,
    readonly schema: FieldTable,
    /** Values captured from the path pattern (`roles/:name`). */
    readonly captures: Record<string, string>,
  ) {}

  has(name: string): boolean {
    return name in this.captures || (Object.prototype.hasOwnProperty.call(this.raw, name) && this.raw[name] !== undefined);
  }

  get<T = unknown>(name: string): T {
    if (name in this.captures) return this.captures[name] as T;
    if (this.parsed.has(name)) return this.parsed.get(name) as T;
    const schema = this.schema[name];
    if (!schema) return this.raw[name] as T;
    const value = this.has(name) ? parseField(name, schema, this.raw[name]) : zeroValue(schema);
    this.parsed.set(name, value);
    return value as T;
  }

  /** Parsed value if the client sent it, else undefined (for "keep the stored value" updates). */
  getOk<T = unknown>(name: string): T | undefined {
    return this.has(name) ? this.get<T>(name) : undefined;
  }

  str(name: string): string { return this.get<string>(name) ?? ''; }
  int(name: string): number { return this.get<number>(name) ?? 0; }
  bool(name: string): boolean { return this.get<boolean>(name) ?? false; }
  list(name: string): string[] { return this.get<string[]>(name) ?? []; }

  /** Parses every declared field the client sent, so type errors surface before any write. */
  validate(operation?: string): string[] {
    const unknown: string[] = [];
    for (const name of Object.keys(this.raw)) {
      const schema = this.schema[name];
      if (!schema) {
        if (!(name in this.captures)) unknown.push(name);
        continue;
      }
      this.get(name);
    }
    const warnings = unknown.length ? [`Endpoint ignored these unrecognized parameters: [${unknown.join(' ')}]`] : [];
    // Required fields are required of writes; reads and lists of the same path take none.
    if (operation === undefined || operation === 'create' || operation === 'update' || operation === 'patch') {
      for (const [name, schema] of Object.entries(this.schema)) {
        if (schema.required && !this.has(name)) throw badRequest(`missing required field "${name}"`);
      }
    }
    return warnings;
  }
}
