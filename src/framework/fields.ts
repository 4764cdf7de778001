/**
 * Field declarations: each field is declared once with its type, and parsing, the 400
 * naming the field, help and OpenAPI all derive from that declaration.
 */
import { parseDuration } from '../lib/duration.js';
import { badRequest } from '../lib/errors.js';

export type FieldType =
  | 'string' | 'int' | 'bool' | 'duration'
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
  /** Never shown in help examples; a hint for audit and OpenAPI (`x-vault-sensitive`). */
  sensitive?: boolean;
  deprecated?: boolean;
}

export type FieldTable = Record<string, FieldSchema>;

function parseBool(name: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['true', '1', 't', 'yes', 'y'].includes(s)) return true;
    if (['false', '0', 'f', 'no', 'n', ''].includes(s)) return false;
  }
  throw badRequest(`error converting input ${JSON.stringify(v)} for field "${name}": cannot parse '' as bool`);
}

function parseInt10(name: string, v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return parseInt(v, 10);
  throw badRequest(`error converting input ${JSON.stringify(v)} for field "${name}": expected an integer`);
}

function parseStrings(name: string, v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) {
    return v.map((x) => {
      if (typeof x === 'string') return x.trim();
      if (typeof x === 'number' || typeof x === 'boolean') return String(x);
      throw badRequest(`error converting input for field "${name}": expected a list of strings`);
    }).filter((x) => x !== '');
  }
  if (typeof v === 'string') return v.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (typeof v === 'number') return [String(v)];
  throw badRequest(`error converting input ${JSON.stringify(v)} for field "${name}": expected a string or list of strings`);
}

function parseMap(name: string, v: unknown): Record<string, unknown> {
  if (v === null || v === undefined || v === '') return {};
  if (typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  if (typeof v === 'string') {
    try {
      const parsed = JSON.parse(v);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
    } catch { /* fall through to the error naming the field */ }
  }
  throw badRequest(`error converting input ${JSON.stringify(v)} for field "${name}": expected a map`);
}

/** Vault's TypeKVPairs: a map, or a list of "k=v" strings. */
function parseKVPairs(name: string, v: unknown): Record<string, string> {
  if (Array.isArray(v) || (typeof v === 'string' && !v.trim().startsWith('{'))) {
    const out: Record<string, string> = {};
    for (const item of parseStrings(name, v)) {
      const eq = item.indexOf('=');
      if (eq < 1) throw badRequest(`invalid key value pair "${item}" for field "${name}"`);
      out[item.slice(0, eq)] = item.slice(eq + 1);
    }
    return out;
  }
  const m = parseMap(name, v);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(m)) out[k] = typeof val === 'string' ? val : JSON.stringify(val);
  return out;
}

export function parseField(name: string, schema: FieldSchema, v: unknown): unknown {
  switch (schema.type) {
    case 'string': {
      if (typeof v === 'string') {
        if (schema.allowed && !schema.allowed.includes(v)) {
          throw badRequest(`invalid value "${v}" for field "${name}"; allowed values: ${schema.allowed.join(', ')}`);
        }
        return v;
      }
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      if (v === null) return '';
      throw badRequest(`error converting input ${JSON.stringify(v)} for field "${name}": expected a string`);
    }
    case 'int': return parseInt10(name, v);
    case 'bool': return parseBool(name, v);
    case 'duration':
      try {
        if (v === null || v === '') return 0;
        return parseDuration(v);
      } catch {
        throw badRequest(`error converting input ${JSON.stringify(v)} for field "${name}": invalid duration`);
      }
    case 'strings': return parseStrings(name, v);
    case 'string_list': return parseStrings(name, v);
    case 'int_list':
      return (Array.isArray(v) ? v : String(v).split(',')).map((x) => parseInt10(name, typeof x === 'string' ? x.trim() : x));
    case 'map': return parseMap(name, v);
    case 'kvpairs': return parseKVPairs(name, v);
    case 'any': return v;
  }
}

export function zeroValue(schema: FieldSchema): unknown {
  if (schema.default !== undefined) {
    const d = schema.default;
    return Array.isArray(d) ? [...d] : d && typeof d === 'object' ? { ...d } : d;
  }
  switch (schema.type) {
    case 'string': return '';
    case 'int': case 'duration': return 0;
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
