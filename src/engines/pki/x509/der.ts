/**
 * A minimal DER encoder and reader. Certificates, CRLs and OCSP responses are built here
 * directly (not through a generic ASN.1 schema library) because issuing is the hot path:
 * concatenating a few buffers costs microseconds, a schema round trip costs far more.
 */

export const TAG = {
  BOOLEAN: 0x01, INTEGER: 0x02, BIT_STRING: 0x03, OCTET_STRING: 0x04, NULL: 0x05, OID: 0x06,
  ENUMERATED: 0x0a, UTF8: 0x0c, PRINTABLE: 0x13, T61: 0x14, IA5: 0x16, UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18, BMP: 0x1e, UNIVERSAL: 0x1c, SEQUENCE: 0x30, SET: 0x31,
} as const;

const headerLength = (len: number): number => (len < 0x80 ? 2 : len < 0x100 ? 3 : len < 0x10000 ? 4 : len < 0x1000000 ? 5 : 6);

/** Writes a tag and length at `at`; returns the offset after them. */
function writeHeader(out: Buffer, tag: number, len: number, at = 0): number {
  out[at] = tag;
  if (len < 0x80) { out[at + 1] = len; return at + 2; }
  const n = headerLength(len) - 2;
  out[at + 1] = 0x80 | n;
  for (let i = 0, v = len; i < n; i++, v = Math.floor(v / 256)) out[at + 1 + n - i] = v & 0xff;
  return at + 2 + n;
}

/**
 * A constructed value not yet written out: nesting these and writing the whole tree once
 * (`flatten`) costs one allocation instead of one per level, which is what certificate
 * templates are made of.
 */
export interface Lazy { tag: number; parts: readonly (Lazy | Uint8Array)[]; len: number; size: number }

export function lazy(tag: number, parts: readonly (Lazy | Uint8Array)[]): Lazy {
  let len = 0;
  for (const p of parts) len += p instanceof Uint8Array ? p.length : p.size;
  return { tag, parts, len, size: headerLength(len) + len };
}

export const lseq = (...parts: (Lazy | Uint8Array)[]): Lazy => lazy(TAG.SEQUENCE, parts);

function writeLazy(n: Lazy, out: Buffer, at: number): number {
  let o = writeHeader(out, n.tag, n.len, at);
  for (const p of n.parts) {
    if (p instanceof Uint8Array) { out.set(p, o); o += p.length; } else o = writeLazy(p, out, o);
  }
  return o;
}

export function flatten(n: Lazy): Buffer {
  const out = Buffer.allocUnsafe(n.size);
  writeLazy(n, out, 0);
  return out;
}

/** One allocation for the header and all parts: most of an issuance's encoding time is here. */
export function tlvOf(tag: number, parts: readonly Uint8Array[]): Buffer {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = Buffer.allocUnsafe(headerLength(len) + len);
  let o = writeHeader(out, tag, len);
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export const tlv = (tag: number, value: Uint8Array): Buffer => tlvOf(tag, [value]);

export const seq = (...items: Uint8Array[]): Buffer => tlvOf(TAG.SEQUENCE, items);

/** SET OF, with elements sorted by their encodings as DER requires. */
export const setOf = (...items: Uint8Array[]): Buffer =>
  tlvOf(TAG.SET, items.length > 1 ? [...items].sort((a, b) => Buffer.compare(a, b)) : items);

/** [n] EXPLICIT: a constructed context tag around a complete encoding. */
export const explicit = (n: number, inner: Uint8Array): Buffer => tlv(0xa0 | n, inner);

/** [n] IMPLICIT over a primitive value. */
export const implicitPrim = (n: number, value: Uint8Array): Buffer => tlv(0x80 | n, value);

/** [n] IMPLICIT over a constructed value (the value is the concatenated contents). */
export const implicitCons = (n: number, contents: Uint8Array): Buffer => tlv(0xa0 | n, contents);

const NULL = Buffer.from([TAG.NULL, 0]);
const TRUE = Buffer.from([TAG.BOOLEAN, 1, 0xff]);
const FALSE = Buffer.from([TAG.BOOLEAN, 1, 0]);
const ZERO = Buffer.from([0]);
export const nullValue = (): Buffer => NULL;
export const bool = (v: boolean): Buffer => (v ? TRUE : FALSE);
export const octets = (v: Uint8Array): Buffer => tlv(TAG.OCTET_STRING, v);
export const utf8 = (s: string): Buffer => tlv(TAG.UTF8, Buffer.from(s, 'utf8'));
export const ia5 = (s: string): Buffer => tlv(TAG.IA5, Buffer.from(s, 'ascii'));
export const printable = (s: string): Buffer => tlv(TAG.PRINTABLE, Buffer.from(s, 'ascii'));

/** A BIT STRING with no unused bits (keys, signatures). */
export const bitString = (v: Uint8Array): Buffer => tlvOf(TAG.BIT_STRING, [ZERO, v]);

/** A named-bit BIT STRING (KeyUsage): bit 0 is the most significant bit; trailing zero bits dropped. */
export function namedBits(bits: number): Buffer {
  if (bits === 0) return tlv(TAG.BIT_STRING, ZERO);
  let highest = 0;
  for (let b = 0; b < 32; b++) if (bits & (1 << b)) highest = b;
  const nBytes = Math.floor(highest / 8) + 1;
  const out = Buffer.alloc(nBytes);
  for (let b = 0; b <= highest; b++) if (bits & (1 << b)) out[b >> 3]! |= 0x80 >> (b & 7);
  const unused = nBytes * 8 - (highest + 1);
  return tlvOf(TAG.BIT_STRING, [Buffer.from([unused]), out]);
}

/** A non-negative INTEGER from its big-endian magnitude bytes. */
export function uintBytes(mag: Uint8Array): Buffer {
  let i = 0;
  while (i < mag.length - 1 && mag[i] === 0) i++;
  const trimmed = Buffer.from(mag.subarray(i));
  const body = trimmed.length && trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed.length ? trimmed : Buffer.from([0]);
  return tlv(TAG.INTEGER, body);
}

export function int(n: number | bigint): Buffer {
  let v = BigInt(n);
  if (v >= 0n) {
    let hex = v.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    return uintBytes(Buffer.from(hex, 'hex'));
  }
  // Two's complement for negatives (only small values occur: none in practice, kept total).
  const bytes: number[] = [];
  do { bytes.unshift(Number(v & 0xffn)); v >>= 8n; } while (v !== -1n || !(bytes[0]! & 0x80));
  return tlv(TAG.INTEGER, Buffer.from(bytes));
}

export const enumerated = (n: number): Buffer => tlv(TAG.ENUMERATED, Buffer.from([n]));

const oidCache = new Map<string, Buffer>();
export function oid(dotted: string): Buffer {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const parts = dotted.split('.').map((p) => BigInt(p));
  if (parts.length < 2) throw new Error(`invalid OID ${dotted}`);
  const bytes: number[] = [];
  const push = (v: bigint) => {
    const chunk: number[] = [Number(v & 0x7fn)];
    for (v >>= 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    bytes.push(...chunk);
  };
  push(parts[0]! * 40n + parts[1]!);
  for (const p of parts.slice(2)) push(p);
  const out = tlv(TAG.OID, Buffer.from(bytes));
  if (oidCache.size < 1000) oidCache.set(dotted, out);
  return out;
}

export function isValidOid(dotted: string): boolean {
  return /^[0-2](\.(0|[1-9]\d*))+$/.test(dotted);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** RFC 5280: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, Zulu. */
export function time(ms: number): Buffer {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const utc = y >= 1950 && y < 2050;
  // Digits written straight into the encoding: this runs twice per certificate.
  const digits = [d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
  const out = Buffer.allocUnsafe(utc ? 15 : 17);
  out[0] = utc ? TAG.UTC_TIME : TAG.GENERALIZED_TIME;
  out[1] = utc ? 13 : 15;
  let o = 2;
  if (!utc) { out[o++] = 48 + Math.floor(y / 1000) % 10; out[o++] = 48 + Math.floor(y / 100) % 10; }
  out[o++] = 48 + Math.floor(y / 10) % 10;
  out[o++] = 48 + y % 10;
  for (const v of digits) { out[o++] = 48 + Math.floor(v / 10); out[o++] = 48 + v % 10; }
  out[o] = 90; // Z
  return out;
}

export function generalizedTime(ms: number): Buffer {
  const d = new Date(ms);
  const s = `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(s, 'ascii'));
}

// ---------------------------------------------------------------- reading

export interface Node {
  tag: number;
  /** Offset of the tag byte within the buffer it was read from. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  end: number;
  buf: Buffer;
}

export class DerError extends Error {}

export function read(buf: Buffer, offset = 0, limit = buf.length): Node {
  if (offset + 2 > limit) throw new DerError('truncated DER');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  let len = buf[offset + 1]!;
  let p = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > limit) throw new DerError('invalid DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > limit) throw new DerError('truncated DER');
  return { tag, start: offset, contentStart: p, end: p + len, buf };
}

export const content = (n: Node): Buffer => n.buf.subarray(n.contentStart, n.end);
export const raw = (n: Node): Buffer => n.buf.subarray(n.start, n.end);

export function children(n: Node): Node[] {
  const out: Node[] = [];
  for (let p = n.contentStart; p < n.end;) {
    const c = read(n.buf, p, n.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

export function parseTop(buf: Buffer | Uint8Array): Node {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf);
  const n = read(b, 0);
  if (n.end !== b.length) throw new DerError('trailing data after DER value');
  return n;
}

export function readOid(n: Node): string {
  if (n.tag !== TAG.OID) throw new DerError('expected an OBJECT IDENTIFIER');
  const b = content(n);
  const parts: bigint[] = [];
  let v = 0n;
  for (const byte of b) {
    v = (v << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) { parts.push(v); v = 0n; }
  }
  if (!parts.length) throw new DerError('empty OBJECT IDENTIFIER');
  const first = parts[0]!;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...parts.slice(1)].join('.');
}

export function readUint(n: Node): Buffer {
  if (n.tag !== TAG.INTEGER) throw new DerError('expected an INTEGER');
  const b = content(n);
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

export function readSmallInt(n: Node): number {
  const b = content(n);
  let v = 0;
  for (const byte of b) v = v * 256 + byte;
  if (b.length && b[0]! & 0x80) v -= 2 ** (8 * b.length);
  return v;
}

export function readString(n: Node): string {
  const b = content(n);
  if (n.tag === TAG.BMP) {
    let s = '';
    for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode(b.readUInt16BE(i));
    return s;
  }
  if (n.tag === TAG.T61) return b.toString('latin1');
  return b.toString('utf8');
}

export function readTime(n: Node): number {
  const s = content(n).toString('ascii');
  let m: RegExpExecArray | null;
  if (n.tag === TAG.UTC_TIME && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(s))) {
    const yy = Number(m[1]);
    return Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  }
  if (n.tag === TAG.GENERALIZED_TIME && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(s))) {
    return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0);
  }
  throw new DerError(`invalid time value ${JSON.stringify(s)}`);
}

/** BIT STRING contents without the unused-bits byte. */
export function readBitString(n: Node): Buffer {
  if (n.tag !== TAG.BIT_STRING) throw new DerError('expected a BIT STRING');
  return content(n).subarray(1);
}

/** Named bits as an integer with bit 0 = the first (most significant) bit. */
export function readNamedBits(n: Node): number {
  const b = readBitString(n);
  let v = 0;
  for (let i = 0; i < b.length * 8 && i < 31; i++) if (b[i >> 3]! & (0x80 >> (i & 7))) v |= 1 << i;
  return v;
}
