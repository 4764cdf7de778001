/** A CSR given to sign/:role, sign-verbatim or sign-intermediate: parsing and the role's key rules. */
import { badRequest } from '../../lib/errors.js';
import { csrSignatureValid } from './x509/csr.js';
import { keyInfo, publicKeyFromSpki, type KeyInfo } from './x509/keys.js';
import { parseCSR, type ParsedCSR } from './x509/parse.js';
import { decodePem, type PemBlock } from './x509/pem.js';

export function parseCsrInput(pem: string): ParsedCSR {
  if (!pem) throw badRequest('"csr" is empty');
  let blocks: PemBlock[];
  try { blocks = decodePem(pem); } catch { blocks = []; }
  const block = blocks[0];
  if (!block) throw badRequest('csr contains no data');
  try {
    return parseCSR(block.der);
  } catch (e) {
    throw badRequest(`certificate request could not be parsed: ${(e as Error).message}`);
  }
}

export function csrKey(csr: ParsedCSR): KeyInfo {
  try {
    return keyInfo(publicKeyFromSpki(csr.spki));
  } catch {
    throw badRequest('Refusing to sign CSR with empty PublicKey. This usually means the SubjectPublicKeyInfo field has an OID not recognized by Go, such as 1.2.840.113549.1.1.10 for rsaPSS.');
  }
}

/** Vault's signCert key checks: the role's type, its minimum size, and the absolute RSA floor. */
export function checkCsrKey(roleKeyType: string, roleKeyBits: number, key: KeyInfo): void {
  let minBits = roleKeyBits;
  if (roleKeyType === 'any') {
    if (key.type === 'rsa' && key.bits < 2048) throw badRequest('RSA keys < 2048 bits are unsafe and not supported');
    minBits = key.type === 'rsa' ? 2048 : key.type === 'ec' ? 224 : 0;
  } else if (roleKeyType !== key.type) {
    throw badRequest(`role requires keys of type ${roleKeyType}`);
  }
  if (key.type === 'rsa') {
    if (key.bits < minBits) throw badRequest(`role requires a minimum of a ${minBits}-bit key, but CSR's key is ${key.bits} bits`);
    if (key.bits < 2048) throw badRequest(`Vault requires a minimum of a 2048-bit key, but CSR's key is ${key.bits} bits`);
  } else if (key.type === 'ec' && key.bits < minBits) {
    throw badRequest(`role requires a minimum of a ${minBits}-bit key, but CSR's key is ${key.bits} bits`);
  }
}

export function checkCsrSignature(csr: ParsedCSR): void {
  if (!csrSignatureValid(csr)) throw badRequest('request signature invalid');
}
