/**
 * The client side of the iam login, as Vault's CLI and agent build it: a SigV4-signed
 * sts:GetCallerIdentity POST (optionally carrying the server-id header, signed), handed to
 * auth/aws/login as base64 method/URL/body/headers. The request is never sent by the client.
 */
import { signRequest, type Credentials } from './sigv4.js';
import { IAM_SERVER_ID_HEADER } from './sts.js';

export interface IamLoginOptions {
  role?: string;
  /** Value of X-Vault-AWS-IAM-Server-ID the server requires, if any. */
  serverId?: string;
  /** Default https://sts.amazonaws.com/ in us-east-1, as the SDKs use for the global endpoint. */
  stsUrl?: string;
  region?: string;
  date?: Date;
}

export const GET_CALLER_IDENTITY_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

export function iamLoginData(creds: Credentials, opts: IamLoginOptions = {}): Record<string, string> {
  const url = opts.stsUrl ?? 'https://sts.amazonaws.com/';
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' };
  if (opts.serverId) headers[IAM_SERVER_ID_HEADER] = opts.serverId;
  const signed = signRequest({ method: 'POST', url, headers, body: GET_CALLER_IDENTITY_BODY, region: opts.region ?? 'us-east-1', service: 'sts', date: opts.date ?? new Date() }, creds);
  // Go's http.Header shape: each name maps to a list of values.
  const asLists = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k, [v]]));
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const out: Record<string, string> = {
    iam_http_request_method: 'POST',
    iam_request_url: b64(url),
    iam_request_body: b64(GET_CALLER_IDENTITY_BODY),
    iam_request_headers: b64(JSON.stringify(asLists)),
  };
  if (opts.role) out.role = opts.role;
  return out;
}
