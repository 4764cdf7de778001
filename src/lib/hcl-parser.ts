/**
 * The HCL/JSON scanner and parser behind lib/hcl.ts (read that file's header for the API), and
 * the raw tree's types. Positions of keys are kept in a side table so trees stay plain objects.
 */
export interface HclPos {
  line: number;
  column: number;
}

export class HclError extends Error {
  constructor(
    readonly filename: string | undefined,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`At ${filename ? `${filename}:` : ''}${line}:${column}: ${reason}`);
    this.name = 'HclError';
  }
}

export type HclValue = string | number | boolean | null | HclValue[] | HclBody;
export interface HclBody {
  [key: string]: HclValue | HclBlock[];
}

export class HclBlock {
  constructor(
    readonly type: string,
    readonly labels: string[],
    readonly body: HclBody,
    readonly line: number,
    readonly column: number,
  ) {}
}

const positions = new WeakMap<object, Map<string, HclPos>>();

/** Where `key` was written inside `obj` (any object this module returned). */
export function lineOf(obj: object, key: string): HclPos | undefined {
  return positions.get(obj)?.get(key);
}

export function record(obj: object, key: string, pos: HclPos): void {
  let m = positions.get(obj);
  if (!m) positions.set(obj, (m = new Map()));
  m.set(key, pos);
}

/** Plain assignment would turn a `__proto__` key into a prototype change. */
export function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

export function isBlockList(v: unknown): v is HclBlock[] {
  return Array.isArray(v) && v.length > 0 && v[0] instanceof HclBlock;
}

type TokType = 'ident' | 'string' | 'number' | '{' | '}' | '[' | ']' | '=' | ':' | ',' | 'eof';
interface Token {
  t: TokType;
  v: string | number;
  off: number;
}

const IDENT_START = /[A-Za-z_\p{L}]/u;
const IDENT_REST = /[A-Za-z0-9_\-.\p{L}\p{N}]/u;
const NUMBER = /-?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/y;
const HEREDOC = /<<(-?)([A-Za-z_][\w-]*)[ \t\r]*\n/y;
const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/', a: '\x07', b: '\b', f: '\f', v: '\v' };

export class Parser {
  private i = 0;
  private peeked: Token | undefined;
  private readonly lineStarts: number[] = [0];

  constructor(private readonly src: string, private readonly file?: string) {
    for (let k = 0; k < src.length; k++) if (src.charCodeAt(k) === 10) this.lineStarts.push(k + 1);
  }

  pos(off: number): HclPos {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: off - this.lineStarts[lo]! + 1 };
  }

  fail(off: number, reason: string): never {
    const p = this.pos(off);
    throw new HclError(this.file, p.line, p.column, reason);
  }

  peek(): Token {
    return (this.peeked ??= this.scan());
  }

  next(): Token {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  private skipSpaceAndComments(): void {
    const s = this.src;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\ufeff') this.i++;
      else if (c === '#' || (c === '/' && s[this.i + 1] === '/')) {
        const nl = s.indexOf('\n', this.i);
        this.i = nl === -1 ? s.length : nl + 1;
      } else if (c === '/' && s[this.i + 1] === '*') {
        const end = s.indexOf('*/', this.i + 2);
        if (end === -1) this.fail(this.i, 'comment not terminated');
        this.i = end + 2;
      } else return;
    }
  }

  private scan(): Token {
    this.skipSpaceAndComments();
    const s = this.src;
    const off = this.i;
    if (off >= s.length) return { t: 'eof', v: '', off };
    const c = s[off]!;
    if ('{}[]=:,'.includes(c)) {
      this.i++;
      return { t: c as TokType, v: c, off };
    }
    if (c === '"') return { t: 'string', v: this.scanString(), off };
    if (c === '<' && s[off + 1] === '<') return { t: 'string', v: this.scanHeredoc(), off };
    if (c === '-' || (c >= '0' && c <= '9')) return { t: 'number', v: this.scanNumber(), off };
    if (IDENT_START.test(c)) {
      let k = off + 1;
      while (k < s.length && IDENT_REST.test(s[k]!)) k++;
      this.i = k;
      return { t: 'ident', v: s.slice(off, k), off };
    }
    this.fail(off, `illegal character ${JSON.stringify(c)}`);
  }

  private scanNumber(): number {
    const off = this.i;
    NUMBER.lastIndex = off;
    const m = NUMBER.exec(this.src);
    if (!m) this.fail(off, `illegal character ${JSON.stringify(this.src[off])}`);
    const end = off + m[0].length;
    if (end < this.src.length && IDENT_REST.test(this.src[end]!)) this.fail(off, `invalid number ${JSON.stringify(this.src.slice(off, end + 1))}`);
    this.i = end;
    const text = m[0];
    const neg = text.startsWith('-');
    const digits = neg ? text.slice(1) : text;
    let n: number;
    if (/^0[xX]/.test(digits)) n = parseInt(digits.slice(2), 16);
    else if (/^0[0-7]+$/.test(digits)) n = parseInt(digits, 8); // HCL1 reads 0644 as octal, which file modes rely on
    else if (/^0\d+$/.test(digits)) this.fail(off, `invalid octal number ${JSON.stringify(text)}`);
    else n = Number(digits);
    return neg ? -n : n;
  }

  private scanString(): string {
    const s = this.src;
    const start = this.i;
    let k = start + 1;
    let out = '';
    for (;;) {
      if (k >= s.length || s[k] === '\n') this.fail(start, 'literal not terminated');
      const c = s[k]!;
      if (c === '"') {
        this.i = k + 1;
        return out;
      }
      if (c === '\\') {
        const e = s[k + 1] ?? '';
        if (e in SIMPLE_ESCAPES) {
          out += SIMPLE_ESCAPES[e];
          k += 2;
        } else if (e === 'u' || e === 'U' || e === 'x') {
          const len = e === 'u' ? 4 : e === 'U' ? 8 : 2;
          const hex = s.slice(k + 2, k + 2 + len);
          if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) this.fail(k, `invalid escape sequence "\\${e}${hex}"`);
          const code = parseInt(hex, 16);
          if (code > 0x10ffff) this.fail(k, `invalid escape sequence "\\${e}${hex}"`);
          out += e === 'u' ? String.fromCharCode(code) : String.fromCodePoint(code);
          k += 2 + len;
        } else this.fail(k, `invalid escape sequence "\\${e}"`);
        continue;
      }
      if ((c === '$' || c === '%') && s[k + 1] === '{') {
        const end = this.skipTemplate(k + 2);
        out += s.slice(k, end);
        k = end;
        continue;
      }
      out += c;
      k++;
    }
  }

  /** A `${...}` sequence is kept verbatim: find its closing brace, stepping over nested quotes. */
  private skipTemplate(k: number): number {
    const s = this.src;
    const start = k - 2;
    let depth = 1;
    while (k < s.length) {
      const c = s[k]!;
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) return k + 1;
      else if (c === '"') {
        k++;
        while (k < s.length && s[k] !== '"') k += s[k] === '\\' ? 2 : 1;
      }
      k++;
    }
    this.fail(start, 'interpolation not terminated');
  }

  private scanHeredoc(): string {
    const s = this.src;
    const start = this.i;
    HEREDOC.lastIndex = start;
    const m = HEREDOC.exec(s);
    if (!m) this.fail(start, 'heredoc marker must be an identifier followed by a newline, e.g. <<EOF');
    const indented = m[1] === '-';
    const marker = m[2]!;
    const lines: string[] = [];
    let k = start + m[0].length;
    for (;;) {
      if (k >= s.length) this.fail(start, `heredoc not terminated: expected a line with ${marker}`);
      const nl = s.indexOf('\n', k);
      const lineEnd = nl === -1 ? s.length : nl;
      const line = s.slice(k, lineEnd).replace(/\r$/, '');
      if (line.trim() === marker) {
        this.i = k + line.indexOf(marker) + marker.length;
        break;
      }
      lines.push(line);
      k = lineEnd + 1;
    }
    if (indented) {
      let min = Infinity;
      for (const l of lines) if (l.trim()) min = Math.min(min, /^[ \t]*/.exec(l)![0].length);
      if (min !== Infinity) for (let n = 0; n < lines.length; n++) lines[n] = lines[n]!.slice(Math.min(min, /^[ \t]*/.exec(lines[n]!)![0].length));
    }
    return lines.length ? `${lines.join('\n')}\n` : '';
  }

  describe(t: Token): string {
    switch (t.t) {
      case 'eof':
        return 'end of file';
      case 'string': {
        const v = String(t.v);
        return `string ${JSON.stringify(v.length > 30 ? `${v.slice(0, 30)}…` : v)}`;
      }
      case 'number':
        return `number ${t.v}`;
      case 'ident':
        return `'${t.v}'`;
      default:
        return `'${t.t}'`;
    }
  }

  /** Items up to `}` (or end of file at top level): attributes and blocks. */
  parseBody(closer: '}' | 'eof'): HclBody {
    const body: HclBody = {};
    for (;;) {
      const t = this.next();
      if (t.t === closer) return body;
      if (t.t === ',') continue;
      if (t.t === 'eof') this.fail(t.off, "object expected closing '}'");
      if (t.t !== 'ident' && t.t !== 'string') this.fail(t.off, `expected an attribute name or block type, found ${this.describe(t)}`);
      const key = String(t.v);
      const keyPos = this.pos(t.off);
      const labels: string[] = [];
      let n = this.peek();
      while (n.t === 'string' || (n.t === 'ident' && this.isLabelIdent())) {
        labels.push(String(this.next().v));
        n = this.peek();
      }
      if ((n.t === '=' || n.t === ':') && labels.length === 0) {
        this.next();
        this.setAttr(body, key, this.parseValue(), keyPos, t.off);
      } else if (n.t === '{') {
        this.next();
        this.addBlock(body, new HclBlock(key, labels, this.parseBody('}'), keyPos.line, keyPos.column), t.off);
      } else if (labels.length) {
        this.fail(n.off, `expected '{' to open block ${JSON.stringify(key)}, found ${this.describe(n)}`);
      } else {
        this.fail(n.off, `expected '=' after ${JSON.stringify(key)}, found ${this.describe(n)}`);
      }
    }
  }

  /** An identifier right after a key is a label only when a `{` (after more labels) follows. */
  private isLabelIdent(): boolean {
    const save = { i: this.i, peeked: this.peeked };
    this.next();
    let after = this.peek();
    while (after.t === 'string' || after.t === 'ident') {
      this.next();
      after = this.peek();
    }
    this.i = save.i;
    this.peeked = save.peeked;
    return after.t === '{';
  }

  private setAttr(body: HclBody, key: string, value: HclValue, pos: HclPos, off: number): void {
    if (isBlockList(body[key])) this.fail(off, `${JSON.stringify(key)} is defined both as a block and as an attribute`);
    put(body, key, value);
    record(body, key, pos);
  }

  private addBlock(body: HclBody, block: HclBlock, off: number): void {
    const existing = body[block.type];
    if (existing === undefined) {
      put(body, block.type, [block]);
      record(body, block.type, { line: block.line, column: block.column });
    } else if (isBlockList(existing)) existing.push(block);
    else this.fail(off, `${JSON.stringify(block.type)} is defined both as an attribute and as a block`);
  }

  parseValue(): HclValue {
    const t = this.next();
    switch (t.t) {
      case 'string':
      case 'number':
        return t.v;
      case 'ident':
        if (t.v === 'true') return true;
        if (t.v === 'false') return false;
        if (t.v === 'null') return null;
        return this.fail(t.off, `expected a value (string, number, bool, list or object), found ${this.describe(t)}`);
      case '[': {
        const list: HclValue[] = [];
        for (;;) {
          if (this.peek().t === ']') {
            this.next();
            return list;
          }
          list.push(this.parseValue());
          const sep = this.peek();
          if (sep.t === ',') this.next();
          else if (sep.t !== ']') this.fail(sep.off, `expected ',' or ']' in list, found ${this.describe(sep)}`);
        }
      }
      case '{':
        return this.parseBody('}');
      default:
        return this.fail(t.off, `expected a value (string, number, bool, list or object), found ${this.describe(t)}`);
    }
  }

  parseDocument(): HclBody {
    const first = this.peek();
    if (first.t === '{') {
      // JSON (Vault switches to its JSON parser when the text starts with `{`).
      this.next();
      const body = this.parseBody('}');
      const rest = this.next();
      if (rest.t !== 'eof') this.fail(rest.off, `unexpected ${this.describe(rest)} after the top-level object`);
      return body;
    }
    return this.parseBody('eof');
  }
}
