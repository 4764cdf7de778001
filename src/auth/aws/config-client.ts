/**
 * auth/<mount>/config/client: the AWS credentials and endpoints the method uses. The iam login
 * forwards the client's signed GetCallerIdentity request to `sts_endpoint` (default
 * https://sts.amazonaws.com); `iam_server_id_header_value`, when set, must be in that request as
 * a signed X-Vault-AWS-IAM-Server-ID header. The secret key is stored (encrypted by the barrier)
 * and never returned.
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { LogicalStorage, Request } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';

export const DEFAULT_STS_ENDPOINT = 'https://sts.amazonaws.com';

/** X-Amz-* headers every signed request may carry; others need allowed_sts_header_values. */
export const DEFAULT_ALLOWED_STS_HEADERS = [
  'X-Amz-Algorithm', 'X-Amz-Content-Sha256', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Security-Token', 'X-Amz-Signature', 'X-Amz-SignedHeaders',
];

export interface ClientConfig {
  access_key: string;
  secret_key: string;
  endpoint: string;
  iam_endpoint: string;
  sts_endpoint: string;
  sts_region: string;
  iam_server_id_header_value: string;
  allowed_sts_header_values: string[];
  max_retries: number;
}

const KEY = 'config/client';

export const readClientConfig = (storage: LogicalStorage) => storage.getJSON<ClientConfig>(KEY);

/** Go's textproto.CanonicalMIMEHeaderKey: x-amz-foo → X-Amz-Foo. */
export function canonicalHeaderKey(k: string): string {
  return k.split('-').map((w) => (w ? w[0]!.toUpperCase() + w.slice(1).toLowerCase() : w)).join('-');
}

function checkURL(field: string, value: string): void {
  if (!value) return;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw badRequest(`invalid ${field} "${value}": not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw badRequest(`invalid ${field} "${value}": scheme must be https or http`);
}

const STRING_FIELDS = ['access_key', 'secret_key', 'endpoint', 'iam_endpoint', 'sts_endpoint', 'sts_region', 'iam_server_id_header_value'] as const;

export function configClientPath(storage: LogicalStorage): PathDef {
  const write = async (_req: Request, d: FieldData) => {
    const current: ClientConfig = (await readClientConfig(storage)) ?? {
      access_key: '', secret_key: '', endpoint: '', iam_endpoint: '', sts_endpoint: '', sts_region: '',
      iam_server_id_header_value: '', allowed_sts_header_values: [], max_retries: -1,
    };
    for (const f of STRING_FIELDS) if (d.has(f)) current[f] = d.str(f).trim();
    if (d.has('allowed_sts_header_values')) current.allowed_sts_header_values = d.list('allowed_sts_header_values').map(canonicalHeaderKey);
    if (d.has('max_retries')) current.max_retries = d.int('max_retries');
    if (current.max_retries < -1) throw badRequest('max_retries must be -1 (the service default) or more');
    for (const f of ['endpoint', 'iam_endpoint', 'sts_endpoint'] as const) checkURL(f, current[f]);
    await storage.putJSON(KEY, current);
    return null;
  };
  return {
    pattern: 'config/client',
    fields: {
      access_key: { type: 'string', default: '', description: 'AWS Access Key ID for the account used to make AWS API requests.' },
      secret_key: { type: 'string', default: '', sensitive: true, description: 'AWS Secret Access Key for the account used to make AWS API requests.' },
      endpoint: { type: 'string', default: '', description: 'URL to override the default generated endpoint for making AWS EC2 API calls.' },
      iam_endpoint: { type: 'string', default: '', description: 'URL to override the default generated endpoint for making AWS IAM API calls.' },
      sts_endpoint: { type: 'string', default: '', description: 'URL to override the default generated endpoint for making AWS STS API calls.' },
      sts_region: { type: 'string', default: '', description: 'The region ID for the sts_endpoint, if set.' },
      iam_server_id_header_value: { type: 'string', default: '', description: 'Value to require in the X-Vault-AWS-IAM-Server-ID request header' },
      allowed_sts_header_values: { type: 'strings', description: 'List of additional headers that are allowed to be in AWS STS request headers' },
      max_retries: { type: 'int', default: -1, description: 'Maximum number of retries for recoverable exceptions of AWS APIs' },
    },
    synopsis: 'Configure AWS IAM credentials that are used to query instance and role details from the AWS API.',
    existenceCheck: async () => (await readClientConfig(storage)) !== undefined,
    operations: {
      read: async () => {
        const c = await readClientConfig(storage);
        if (!c) return null;
        return {
          data: {
            access_key: c.access_key, endpoint: c.endpoint, iam_endpoint: c.iam_endpoint, sts_endpoint: c.sts_endpoint,
            sts_region: c.sts_region, iam_server_id_header_value: c.iam_server_id_header_value, max_retries: c.max_retries,
            allowed_sts_header_values: c.allowed_sts_header_values,
          },
        };
      },
      create: write,
      update: write,
      delete: async () => {
        await storage.delete(KEY);
        return null;
      },
    },
  };
}
