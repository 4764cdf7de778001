/**
 * JSON as Go's encoding/json sees it. Vault's client decodes with UseNumber, so numbers reach
 * templates as json.Number and print exactly as the server sent them; parseJSON in a template
 * decodes to float64 instead. Marshal sorts map keys and escapes <, > and & as Go does.
 */
import { GoChan, GoFloat, GoStruct, JsonNumber, isMap, sortedKeys } from './values.js';

export type NumberMode = 'json.Number' | 'float64';

/** Parses JSON text; numbers become JsonNumber ('json.Number') or GoFloat ('float64'). */
export function parseGoJSON(text: string, mode: NumberMode = 'json.Number'): unknown {
  let i = 0;
  const err = (msg: string): never => {
    throw new Error(msg);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') err(`invalid character '${text[i] ?? ''}' looking for beginning of object key string`);
        const k = str();
        ws();
        if (text[i] !== ':') err(`invalid character '${text[i] ?? ''}' after object key`);
        i++;
        obj[k] = value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        err(`invalid character '${text[i] ?? ''}' after object key:value pair`);
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        err(`invalid character '${text[i] ?? ''}' after array element`);
      }
    }
    if (c === '"') return str();
    const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!lit) {
      if (i >= text.length) err('unexpected end of JSON input');
      err(`invalid character '${c}' looking for beginning of value`);
    }
    const t = lit![0];
    i += t.length;
    if (t === 'true') return true;
    if (t === 'false') return false;
    if (t === 'null') return null;
    return mode === 'json.Number' ? new JsonNumber(t) : new GoFloat(Number(t));
  };
  const str = (): string => {
    const start = i;
    i++;
    for (;;) {
      const ch = text[i];
      if (ch === undefined) err('unexpected end of JSON input');
      if (ch === '\\') i += 2;
      else if (ch === '"') break;
      else i++;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const v = value();
  ws();
  if (i < text.length) err(`invalid character '${text[i]}' after top-level value`);
  return v;
}

/** Turns a parsed response body into Go values: integral JS numbers are json.Number text. */
export function fromJS(v: unknown): unknown {
  if (typeof v === 'number') return new JsonNumber(String(v));
  if (Array.isArray(v)) return v.map(fromJS);
  if (isMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJS(x)]));
  return v;
}

export interface MarshalOptions {
  indent?: string;
  escapeHTML?: boolean;
}

/** json.Marshal / json.MarshalIndent(v, "", indent). */
export function marshalGoJSON(v: unknown, opts: MarshalOptions = {}): string {
  const escapeHTML = opts.escapeHTML ?? true;
  const indent = opts.indent ?? '';
  const enc = (x: unknown, depth: number): string => {
    if (x === null || x === undefined) return 'null';
    if (typeof x === 'string') return encString(x, escapeHTML);
    if (typeof x === 'boolean') return String(x);
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) throw new Error(`json: unsupported value: ${x}`);
      return JSON.stringify(x);
    }
    if (typeof x === 'bigint') return x.toString();
    if (x instanceof JsonNumber) return x.text === '' ? '0' : x.text;
    if (x instanceof GoFloat) {
      if (!Number.isFinite(x.value)) throw new Error(`json: unsupported value: ${x.value}`);
      return JSON.stringify(x.value);
    }
    if (typeof x === 'function' || x instanceof GoChan) throw new Error(`json: unsupported type: ${typeof x === 'function' ? 'func()' : 'chan int'}`);
    if (x instanceof Uint8Array) return `"${Buffer.from(x).toString('base64')}"`;
    const nl = indent ? '\n' + indent.repeat(depth + 1) : '';
    const end = indent ? '\n' + indent.repeat(depth) : '';
    const sep = indent ? ': ' : ':';
    if (Array.isArray(x)) {
      if (x.length === 0) return '[]';
      return '[' + x.map((e) => nl + enc(e, depth + 1)).join(',') + end + ']';
    }
    let entries: [string, unknown][];
    if (x instanceof GoStruct) entries = x.goFields.map((f) => [f, (x as unknown as Record<string, unknown>)[f]]);
    else entries = sortedKeys(x as Record<string, unknown>).map((k) => [k, (x as Record<string, unknown>)[k]]);
    if (entries.length === 0) return '{}';
    return '{' + entries.map(([k, e]) => nl + encString(k, escapeHTML) + sep + enc(e, depth + 1)).join(',') + end + '}';
  };
  return enc(v, 0);
}

function encString(s: string, escapeHTML: boolean): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (cp < 0x20) {
      const named: Record<string, string> = { '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
      out += named[ch] ?? '\\u' + cp.toString(16).padStart(4, '0');
    } else if (escapeHTML && (ch === '<' || ch === '>' || ch === '&')) out += '\\u' + cp.toString(16).padStart(4, '0');
    else if (cp === 0x2028 || cp === 0x2029) out += '\\u' + cp.toString(16);
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd';
    else out += ch;
  }
  return out + '"';
}
