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

export function encodePem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----`;
}

export const certPem = (der: Uint8Array): string => encodePem('CERTIFICATE', der);

/** The first CERTIFICATE block's DER, or undefined. */
export function firstCertDer(text: string): Buffer | undefined {
  return decodePem(text).find((b) => b.type === 'CERTIFICATE')?.der;
}
