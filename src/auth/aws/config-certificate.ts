/**
 * auth/<mount>/config/certificate/:cert_name: the public certificates that verify EC2 instance
 * identity documents, `pkcs7` (the PKCS#7 signed document; AWS's DSA certificate or its
 * per-region RSA certificates for the rsa2048 document) or `identity` (the base64 SHA256-RSA
 * `signature` of the plain document). Coffer ships no AWS certificate built in: the operator
 * registers the one for the region from AWS's documentation (docs/aws-auth.md).
 */
import { X509Certificate } from 'node:crypto';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { LogicalStorage, Request } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';

export const CERT_TYPES = ['pkcs7', 'identity'] as const;
export type CertType = (typeof CERT_TYPES)[number];

interface CertEntry { aws_public_cert: string; type: CertType }

const PREFIX = 'config/certificate/';

/** Exactly one PEM certificate block, as Vault requires. */
export function parseOnePem(text: string): X509Certificate {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const rest = text.replace(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g, '').trim();
  if (blocks.length !== 1 || rest) throw new Error('invalid certificate; should be one PEM block only');
  return new X509Certificate(blocks[0]!);
}

/** The registered certificates of one type, parsed. */
export async function registeredCertificates(storage: LogicalStorage, type: CertType): Promise<X509Certificate[]> {
  const out: X509Certificate[] = [];
  for (const name of await storage.list(PREFIX)) {
    const e = await storage.getJSON<CertEntry>(PREFIX + name);
    if (e && e.type === type) out.push(parseOnePem(e.aws_public_cert));
  }
  return out;
}

export function configCertificatePaths(storage: LogicalStorage): PathDef[] {
  const write = async (req: Request, d: FieldData) => {
    const name = d.str('cert_name');
    if (!name) throw badRequest('missing certificate name');
    const entry: Partial<CertEntry> = (await storage.getJSON<CertEntry>(PREFIX + name)) ?? {};
    if (d.has('type')) entry.type = d.str('type').toLowerCase() as CertType;
    else if (req.operation === 'create' || !entry.type) entry.type = 'pkcs7';
    if (!(CERT_TYPES as readonly string[]).includes(entry.type!)) throw badRequest(`invalid certificate type "${entry.type}"`);
    if (!d.has('aws_public_cert')) throw badRequest('missing aws_public_cert');
    const given = d.str('aws_public_cert');
    // Vault accepts the PEM itself or its base64 encoding, and stores (and reads back) it as given.
    const decoded = /^[A-Za-z0-9+/=\s]+$/.test(given) ? Buffer.from(given, 'base64').toString('utf8') : '';
    entry.aws_public_cert = decoded.includes('-----BEGIN') ? decoded : given;
    if (!entry.aws_public_cert) throw badRequest('invalid aws_public_cert');
    try {
      parseOnePem(entry.aws_public_cert);
    } catch {
      throw badRequest('invalid certificate; failed to decode and parse certificate');
    }
    await storage.putJSON(PREFIX + name, entry);
    return null;
  };
  return [
    {
      pattern: 'config/certificates',
      synopsis: 'Lists all the AWS public certificates that are registered with the backend.',
      operations: { list: async () => ({ data: { keys: (await storage.list(PREFIX)).sort() } }) },
    },
    {
      pattern: 'config/certificate/:cert_name',
      fields: {
        cert_name: { type: 'string', description: 'Name of the certificate.' },
        aws_public_cert: { type: 'string', description: 'Base64 encoded AWS Public cert required to verify PKCS7 signature of the EC2 instance metadata.' },
        type: { type: 'string', default: 'pkcs7', description: 'Takes the value of either "pkcs7" or "identity", indicating the type of document which can be verified using the given certificate.' },
      },
      synopsis: 'Adds the AWS Public Key that is used to verify the PKCS#7 signature of the identity document.',
      existenceCheck: async (_r, d) => (await storage.getJSON(PREFIX + d.str('cert_name'))) !== undefined,
      operations: {
        read: async (_r, d) => {
          const e = await storage.getJSON<CertEntry>(PREFIX + d.str('cert_name'));
          return e ? { data: { aws_public_cert: e.aws_public_cert, type: e.type } } : null;
        },
        create: write,
        update: write,
        delete: async (_r, d) => {
          await storage.delete(PREFIX + d.str('cert_name'));
          return null;
        },
      },
    },
  ];
}
