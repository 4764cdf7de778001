/**
 * Go's predefined template functions: and, or, not, len, index, slice, print, printf, println,
 * html, js, urlquery, call and the comparisons, with Go's error texts.
 */
import { sprint, sprintf, sprintln } from './format.js';
import { goFunc, type GoFunc } from './types.js';
import { GoChan, GoFloat, GoStruct, JsonNumber, isMap, isTrue, kindOf, stringOf, typeName } from './values.js';
import { formatV } from './format.js';

type BasicKind = 'bool' | 'int' | 'float' | 'string' | 'invalid';

function basicKind(v: unknown): BasicKind {
  const k = kindOf(v);
  return k === 'bool' || k === 'int' || k === 'float' || k === 'string' ? k : 'invalid';
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';

function num(v: unknown): number {
  return v instanceof GoFloat ? v.value : Number(v);
}

function comparable(v: unknown): boolean {
  return !(Array.isArray(v) || isMap(v) || typeof v === 'function' || v instanceof Uint8Array);
}

function eq(arg1: unknown, ...arg2: unknown[]): boolean {
  const a = arg1 ?? undefined;
  if (arg2.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(a);
  for (const raw of arg2) {
    const b = raw ?? undefined;
    const k2 = basicKind(b);
    let truth = false;
    if (k1 !== k2) {
      if (a !== undefined && b !== undefined) throw new Error(errBadComparison);
    } else {
      switch (k1) {
        case 'bool':
          truth = a === b;
          break;
        case 'int':
        case 'float':
          truth = num(a) === num(b);
          break;
        case 'string':
          truth = stringOf(a) === stringOf(b);
          break;
        default:
          if (a === undefined || b === undefined) truth = a === b;
          else {
            // Go 1.19's wording (value first, then type).
            if (!comparable(b)) throw new Error(`non-comparable type ${formatV(b)}: ${typeName(b)}`);
            truth = a === b;
          }
      }
    }
    if (truth) return true;
  }
  return false;
}

function lt(a0: unknown, b0: unknown): boolean {
  const a = a0 ?? undefined;
  const b = b0 ?? undefined;
  const k1 = basicKind(a);
  if (k1 === 'invalid') throw new Error(errBadComparisonType);
  const k2 = basicKind(b);
  if (k2 === 'invalid') throw new Error(errBadComparisonType);
  if (k1 !== k2) throw new Error(errBadComparison);
  switch (k1) {
    case 'bool':
      throw new Error(errBadComparisonType);
    case 'string':
      return Buffer.compare(Buffer.from(stringOf(a)!), Buffer.from(stringOf(b)!)) < 0;
    default:
      return num(a) < num(b);
  }
}

function indexArg(index: unknown, cap: number): number {
  const k = kindOf(index);
  if (k === 'invalid' || k === 'nil') throw new Error('cannot index slice/array with nil');
  if (k !== 'int') throw new Error(`cannot index slice/array with type ${typeName(index)}`);
  const x = Number(index);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('index of untyped nil');
  let cur: unknown = item;
  for (const idx of indexes) {
    if (cur === null || cur === undefined) throw new Error('index of nil pointer');
    if (typeof cur === 'string' || cur instanceof JsonNumber) {
      const bytes = Buffer.from(stringOf(cur)!, 'utf8');
      const x = indexArg(idx, bytes.length);
      if (x === bytes.length) throw new Error('reflect: string index out of range');
      cur = bytes[x]!;
    } else if (Array.isArray(cur) || cur instanceof Uint8Array) {
      const x = indexArg(idx, cur.length);
      if (x === cur.length) throw new Error('reflect: slice index out of range');
      const v = cur[x];
      cur = v === undefined ? null : v;
    } else if (isMap(cur)) {
      if (idx === undefined || idx === null) throw new Error('value is nil; should be of type string');
      if (typeof idx !== 'string') throw new Error(`value has type ${typeName(idx)}; should be string`);
      const v = Object.prototype.hasOwnProperty.call(cur, idx) ? cur[idx] : null;
      cur = v === undefined ? null : v;
    } else {
      throw new Error(`can't index item of type ${typeName(cur)}`);
    }
  }
  return cur;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let len: number;
  const str = stringOf(item);
  let bytes: Buffer | undefined;
  if (str !== undefined) {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    bytes = Buffer.from(str, 'utf8');
    len = bytes.length;
  } else if (Array.isArray(item)) {
    len = item.length;
  } else {
    throw new Error(`can't slice item of type ${typeName(item)}`);
  }
  const idx = [0, len, len];
  indexes.forEach((x, i) => (idx[i] = indexArg(x, len)));
  if (idx[0]! > idx[1]!) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (bytes) return bytes.subarray(idx[0], idx[1]).toString('utf8');
  return (item as unknown[]).slice(idx[0], idx[1]);
}

function length(item: unknown): number {
  if (item === undefined) throw new Error('reflect: call of reflect.Value.Type on zero Value');
  if (item === null || item === undefined) throw new Error('len of nil pointer');
  const s = stringOf(item);
  if (s !== undefined) return Buffer.byteLength(s, 'utf8');
  if (Array.isArray(item) || item instanceof Uint8Array) return item.length;
  if (item instanceof GoChan) return 0;
  if (isMap(item)) return Object.keys(item).length;
  throw new Error(`len of type ${typeName(item)}`);
}

/** Go's evalArgs for html/js/urlquery: one string as is, otherwise fmt.Sprint of the values. */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === null || a === undefined ? '<no value>' : a)));
}

export function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) {
      switch (ch) {
        case '\\': out += '\\\\'; break;
        case "'": out += "\\'"; break;
        case '"': out += '\\"'; break;
        case '<': out += '\\u003C'; break;
        case '>': out += '\\u003E'; break;
        case '&': out += '\\u0026'; break;
        case '=': out += '\\u003D'; break;
        default:
          out += cp < 0x20 ? '\\u' + cp.toString(16).toUpperCase().padStart(4, '0') : ch;
      }
    } else if (/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) {
      out += ch;
    } else {
      out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
    }
  }
  return out;
}

/** url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

async function call(fn: unknown, ...args: unknown[]): Promise<unknown> {
  if (fn === undefined || fn === null) throw new Error('call of nil');
  if (typeof fn !== 'function') throw new Error(`non-function of type ${typeName(fn)}`);
  return await fn(...args);
}

export const BUILTINS: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  // and/or are evaluated lazily by exec; these bodies only fix their arity.
  ['and', goFunc(['value'], (...a: unknown[]) => a[a.length - 1], 'value')],
  ['or', goFunc(['value'], (...a: unknown[]) => a[a.length - 1], 'value')],
  ['not', goFunc(['value'], (a: unknown) => !isTrue(a))],
  ['len', goFunc(['value'], length)],
  ['index', goFunc(['value'], index, 'value')],
  ['slice', goFunc(['value'], slice, 'value')],
  ['print', goFunc([], (...a: unknown[]) => sprint(a), 'any')],
  ['printf', goFunc(['string'], (f: string, ...a: unknown[]) => sprintf(f, a), 'any')],
  ['println', goFunc([], (...a: unknown[]) => sprintln(a), 'any')],
  ['html', goFunc([], (...a: unknown[]) => htmlEscape(evalArgs(a)), 'any')],
  ['js', goFunc([], (...a: unknown[]) => jsEscape(evalArgs(a)), 'any')],
  ['urlquery', goFunc([], (...a: unknown[]) => queryEscape(evalArgs(a)), 'any')],
  ['call', goFunc(['value'], call, 'value')],
  ['eq', goFunc(['value'], eq, 'value')],
  ['ne', goFunc(['value', 'value'], (a: unknown, b: unknown) => !eq(a, b))],
  ['lt', goFunc(['value', 'value'], lt)],
  ['le', goFunc(['value', 'value'], (a: unknown, b: unknown) => lt(a, b) || eq(a, b))],
  ['gt', goFunc(['value', 'value'], (a: unknown, b: unknown) => !(lt(a, b) || eq(a, b)))],
  ['ge', goFunc(['value', 'value'], (a: unknown, b: unknown) => !lt(a, b))],
]);

export { GoStruct };
