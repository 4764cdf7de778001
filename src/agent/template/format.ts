/**
 * The part of Go's fmt package templates reach: Sprint, Sprintln and Sprintf with their verbs,
 * flags, widths, precisions and argument indexes, and Go's way of saying an argument did not fit
 * a verb (`%!d(string=x)`, `%!s(MISSING)`, `%!(EXTRA int=1)`), so printf output matches Go's.
 */
import { fmtE, fmtF, fmtG } from './floatfmt.js';
import { GoChan, GoFloat, GoStruct, JsonNumber, isMap, kindOf, sortedKeys, typeName } from './values.js';

interface Spec {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
  /** %+v and %#v change how structs and values are spelled. */
  plusV: boolean;
  sharpV: boolean;
}

const plainSpec = (): Spec => ({ plus: false, minus: false, sharp: false, space: false, zero: false, plusV: false, sharpV: false });

/** fmt.Sprint: operands printed with %v, a space between two operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const isString = typeof args[i] === 'string';
    if (i > 0 && !isString && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(args[i], 'v', plainSpec(), 0);
  }
  return out;
}

/** fmt.Sprintln: spaces between every operand, newline at the end. */
export function sprintln(args: readonly unknown[]): string {
  return args.map((a) => formatValue(a, 'v', plainSpec(), 0)).join(' ') + '\n';
}

/** The %v spelling of one value (what fmt.Sprint gives for a single operand). */
export function formatV(v: unknown): string {
  return formatValue(v, 'v', plainSpec(), 0);
}

export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let goodArgNum = true;
  const n = format.length;
  let i = 0;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec = plainSpec();
    // Flags.
    for (; i < n; i++) {
      const c = format[i];
      if (c === '#') spec.sharp = true;
      else if (c === '0') spec.zero = !spec.minus;
      else if (c === '+') spec.plus = true;
      else if (c === '-') {
        spec.minus = true;
        spec.zero = false;
      } else if (c === ' ') spec.space = true;
      else break;
    }
    // Argument index, width.
    [argNum, i, reordered, goodArgNum] = argIndex(format, i, argNum, args.length, reordered, goodArgNum);
    if (i < n && format[i] === '*') {
      i++;
      const w = intArg(args, argNum);
      argNum = w.next;
      if (w.value === undefined) out += '%!(BADWIDTH)';
      else {
        spec.width = w.value;
        if (w.value < 0) {
          spec.width = -w.value;
          spec.minus = true;
          spec.zero = false;
        }
      }
      [argNum, i, reordered, goodArgNum] = argIndex(format, i, argNum, args.length, reordered, goodArgNum);
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) {
        spec.width = parseInt(m[0], 10);
        i += m[0].length;
        if (reordered) goodArgNum = false; // "%[3]2d" is malformed in Go
      }
    }
    // Precision.
    if (i < n && format[i] === '.') {
      i++;
      if (reordered) goodArgNum = false;
      [argNum, i, reordered, goodArgNum] = argIndex(format, i, argNum, args.length, reordered, goodArgNum);
      if (i < n && format[i] === '*') {
        i++;
        const p = intArg(args, argNum);
        argNum = p.next;
        if (p.value === undefined || p.value < 0) out += '%!(BADPREC)';
        else spec.prec = p.value;
      } else {
        const m = /^\d+/.exec(format.slice(i));
        spec.prec = m ? parseInt(m[0], 10) : 0;
        if (m) i += m[0].length;
      }
    }
    if (!reordered) [argNum, i, reordered, goodArgNum] = argIndex(format, i, argNum, args.length, reordered, goodArgNum);
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (!goodArgNum) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    if (verb === 'v') {
      if (spec.sharp) {
        spec.sharp = false;
        spec.sharpV = true;
      }
      if (spec.plus) {
        spec.plus = false;
        spec.plusV = true;
      }
    }
    out += formatValue(args[argNum++], verb, spec, 0);
  }
  if (!reordered && argNum < args.length) {
    out += '%!(EXTRA ' + args.slice(argNum).map((a) => (a === null || a === undefined ? '<nil>' : `${typeName(a)}=${formatV(a)}`)).join(', ') + ')';
  }
  return out;
}

function argIndex(format: string, i: number, argNum: number, numArgs: number, reordered: boolean, good: boolean): [number, number, boolean, boolean] {
  if (format[i] !== '[') return [argNum, i, reordered, good];
  const close = format.indexOf(']', i);
  if (close < 0) return [argNum, format.length, true, false];
  const idx = Number(format.slice(i + 1, close));
  if (!/^\d+$/.test(format.slice(i + 1, close)) || idx < 1 || idx > numArgs) return [argNum, close + 1, true, false];
  return [idx - 1, close + 1, true, good];
}

function intArg(args: readonly unknown[], argNum: number): { value?: number; next: number } {
  if (argNum >= args.length) return { next: argNum };
  const a = args[argNum];
  if (kindOf(a) !== 'int') return { next: argNum + 1 };
  return { value: Number(a), next: argNum + 1 };
}

/** Go's %!verb(type=value); the value is printed with %v and the same flags. */
function badVerb(v: unknown, verb: string, spec?: Spec): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  const shown = spec ? formatValue(v, 'v', { ...spec, sharp: false, plusV: false, sharpV: false }, 1) : formatV(v);
  return `%!${verb}(${typeName(v)}=${shown})`;
}

/** Formats one operand; `depth` > 0 inside collections (pointers print as &{…} only at the top). */
function formatValue(v: unknown, verb: string, spec: Spec, depth: number): string {
  if (verb === 'T') return pad(typeName(v), spec);
  if (v === null || v === undefined) {
    if (verb === 'v') return pad(spec.sharpV ? 'interface {}(nil)' : '<nil>', spec);
    return badVerb(v, verb, spec);
  }
  if (v instanceof JsonNumber) {
    // json.Number is a string type: %d refuses it, %v and %s print its text.
    return formatString(v.text, verb, spec, v);
  }
  switch (kindOf(v)) {
    case 'bool':
      if (verb === 't' || verb === 'v') return pad(String(v), spec);
      return badVerb(v, verb, spec);
    case 'int':
      return formatInt(typeof v === 'bigint' ? v : BigInt(v as number), verb, spec, v);
    case 'float':
      return formatFloat(v instanceof GoFloat ? v.value : (v as number), verb, spec, v);
    case 'string':
      return formatString(v as string, verb, spec, v);
    case 'slice':
      return formatSlice(v as unknown[], verb, spec, depth);
    case 'map':
      return formatMap(v as Record<string, unknown>, verb, spec, depth);
    case 'struct':
      return formatStruct(v as GoStruct, verb, spec, depth);
    case 'chan':
    case 'func':
      if (verb === 'v' || verb === 'p') return pad(v instanceof GoChan ? '0xc000010000' : '0x0', spec);
      return badVerb(v, verb, spec);
  }
  return badVerb(v, verb, spec);
}

function formatSlice(a: unknown[] | Uint8Array, verb: string, spec: Spec, depth: number): string {
  if (a instanceof Uint8Array && (verb === 's' || verb === 'q' || verb === 'x' || verb === 'X')) {
    return formatString(Buffer.from(a).toString('latin1'), verb, spec, a);
  }
  const items = Array.from(a as ArrayLike<unknown>, (x) => formatValue(x, verb, spec, depth + 1));
  if (spec.sharpV) return `${typeName(a)}{${items.join(', ')}}`;
  return `[${items.join(' ')}]`;
}

function formatMap(m: Record<string, unknown>, verb: string, spec: Spec, depth: number): string {
  const keys = sortedKeys(m);
  if (spec.sharpV) return `map[string]interface {}{${keys.map((k) => `${quote(k)}:${formatValue(m[k], verb, spec, depth + 1)}`).join(', ')}}`;
  return `map[${keys.map((k) => `${formatValue(k, verb, spec, depth + 1)}:${formatValue(m[k], verb, spec, depth + 1)}`).join(' ')}]`;
}

function formatStruct(s: GoStruct, verb: string, spec: Spec, depth: number): string {
  const parts = s.goFields.map((f) => {
    const val = formatValue((s as unknown as Record<string, unknown>)[f], verb, spec, depth + 1);
    return spec.plusV || spec.sharpV ? `${f}:${val}` : val;
  });
  const body = spec.sharpV ? `${s.goPointer ? '&' : ''}${s.goType}{${parts.join(', ')}}` : `{${parts.join(' ')}}`;
  return (s.goPointer && depth === 0 && !spec.sharpV ? '&' : '') + body;
}

function formatString(s: string, verb: string, spec: Spec, orig: unknown): string {
  switch (verb) {
    case 'v':
      if (spec.sharpV) return pad(orig instanceof JsonNumber ? `"${s}"` : quote(s), spec);
      return pad(truncate(s, spec.prec), spec);
    case 's':
      return pad(truncate(s, spec.prec), spec);
    case 'q': {
      const t = truncate(s, spec.prec);
      if (spec.sharp && canBackquote(t)) return pad('`' + t + '`', spec);
      return pad(quote(t, spec.plus), spec);
    }
    case 'x':
    case 'X': {
      let bytes = Buffer.from(truncate(s, spec.prec), 'utf8');
      if (orig instanceof Uint8Array) bytes = Buffer.from(orig);
      const hex = Array.from(bytes, (b) => {
        const h = b.toString(16).padStart(2, '0');
        return verb === 'X' ? h.toUpperCase() : h;
      });
      const prefix = spec.sharp ? (verb === 'X' ? '0X' : '0x') : '';
      const joined = spec.space ? hex.map((h) => prefix + h).join(' ') : prefix + hex.join('');
      return pad(joined, spec);
    }
  }
  return badVerb(orig, verb, spec);
}

function truncate(s: string, prec: number | undefined): string {
  if (prec === undefined) return s;
  return Array.from(s).slice(0, prec).join('');
}

function formatInt(n: bigint, verb: string, spec: Spec, orig: unknown): string {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'v':
    case 'd':
      digits = abs.toString(10);
      break;
    case 'b':
      digits = abs.toString(2);
      if (spec.sharp) prefix = '0b';
      break;
    case 'o':
    case 'O':
      digits = abs.toString(8);
      if (verb === 'O') prefix = '0o';
      else if (spec.sharp && digits !== '0') prefix = '0';
      break;
    case 'x':
      digits = abs.toString(16);
      if (spec.sharp) prefix = '0x';
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      if (spec.sharp) prefix = '0X';
      break;
    case 'c':
      return pad(String.fromCodePoint(Number(n)), spec);
    case 'q':
      return pad(quoteRune(Number(n)), spec);
    case 'U': {
      const hex = abs.toString(16).toUpperCase().padStart(4, '0');
      const s = `U+${hex}`;
      return pad(spec.sharp ? `${s} '${String.fromCodePoint(Number(n))}'` : s, spec);
    }
    default:
      return badVerb(orig, verb, spec);
  }
  if (spec.prec !== undefined) {
    if (spec.prec === 0 && n === 0n) digits = '';
    digits = digits.padStart(spec.prec, '0');
  }
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  if (spec.zero && !spec.minus && spec.width !== undefined && spec.prec === undefined) {
    const body = prefix + digits;
    return sign + body.padStart(spec.width - sign.length, '0');
  }
  return pad(sign + prefix + digits, spec);
}

function formatFloat(x: number, verb: string, spec: Spec, orig: unknown): string {
  if (!'vgGeEfF'.includes(verb)) return badVerb(orig, verb, spec);
  // Inf and NaN are never zero-padded; NaN shows a sign only when asked for one.
  if (Number.isNaN(x)) return pad(spec.plus ? '+NaN' : spec.space ? ' NaN' : 'NaN', { ...spec, zero: false });
  if (!Number.isFinite(x)) return pad(x < 0 ? '-Inf' : spec.space && !spec.plus ? ' Inf' : '+Inf', { ...spec, zero: false });
  let body: string;
  switch (verb) {
    case 'v':
      body = fmtG(x, spec.prec ?? -1);
      if (spec.sharpV && !/[.e]/.test(body)) body += '.0';
      break;
    case 'g':
    case 'G':
      body = fmtG(x, spec.prec ?? -1);
      break;
    case 'e':
    case 'E':
      body = fmtE(x, spec.prec ?? 6);
      break;
    default:
      body = fmtF(x, spec.prec ?? 6);
  }
  if (verb === 'E' || verb === 'G') body = body.toUpperCase();
  const neg = body.startsWith('-');
  if (neg) body = body.slice(1);
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  if (spec.zero && !spec.minus && spec.width !== undefined) return sign + body.padStart(spec.width - sign.length, '0');
  return pad(sign + body, spec);
}

function pad(s: string, spec: Spec): string {
  if (spec.width === undefined) return s;
  const len = Array.from(s).length;
  if (len >= spec.width) return s;
  const fill = (spec.zero && !spec.minus ? '0' : ' ').repeat(spec.width - len);
  return spec.minus ? s + ' '.repeat(spec.width - len) : fill + s;
}

const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;

/** strconv.Quote (or QuoteToASCII when `ascii`). */
export function quote(s: string, ascii = false): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += escapeRune(ch, cp, '"', ascii);
  }
  return out + '"';
}

function escapeRune(ch: string, cp: number, q: string, ascii: boolean): string {
  if (ch === q || ch === '\\') return '\\' + ch;
  if (cp < 0x80 ? cp >= 0x20 && cp < 0x7f : !ascii && PRINTABLE.test(ch)) return ch;
  switch (ch) {
    case '\x07':
      return '\\a';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\v':
      return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return '\\x' + cp.toString(16).padStart(2, '0');
  if (cp >= 0xd800 && cp <= 0xdfff) return '\\ufffd';
  if (cp < 0x10000) return '\\u' + cp.toString(16).padStart(4, '0');
  return '\\U' + cp.toString(16).padStart(8, '0');
}

function quoteRune(cp: number): string {
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
  const ch = String.fromCodePoint(cp);
  return `'${escapeRune(ch, cp, "'", false)}'`;
}

function canBackquote(s: string): boolean {
  for (const ch of s) {
    if (ch === '`' || ch === '\ufffd') return false;
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 && ch !== '\t') return false;
    if (cp === 0x7f) return false;
  }
  return true;
}

export { isMap };
