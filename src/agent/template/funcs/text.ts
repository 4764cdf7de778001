/**
 * consul-template's helper functions for strings, encodings, collections and parsing.
 * Parameter types follow consul-template's Go signatures, so `toUpper 3` fails as it does there,
 * and the piped value is always the last argument.
 */
import { createHash, createHmac } from 'node:crypto';
import YAML from 'yaml';
import { goFunc, type GoFunc } from '../types.js';
import { GoChan, GoFloat, JsonNumber, isMap, kindOf, sortedKeys, stringSlice, typeName } from '../values.js';
import { marshalGoJSON, parseGoJSON } from '../json.js';
import { formatV } from '../format.js';
import { compileGoRegexp, goReplaceAll } from './regexp.js';
import { parseGoInt } from '../parser.js';

const STD_B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_B64 = /^[A-Za-z0-9\-_]*={0,2}$/;

function b64decode(s: string, url: boolean, name: string): string {
  const ok = (url ? URL_B64 : STD_B64).test(s) && s.length % 4 === 0;
  if (!ok) {
    const bad = [...s].findIndex((c, i) => !(url ? /[A-Za-z0-9\-_=]/ : /[A-Za-z0-9+/=]/).test(c) || (c === '=' && i < s.length - 2));
    throw new Error(`${name}: illegal base64 data at input byte ${bad >= 0 ? bad : s.length - (s.length % 4)}`);
  }
  return Buffer.from(s, url ? 'base64url' : 'base64').toString('utf8');
}

/** consul-template's `in`: list membership by kind, or substring for strings of the same type. */
export function inList(l: unknown, v: unknown): boolean {
  if (Array.isArray(l)) {
    const vk = kindOf(v);
    for (const item of l) {
      const k = kindOf(item);
      if (k === 'int' && vk === 'int' && Number(item) === Number(v)) return true;
      if (k === 'float' && vk === 'float' && Number(item) === Number(v)) return true;
      if (k === 'string' && vk === 'string' && typeName(item) === typeName(v) && String(item) === String(v)) return true;
    }
    return false;
  }
  if (kindOf(l) === 'string' && typeName(l) === typeName(v)) return String(l).includes(String(v));
  return false;
}

function containsSome(retTrue: boolean, invert: boolean) {
  return (v: unknown[], l: unknown) => {
    for (const x of v) if (inList(l, x) !== invert) return !retTrue;
    return retTrue;
  };
}

function goParseBool(s: string): boolean {
  if (s === '') return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new Error(`parseBool: strconv.ParseBool: parsing "${s}": invalid syntax`);
}

function goParseInt(s: string, fn: string, unsigned: boolean): number {
  if (s === '') return 0;
  const ok = unsigned ? /^\+?\d+$/.test(s) : /^[+-]?\d+$/.test(s);
  const n = ok ? parseGoInt(s.replace(/^\+/, '').replace(/^(-?)0+(?=\d)/, '$1')) : undefined;
  if (n === undefined) throw new Error(`${fn}: strconv.${unsigned ? 'ParseUint' : 'ParseInt'}: parsing "${s}": ${ok ? 'value out of range' : 'invalid syntax'}`);
  return n;
}

function goParseFloat(s: string): GoFloat {
  if (s === '') return new GoFloat(0);
  const t = s.replace(/_/g, '');
  if (/^[+-]?(inf|infinity)$/i.test(t)) return new GoFloat(t.startsWith('-') ? -Infinity : Infinity);
  if (/^nan$/i.test(t)) return new GoFloat(NaN);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) throw new Error(`parseFloat: strconv.ParseFloat: parsing "${s}": invalid syntax`);
  return new GoFloat(Number(t));
}

/** Go values → plain values for the YAML encoder (numbers as numbers, as yaml.v2 does for json.Number). */
function toYAMLValue(v: unknown): unknown {
  if (v instanceof JsonNumber) {
    const n = Number(v.text);
    return Number.isFinite(n) ? n : v.text;
  }
  if (v instanceof GoFloat) return v.value;
  if (Array.isArray(v)) return v.map(toYAMLValue);
  if (isMap(v)) return Object.fromEntries(sortedKeys(v).map((k) => [k, toYAMLValue(v[k])]));
  if (v === undefined) return null;
  return v;
}

function yamlToGo(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? v : new GoFloat(v);
  if (Array.isArray(v)) return v.map(yamlToGo);
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), yamlToGo(x)]));
  if (isMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, yamlToGo(x)]));
  return v === undefined ? null : v;
}

type Num = { kind: 'int' | 'float'; n: number };

function mathArg(fn: string, v: unknown): Num {
  const k = kindOf(v);
  if (k === 'int') return { kind: 'int', n: Number(v) };
  if (k === 'float') return { kind: 'float', n: v instanceof GoFloat ? v.value : Number(v) };
  throw new Error(`${fn}: unknown type for ${JSON.stringify(formatV(v))} (${typeName(v)})`);
}

/** consul-template's math: `{{ 5 | subtract 2 }}` is 5 - 2 (the piped value is the left operand). */
function math(fn: string, op: (a: number, b: number) => number, intOnly = false) {
  return goFunc(['any', 'any'], (b: unknown, a: unknown) => {
    const x = mathArg(fn, a);
    const y = mathArg(fn, b);
    if (intOnly && (x.kind === 'float' || y.kind === 'float')) throw new Error(`${fn}: unknown type for ${JSON.stringify(formatV(x.kind === 'float' ? a : b))} (float64)`);
    if (x.kind === 'int' && y.kind === 'int') {
      if ((fn === 'divide' || fn === 'modulo') && y.n === 0) throw new Error('runtime error: integer divide by zero');
      const r = op(x.n, y.n);
      return fn === 'divide' ? Math.trunc(r) : r;
    }
    return new GoFloat(op(x.n, y.n));
  });
}

function minMax(fn: string, pickA: (a: number, b: number) => boolean) {
  return goFunc(['any', 'any'], (b: unknown, a: unknown) => {
    const x = mathArg(fn, a);
    const y = mathArg(fn, b);
    const r = pickA(x.n, y.n) ? x : y;
    return r.kind === 'int' ? r.n : new GoFloat(r.n);
  });
}

function mergeMaps(dst: Record<string, unknown>, src: Record<string, unknown>, override: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { ...dst };
  for (const [k, v] of Object.entries(src)) {
    const cur = out[k];
    if (isMap(cur) && isMap(v)) out[k] = mergeMaps(cur, v, override);
    else if (!(k in out) || override || cur === null || cur === '' || cur === undefined) out[k] = v;
  }
  return out;
}

function explodeInto(m: Record<string, unknown>, k: string, v: unknown, p: string): void {
  const slash = k.indexOf('/');
  if (slash >= 0) {
    const top = k.slice(0, slash);
    const rest = k.slice(slash + 1);
    if (!(top in m)) m[top] = {};
    const nest = m[top];
    if (!isMap(nest)) throw new Error(`explodeMap: not a map: "${p}": "${top}" already has value ${JSON.stringify(formatV(nest))}`);
    explodeInto(nest, rest, v, k);
    return;
  }
  if (k !== '') m[k] = v;
}

/** strings.Title-like casing of golang.org/x/text/cases.Title(und, NoLower): first letter of each word upper. */
function toTitle(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}'’])(\p{L})/gu, (_m, pre: string, ch: string) => pre + ch.toUpperCase());
}

function indent(spaces: number, s: string): string {
  if (spaces < 0) throw new Error('indent value must be a positive integer');
  const prefix = ' '.repeat(spaces);
  return s.replace(/(^|\n)(?!\n|$)/g, `$1${prefix}`);
}

function loop(...args: unknown[]): GoChan {
  const to = (v: unknown): number => {
    const k = kindOf(v);
    if (k === 'int') return Number(v);
    if (typeof v === 'string') return goParseInt(v, 'parseInt', false);
    throw new Error(`loop: bad argument type: ${typeName(v)}`);
  };
  if (args.length !== 1 && args.length !== 2) throw new Error(`loop: wrong number of arguments, expected 1 or 2, but got ${args.length}`);
  const [start, stop] = args.length === 1 ? [0, to(args[0])] : [to(args[0]), to(args[1])];
  const items: number[] = [];
  for (let i = start; i < stop; i++) items.push(i);
  return new GoChan(items);
}

/** Go maps case rune by rune: a letter whose case form is several runes (ß → SS) stays as it is. */
function mapRunes(s: string, f: (c: string) => string): string {
  let out = '';
  for (const c of s) {
    const m = f(c);
    out += Array.from(m).length === 1 ? m : c;
  }
  return out;
}

export function textFuncs(): Record<string, GoFunc> {
  return {
    base64Decode: goFunc(['string'], (s: string) => b64decode(s, false, 'base64Decode')),
    base64Encode: goFunc(['string'], (s: string) => Buffer.from(s, 'utf8').toString('base64')),
    base64URLDecode: goFunc(['string'], (s: string) => b64decode(s, true, 'base64URLDecode')),
    base64URLEncode: goFunc(['string'], (s: string) => Buffer.from(s, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_')),
    contains: goFunc(['any', 'any'], (v: unknown, l: unknown) => inList(l, v)),
    containsAll: goFunc(['[]interface {}', 'any'], containsSome(true, true)),
    containsAny: goFunc(['[]interface {}', 'any'], containsSome(false, false)),
    containsNone: goFunc(['[]interface {}', 'any'], containsSome(true, false)),
    containsNotAll: goFunc(['[]interface {}', 'any'], containsSome(false, true)),
    in: goFunc(['any', 'any'], inList),
    explodeMap: goFunc(['map[string]interface {}'], (m: Record<string, unknown>) => {
      const out: Record<string, unknown> = {};
      for (const k of sortedKeys(m)) explodeInto(out, k, m[k], k);
      return out;
    }),
    mergeMap: goFunc(['map[string]interface {}', 'map[string]interface {}'], (d: Record<string, unknown>, s: Record<string, unknown>) => mergeMaps(d, s, false)),
    mergeMapWithOverride: goFunc(['map[string]interface {}', 'map[string]interface {}'], (d: Record<string, unknown>, s: Record<string, unknown>) => mergeMaps(d, s, true)),
    indent: goFunc(['int', 'string'], indent),
    loop: goFunc([], loop, 'any'),
    join: goFunc(['string', '[]string'], (sep: string, a: string[]) => a.join(sep)),
    split: goFunc(['string', 'string'], (sep: string, s: string) => {
      const t = s.trim();
      if (t === '') return stringSlice([]);
      return stringSlice(sep === '' ? Array.from(t) : t.split(sep));
    }),
    splitToMap: goFunc(['string', 'string', 'string'], (sep1: string, sep2: string, s: string) => {
      const t = s.trim();
      const m: Record<string, string> = {};
      if (t === '') return m;
      for (const part of t.split(sep1)) {
        const i = part.indexOf(sep2);
        if (i >= 0) m[part.slice(0, i)] = part.slice(i + sep2.length);
      }
      return m;
    }),
    trim: goFunc(['string', 'string'], (cutset: string, s: string) => {
      const set = new Set(Array.from(cutset));
      const chars = Array.from(s);
      let a = 0;
      let b = chars.length;
      while (a < b && set.has(chars[a]!)) a++;
      while (b > a && set.has(chars[b - 1]!)) b--;
      return chars.slice(a, b).join('');
    }),
    trimPrefix: goFunc(['string', 'string'], (p: string, s: string) => (p && s.startsWith(p) ? s.slice(p.length) : s)),
    trimSuffix: goFunc(['string', 'string'], (x: string, s: string) => (x && s.endsWith(x) ? s.slice(0, -x.length) : s)),
    trimSpace: goFunc(['string'], (s: string) => s.replace(/^[\s\u0085]+|[\s\u0085]+$/g, '')),
    parseBool: goFunc(['string'], goParseBool),
    parseFloat: goFunc(['string'], goParseFloat),
    parseInt: goFunc(['string'], (s: string) => goParseInt(s, 'parseInt', false)),
    parseUint: goFunc(['string'], (s: string) => goParseInt(s, 'parseUint', true)),
    parseJSON: goFunc(['string'], (s: string) => (s === '' ? {} : parseGoJSON(s, 'float64'))),
    parseYAML: goFunc(['string'], (s: string) => {
      if (s === '') return {};
      try {
        return yamlToGo(YAML.parse(s, { mapAsMap: false, merge: true, schema: 'yaml-1.1' }));
      } catch (e) {
        throw new Error(`yaml: ${(e as Error).message.split('\n')[0]}`);
      }
    }),
    replaceAll: goFunc(['string', 'string', 'string'], (f: string, t: string, s: string) => (f === '' ? s.split('').join(t).replace(/^/, t) + t : s.split(f).join(t))),
    regexReplaceAll: goFunc(['string', 'string', 'string'], (re: string, pl: string, s: string) => goReplaceAll(compileGoRegexp(re), s, pl)),
    regexMatch: goFunc(['string', 'string'], (re: string, s: string) => compileGoRegexp(re).test(s)),
    toLower: goFunc(['string'], (s: string) => mapRunes(s, (c) => c.toLowerCase())),
    toUpper: goFunc(['string'], (s: string) => mapRunes(s, (c) => c.toUpperCase())),
    toTitle: goFunc(['string'], toTitle),
    toJSON: goFunc(['any'], (v: unknown) => marshalGoJSON(v)),
    toJSONPretty: goFunc(['any'], (v: unknown) => marshalGoJSON(v, { indent: '  ' })),
    toUnescapedJSON: goFunc(['any'], (v: unknown) => marshalGoJSON(v, { escapeHTML: false })),
    toUnescapedJSONPretty: goFunc(['any'], (v: unknown) => marshalGoJSON(v, { indent: '  ', escapeHTML: false })),
    toYAML: goFunc(['any'], (v: unknown) =>
      YAML.stringify(toYAMLValue(v), { indentSeq: false, lineWidth: 0, singleQuote: false, sortMapEntries: true, schema: 'yaml-1.1' }).trim()),
    sha256Hex: goFunc(['string'], (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')),
    md5sum: goFunc(['string'], (s: string) => createHash('md5').update(s, 'utf8').digest('hex')),
    hmacSHA256Hex: goFunc(['string', 'string'], (msg: string, key: string) => createHmac('sha256', key).update(msg, 'utf8').digest('hex')),
    add: math('add', (a, b) => a + b),
    subtract: math('subtract', (a, b) => a - b),
    multiply: math('multiply', (a, b) => a * b),
    divide: math('divide', (a, b) => a / b),
    modulo: math('modulo', (a, b) => a % b, true),
    minimum: minMax('minimum', (a, b) => a < b),
    maximum: minMax('maximum', (a, b) => a > b),
  };
}
