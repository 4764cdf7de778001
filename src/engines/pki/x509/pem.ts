/** PEM text ⇄ DER blocks. Text between blocks is ignored, as Go's pem.Decode does. */

export interface PemBlock { type: string; der: Buffer; text: string }

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export function decodePem(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const body = m[2]!.split(/\r?\n/).filter((l) => !/^[A-Za-z-]+:/.test(l)).join('').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new Error('invalid PEM data');
    out.push({ type: m[1]!, der: Buffer.from(body, 'base64'), text: m[0] });
  }
  return out;
}

/** Trimmed PEM (no final newline), 64-character lines. String concatenation beats array joins here. */
export function encodePem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let out = `-----BEGIN ${type}-----\n`;
  for (let i = 0; i < b64.length; i += 64) out += `${b64.substring(i, i + 64)}\n`;
  return `${out}-----END ${type}-----`;
}

export const certPem = (der: Uint8Array): string => encodePem('CERTIFICATE', der);

/** The first CERTIFICATE block's DER, or undefined. */
export function firstCertDer(text: string): Buffer | undefined {
  return decodePem(text).find((b) => b.type === 'CERTIFICATE')?.der;
}
