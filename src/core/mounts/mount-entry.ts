/** A mount table entry as persisted (Vault's MountEntry, snake_case as in sys/mounts). */
export interface MountEntry {
  path: string; // always ends with "/", relative to the table ("secret/", or "kubernetes/" under auth/)
  type: string;
  description: string;
  uuid: string;
  accessor: string;
  config: MountConfig;
  options: Record<string, string>;
  local: boolean;
  seal_wrap: boolean;
  external_entropy_access: boolean;
  plugin_version: string;
  running_plugin_version?: string;
  /** Epoch ms: tie-breaker and audit info. */
  created_at?: number;
}

export interface MountConfig {
  default_lease_ttl: number;
  max_lease_ttl: number;
  force_no_cache: boolean;
  audit_non_hmac_request_keys?: string[];
  audit_non_hmac_response_keys?: string[];
  listing_visibility?: string;
  passthrough_request_headers?: string[];
  allowed_response_headers?: string[];
  token_type?: string;
}

export type TableName = 'mounts' | 'auth';

/** Vault's prefix for accessors: `kv_1a2b3c4d`, `auth_userpass_…`. */
export function accessorPrefix(table: TableName, type: string): string {
  return table === 'auth' ? `auth_${type}` : type;
}

export function normalizeMountPath(p: string): string {
  let s = p.trim().replace(/^\/+/, '');
  if (s && !s.endsWith('/')) s += '/';
  return s;
}
