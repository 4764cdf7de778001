/**
 * The Vault data functions (secret, secrets, pkiCert) over an injected data source, and the Go
 * structs consul-template hands to templates: *dependency.Secret (.Data, .LeaseDuration, .Auth…)
 * and dependency.PemEncoded (.Cert, .Key, .CA, .CAChain, and .Data for the same).
 */
import { goFunc, type GoFunc } from '../types.js';
import { GoStruct, JsonNumber, isMap, stringSlice } from '../values.js';
import { fromJS } from '../json.js';

/** Vault's response envelope as the HTTP API returns it. */
export interface VaultSecretResponse {
  request_id?: string;
  lease_id?: string;
  lease_duration?: number | JsonNumber;
  renewable?: boolean;
  data?: Record<string, unknown> | null;
  warnings?: string[] | null;
  auth?: {
    client_token?: string;
    accessor?: string;
    policies?: string[] | null;
    metadata?: Record<string, string> | null;
    lease_duration?: number | JsonNumber;
    renewable?: boolean;
  } | null;
  wrap_info?: { token?: string; ttl?: number | JsonNumber; creation_time?: string; wrapped_accessor?: string } | null;
}

export interface PkiCertResponse {
  cert: string;
  key: string;
  ca: string;
  caChain: string[];
}

/**
 * Where templates get Vault data. The agent's implementation caches, shims KV v2 paths and
 * schedules renewals; tests pass a map.
 */
export interface TemplateDataSource {
  /** A read when `data` is undefined (no k=v arguments), a write otherwise. */
  secret(path: string, data: Record<string, string> | undefined): Promise<VaultSecretResponse>;
  /** The sorted keys under a path. */
  list(path: string): Promise<string[]>;
  /** A certificate from a PKI issue path, reusing the one in `destination` while it is good. */
  pkiCert(path: string, data: Record<string, string>, destination: string | undefined): Promise<PkiCertResponse>;
}

const toInt = (v: unknown): number => (v instanceof JsonNumber ? Number(v.text) : typeof v === 'number' ? v : 0);

export class SecretAuthValue extends GoStruct {
  readonly goType = 'dependency.SecretAuth';
  readonly goFields = ['ClientToken', 'Accessor', 'Policies', 'Metadata', 'LeaseDuration', 'Renewable'] as const;
  ClientToken: string;
  Accessor: string;
  Policies: string[];
  Metadata: Record<string, string>;
  LeaseDuration: number;
  Renewable: boolean;
  constructor(a: NonNullable<VaultSecretResponse['auth']>) {
    super();
    this.ClientToken = a.client_token ?? '';
    this.Accessor = a.accessor ?? '';
    this.Policies = stringSlice([...(a.policies ?? [])]);
    this.Metadata = { ...(a.metadata ?? {}) };
    this.LeaseDuration = toInt(a.lease_duration);
    this.Renewable = a.renewable ?? false;
  }
}

export class SecretWrapInfoValue extends GoStruct {
  readonly goType = 'dependency.SecretWrapInfo';
  readonly goFields = ['Token', 'TTL', 'CreationTime', 'WrappedAccessor'] as const;
  Token: string;
  TTL: number;
  CreationTime: string;
  WrappedAccessor: string;
  constructor(w: NonNullable<VaultSecretResponse['wrap_info']>) {
    super();
    this.Token = w.token ?? '';
    this.TTL = toInt(w.ttl);
    this.CreationTime = w.creation_time ?? '';
    this.WrappedAccessor = w.wrapped_accessor ?? '';
  }
}

/** consul-template's *dependency.Secret. Numbers inside Data stay json.Number. */
export class SecretValue extends GoStruct {
  readonly goType = 'dependency.Secret';
  readonly goFields = ['RequestID', 'LeaseID', 'LeaseDuration', 'Renewable', 'Data', 'Warnings', 'Auth', 'WrapInfo'] as const;
  RequestID: string;
  LeaseID: string;
  LeaseDuration: number;
  Renewable: boolean;
  Data: Record<string, unknown>;
  Warnings: string[];
  Auth: SecretAuthValue | null;
  WrapInfo: SecretWrapInfoValue | null;
  constructor(r: VaultSecretResponse) {
    super();
    this.RequestID = r.request_id ?? '';
    this.LeaseID = r.lease_id ?? '';
    this.LeaseDuration = toInt(r.lease_duration);
    this.Renewable = r.renewable ?? false;
    const data = fromJS(r.data ?? {});
    this.Data = isMap(data) ? data : {};
    this.Warnings = stringSlice([...(r.warnings ?? [])]);
    this.Auth = r.auth ? new SecretAuthValue(r.auth) : null;
    this.WrapInfo = r.wrap_info ? new SecretWrapInfoValue(r.wrap_info) : null;
  }
}

/** dependency.PemEncoded: a value (not a pointer), with a Data() method returning itself. */
export class PemEncodedValue extends GoStruct {
  readonly goType = 'dependency.PemEncoded';
  readonly goFields = ['Cert', 'Key', 'CA', 'CAChain'] as const;
  override readonly goPointer = false;
  Cert: string;
  Key: string;
  CA: string;
  CAChain: string[];
  constructor(p: PkiCertResponse) {
    super();
    this.Cert = p.cert;
    this.Key = p.key;
    this.CA = p.ca;
    this.CAChain = stringSlice([...p.caChain]);
  }
  override goMethod(name: string): ((...args: unknown[]) => unknown) | undefined {
    return name === 'Data' ? () => this : undefined;
  }
}

/** consul-template's "k=v" arguments: split at the first "=", both sides trimmed. */
export function parseKVArgs(args: string[]): Record<string, string> {
  const data: Record<string, string> = {};
  for (const s of args) {
    if (s.length === 0) continue;
    const i = s.indexOf('=');
    if (i < 0) throw new Error(`not k=v pair "${s}"`);
    data[s.slice(0, i).trim()] = s.slice(i + 1).trim();
  }
  return data;
}

const secretValues = new WeakMap<VaultSecretResponse, SecretValue>();

export function vaultFuncs(source: TemplateDataSource | undefined, destination: string | undefined): Record<string, GoFunc> {
  const need = (name: string): TemplateDataSource => {
    if (!source) throw new Error(`${name}: no Vault connection is configured`);
    return source;
  };
  return {
    secret: goFunc([], async (...s: string[]) => {
      if (s.length === 0) return null;
      const [path, ...rest] = s;
      const data = parseKVArgs(rest);
      const resp = await need('secret').secret(path!, rest.length === 0 ? undefined : data);
      // A cached response is shared by every render: convert it to Go values once.
      let v = secretValues.get(resp);
      if (!v) secretValues.set(resp, (v = new SecretValue(resp)));
      return v;
    }, 'string'),
    secrets: goFunc(['string'], async (path: string) => {
      if (path.length === 0) return stringSlice([]);
      return stringSlice([...(await need('secrets').list(path))]);
    }),
    pkiCert: goFunc([], async (...s: string[]) => {
      if (s.length === 0) return null;
      const [path, ...rest] = s;
      return new PemEncodedValue(await need('pkiCert').pkiCert(path!, parseKVArgs(rest), destination));
    }, 'string'),
  };
}
