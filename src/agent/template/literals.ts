/** Go literals as text/template reads them: integers (any base), floats, quoted strings. */

/** Go integer literal (base prefixes, legacy octal, underscores); undefined if not an int. */
export function parseGoInt(text: string): number | undefined {
  let s = text;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  let digits: string;
  let radix: number;
  const m = /^0([xXoObB])(.*)$/.exec(s);
  if (m) {
    radix = { x: 16, o: 8, b: 2 }[m[1]!.toLowerCase() as 'x' | 'o' | 'b'];
    digits = m[2]!.replace(/^_/, '');
  } else if (s.length > 1 && s[0] === '0') {
    radix = 8; // Go's legacy octal: 017 is 15, 08 is no integer at all
    digits = s.slice(1).replace(/^_/, '');
  } else {
    radix = 10;
    digits = s;
  }
  if (!/^[0-9a-zA-Z]+(_[0-9a-zA-Z]+)*$/.test(digits)) return undefined;
  digits = digits.replace(/_/g, '');
  const valid = { 16: /^[0-9a-fA-F]+$/, 10: /^[0-9]+$/, 8: /^[0-7]+$/, 2: /^[01]+$/ }[radix as 16 | 10 | 8 | 2];
  if (!valid.test(digits)) return undefined;
  const big = BigInt((radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : '') + digits);
  const v = neg ? -big : big;
  if (v > 2n ** 63n - 1n || v < -(2n ** 63n)) return undefined;
  return Number(v);
}

export function parseGoFloat(text: string): number | undefined {
  const s = text.replace(/_/g, '');
  if (/^[+-]?0[xX]/.test(s)) {
    const m = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(s);
    if (!m) return undefined;
    const mant = parseInt((m[2] || '0') + (m[3] ?? ''), 16) / 16 ** (m[3]?.length ?? 0);
    return (m[1] === '-' ? -1 : 1) * mant * 2 ** parseInt(m[4]!, 10);
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/** Go's strconv.Unquote for "…", `…` and '…'. */
export function unquote(q: string, p?: { errorf(msg: string): never }): string {
  const fail = (): never => {
    if (p) p.errorf(`invalid syntax: ${q}`);
    throw new Error(`invalid syntax: ${q}`);
  };
  if (q[0] === '`') return q.slice(1, -1).replace(/\r/g, '');
  const body = q.slice(1, -1);
  if (!body.includes('\\')) return body;
  const bytes: number[] = [];
  const pushStr = (s: string) => bytes.push(...Buffer.from(s, 'utf8'));
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      pushStr(ch);
      i += ch.length - 1;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
    if (e !== undefined && e in simple) {
      if ((e === '"' && q[0] !== '"') || (e === "'" && q[0] !== "'")) fail();
      bytes.push(simple[e]!.charCodeAt(0));
    } else if (e === 'x') {
      const h = body.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) fail();
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const h = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) fail();
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail();
      pushStr(String.fromCodePoint(cp));
      i += n;
    } else if (e !== undefined && /[0-7]/.test(e)) {
      const o = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) fail();
      bytes.push(parseInt(o, 8));
      i += 2;
    } else {
      fail();
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

