/**
 * pkiCert's certificate cache is the template's destination file: if it holds a certificate
 * still short of its renewal point, that one is used and nothing is issued, so restarts and
 * re-authentication do not mint new certificates. The renewal point is NotBefore plus the
 * lease_renewal_threshold share of its lifetime, staggered by -3 %…+2 %.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { PkiCertResponse } from './template/funcs/vault.js';

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

export interface ParsedPems extends PkiCertResponse {
  notBefore?: number;
  notAfter?: number;
}

/** Sorts the PEM blocks of a file or response into certificate, key, CA and chain. */
export function parsePems(text: string): ParsedPems {
  const out: ParsedPems = { cert: '', key: '', ca: '', caChain: [] };
  for (const m of text.matchAll(PEM)) {
    const block = m[0] + '\n';
    if (m[1]!.endsWith('PRIVATE KEY')) {
      out.key = block;
      continue;
    }
    if (m[1] !== 'CERTIFICATE') continue;
    const cert = new X509Certificate(m[0]);
    if (cert.ca) {
      if (!out.ca) out.ca = block;
      if (!out.caChain.includes(block)) out.caChain.push(block);
    } else {
      out.cert = block;
      out.notBefore = Date.parse(cert.validFrom);
      out.notAfter = Date.parse(cert.validTo);
    }
  }
  return out;
}

/** Milliseconds until the certificate should be replaced, or undefined when it should be now. */
export function goodFor(p: ParsedPems, threshold: number, now = Date.now(), random = Math.random): number | undefined {
  if (p.notBefore === undefined || p.notAfter === undefined) return undefined;
  if (p.notAfter <= now) return undefined;
  const life = p.notAfter - p.notBefore;
  const stagger = (Math.floor(random() * 6) - 3) / 100;
  const rotateAt = p.notBefore + life * (threshold + stagger);
  const wait = rotateAt - now;
  return wait > 0 ? wait : undefined;
}

export async function readCachedPems(path: string | undefined): Promise<ParsedPems | undefined> {
  if (!path) return undefined;
  try {
    const text = await readFile(path, 'utf8');
    return text.trim() ? parsePems(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The PEMs of a PKI issue response, in the order consul-template writes them out. */
export function pemsFromIssue(data: Record<string, unknown>): string {
  let s = '';
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'string') s += v + '\n';
    else if (Array.isArray(v) && k === 'ca_chain') for (const item of v) if (typeof item === 'string') s += item + '\n';
  }
  return s;
}
