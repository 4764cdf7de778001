/**
 * The Go value model the template engine works on. JavaScript values stand for Go values:
 *
 *   undefined        an invalid reflect.Value ("no value": Go's missingkey=invalid, dot of nil data)
 *   null             a nil interface{} (a JSON null, a missing key under missingkey=zero)
 *   string, boolean  string, bool
 *   number           int when integral, float64 otherwise
 *   GoFloat          a float64 that happens to be integral (float literals, parseFloat, parseJSON)
 *   JsonNumber       json.Number: Vault's numbers, kept as received (a *string* kind in Go)
 *   Array            []interface{} ([]string when made with stringSlice())
 *   plain object     map[string]interface{}
 *   GoStruct         a struct (consul-template's *Secret, …): fields are fixed, a missing one is an error
 *   GoChan           a receive-only channel of ints (consul-template's loop)
 *   function         a func value (only callable through `call`)
 *
 * Keeping these apart is what makes printing, comparison and truthiness come out as Go's do.
 */

export class JsonNumber {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toJSON(): number {
    return Number(this.text);
  }
}

export class GoFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
}

export class GoChan {
  constructor(readonly items: number[]) {}
}

/** A struct value. `fields` fixes the order Go prints them in; `methods` are callable as `.Name args`. */
export abstract class GoStruct {
  abstract readonly goType: string;
  abstract readonly goFields: readonly string[];
  /** Printed as `&{…}` when the Go value is a pointer to the struct. */
  readonly goPointer: boolean = true;
  goMethod(_name: string): ((...args: unknown[]) => unknown) | undefined {
    return undefined;
  }
}

const stringSlices = new WeakSet<object>();

/** Marks an array as Go's []string (for functions whose parameter is []string). */
export function stringSlice<T extends string[]>(a: T): T {
  stringSlices.add(a);
  return a;
}

export function isStringSlice(v: unknown): v is string[] {
  return Array.isArray(v) && stringSlices.has(v);
}

export type Kind = 'invalid' | 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'struct' | 'func' | 'chan';

export function isMap(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function kindOf(v: unknown): Kind {
  if (v === undefined) return 'invalid';
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'function':
      return 'func';
  }
  if (v instanceof JsonNumber) return 'string';
  if (v instanceof GoFloat) return 'float';
  if (Array.isArray(v)) return 'slice';
  if (v instanceof GoStruct) return 'struct';
  if (v instanceof GoChan) return 'chan';
  if (v instanceof Uint8Array) return 'slice';
  return 'map';
}

/** The Go type name, as fmt's %T and the engine's error messages show it. */
export function typeName(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (v instanceof JsonNumber) return 'json.Number';
  if (v instanceof GoStruct) return (v.goPointer ? '*' : '') + v.goType;
  if (v instanceof GoChan) return '<-chan int64';
  if (v instanceof Uint8Array) return '[]uint8';
  if (isStringSlice(v)) return '[]string';
  switch (kindOf(v)) {
    case 'string':
      return 'string';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'slice':
      return '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
    case 'func':
      return 'func(...interface {}) (interface {}, error)';
  }
  return 'interface {}';
}

/** The number a numeric value holds (int, float64 or json.Number text). */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof GoFloat) return v.value;
  if (v instanceof JsonNumber) return Number(v.text);
  if (typeof v === 'bigint') return Number(v);
  return NaN;
}

/** Go's template truth: false, 0, nil and empty collections are false; structs are always true. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'function') return true;
  if (v instanceof JsonNumber) return v.text.length > 0;
  if (v instanceof GoFloat) return v.value !== 0;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length > 0;
  if (v instanceof GoStruct || v instanceof GoChan) return true;
  return Object.keys(v as object).length > 0;
}

/** Sorted keys of a map, as Go's fmt and range order them. */
export function sortedKeys(m: Record<string, unknown>): string[] {
  return Object.keys(m).sort(compareStrings);
}

/** Byte-wise string order (Go compares strings as bytes, JS as UTF-16 units). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // For BMP-only strings UTF-16 order equals UTF-8 byte order; surrogates need the slow path.
  if (!/[\ud800-\udfff]/.test(a + b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The string of a string-kind value (string or json.Number). */
export function stringOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof JsonNumber) return v.text;
  return undefined;
}
