/**
 * Plays AWS's part for ec2 logins: a DSA certificate that signs instance identity documents as
 * PKCS#7 (like the metadata service's /pkcs7, base64 without armour) and an RSA certificate for
 * the plain document's SHA256 signature (/signature). Everything is made with openssl.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Ec2Fixture {
  dir: string;
  /** PEM certificates to register with config/certificate. */
  pkcs7Cert: string;
  identityCert: string;
  /** A certificate nobody registers, for "signed by someone else". */
  strangerCert: string;
  pkcs7(doc: object, signer?: 'aws' | 'stranger'): string;
  /** base64 document and base64 SHA256-RSA signature. */
  identity(doc: object): { identity: string; signature: string };
}

const run = (dir: string, args: string[], input?: string | Buffer) => execFileSync('openssl', args, { cwd: dir, input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'ignore'] });

export function makeEc2Fixture(): Ec2Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-aws-ec2-'));
  run(dir, ['dsaparam', '-out', 'dsaparam.pem', '2048']);
  run(dir, ['gendsa', '-out', 'dsa-key.pem', 'dsaparam.pem']);
  run(dir, ['req', '-x509', '-new', '-key', 'dsa-key.pem', '-out', 'dsa-cert.pem', '-days', '2', '-subj', '/C=US/ST=Washington State/L=Seattle/O=Amazon Web Services LLC']);
  run(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa-key.pem', '-out', 'rsa-cert.pem', '-days', '2', '-subj', '/CN=ec2 identity test']);
  run(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'stranger-key.pem', '-out', 'stranger-cert.pem', '-days', '2', '-subj', '/CN=stranger']);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    pkcs7Cert: read('dsa-cert.pem'),
    identityCert: read('rsa-cert.pem'),
    strangerCert: read('stranger-cert.pem'),
    pkcs7(doc, signer = 'aws') {
      writeFileSync(join(dir, 'doc.json'), JSON.stringify(doc, null, 2));
      const [cert, key] = signer === 'aws' ? ['dsa-cert.pem', 'dsa-key.pem'] : ['stranger-cert.pem', 'stranger-key.pem'];
      const pem = run(dir, ['smime', '-sign', '-nodetach', '-binary', '-nocerts', '-md', 'sha256', '-in', 'doc.json', '-signer', cert, '-inkey', key, '-outform', 'PEM']).toString();
      return pem.replace(/-----(BEGIN|END) PKCS7-----/g, '').trim();
    },
    identity(doc) {
      const text = JSON.stringify(doc, null, 2);
      writeFileSync(join(dir, 'doc.json'), text);
      const sig = run(dir, ['dgst', '-sha256', '-sign', 'rsa-key.pem', 'doc.json']);
      return { identity: Buffer.from(text).toString('base64'), signature: sig.toString('base64') };
    },
  };
}

/** An instance identity document with AWS's field names. */
export function identityDocument(over: Partial<Record<string, string>> = {}): Record<string, unknown> {
  return {
    accountId: '123456789012', architecture: 'x86_64', availabilityZone: 'eu-central-1a', billingProducts: null, devpayProductCodes: null,
    marketplaceProductCodes: null, imageId: 'ami-0abcdef1234567890', instanceId: 'i-0123456789abcdef0', instanceType: 't3.medium',
    kernelId: null, pendingTime: '2026-12-01T08:00:00Z', privateIp: '10.0.1.23', ramdiskId: null, region: 'eu-central-1', version: '2017-09-30',
    ...over,
  };
}
