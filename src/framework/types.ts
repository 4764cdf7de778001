/**
 * The contract between core and every Backend (secrets engine, auth method, sys).
 * A Backend is a table of Paths; core hands each request, already authenticated and
 * authorized, to the matching Path's handler with the mount-relative path and parsed fields.
 */
import type { TLSSocket } from 'node:tls';

export type Operation = 'read' | 'create' | 'update' | 'delete' | 'list' | 'patch';

/** The logical (already decrypted) storage a Backend sees: its own view, prefixed by mount uuid. */
export interface LogicalStorage {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  /** Several writes applied atomically. */
  transaction(ops: ({ op: 'put'; key: string; value: Uint8Array } | { op: 'delete'; key: string })[]): Promise<void>;
  getJSON<T>(key: string): Promise<T | undefined>;
  putJSON(key: string, value: unknown): Promise<void>;
  /** Every key (recursively) below prefix, relative to the view. */
  listRecursive(prefix: string): Promise<string[]>;
  /** Removes every key below prefix. */
  clear(prefix?: string): Promise<void>;
}

export interface TokenInfo {
  id: string;
  accessor: string;
  policies: string[];
  /** Policies from the entity and its groups, resolved at request time. */
  identityPolicies?: string[];
  path: string;
  meta: Record<string, string> | null;
  displayName: string;
  entityId: string;
  type: 'service' | 'batch';
  ttl: number;
  creationTime: number;
  parent?: string;
  numUses: number;
  orphan: boolean;
}

export interface Request {
  id: string;
  operation: Operation;
  /** Full path below /v1/, e.g. "secret/data/foo". */
  fullPath: string;
  /** Path relative to the mount, e.g. "data/foo". */
  path: string;
  data: Record<string, unknown>;
  /** Query parameters (for GET/LIST/DELETE requests Vault also maps these into data). */
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  clientToken: string;
  token?: TokenInfo;
  mountPoint: string;
  mountType: string;
  mountAccessor: string;
  remoteAddr: string;
  tlsSocket?: TLSSocket;
  wrapTTL?: number;
  /** Set by core when the handler is invoked because of a lease renew or revoke. */
  secret?: LeaseSecret;
  auth?: Auth;
  /** Raw request body, for endpoints that take non-JSON (OCSP). */
  rawBody?: Buffer;
}

/** What a Backend returns when it hands out a leased secret. */
export interface SecretBlock {
  /** Secret type name as declared in the Backend's `secrets`. */
  type: string;
  ttl: number;
  maxTTL?: number;
  renewable: boolean;
  /** Data kept (encrypted) with the lease and handed back to renew/revoke; never returned to clients. */
  internal: Record<string, unknown>;
}

export interface LeaseSecret {
  leaseId: string;
  type: string;
  internal: Record<string, unknown>;
  issueTime: number;
  ttl: number;
  increment?: number;
}

/** Returned by login paths; core turns it into a token. */
export interface Auth {
  policies: string[];
  tokenPolicies?: string[];
  identityPolicies?: string[];
  metadata?: Record<string, string>;
  displayName?: string;
  ttl?: number;
  maxTTL?: number;
  explicitMaxTTL?: number;
  period?: number;
  renewable?: boolean;
  numUses?: number;
  boundCIDRs?: string[];
  tokenType?: 'service' | 'batch' | 'default' | 'default-service' | 'default-batch';
  noDefaultPolicy?: boolean;
  /** The identity alias this login maps to (auth methods). */
  alias?: { name: string; metadata?: Record<string, string> };
  groupAliases?: { name: string }[];
  /** Internal data kept with the token, returned to the Backend on renew. */
  internal?: Record<string, unknown>;
  /** Set by core on the response. */
  clientToken?: string;
  accessor?: string;
  entityId?: string;
  /** Whether the token has no parent (logins always create orphans). */
  orphan?: boolean;
  leaseOptions?: { ttl: number; maxTTL: number; renewable: boolean };
}

export interface RawResponse {
  status: number;
  contentType: string;
  body: Buffer | string;
  headers?: Record<string, string>;
}

export interface Response {
  data?: Record<string, unknown> | null;
  secret?: SecretBlock;
  auth?: Auth;
  warnings?: string[];
  /** A non-JSON reply (PEM, DER, Prometheus text, health bodies with special codes). */
  raw?: RawResponse;
  /** Overrides the HTTP status of a JSON reply (e.g. 204 when nothing to say is implied by no data). */
  status?: number;
  /** Also copy data's keys to the top level of the envelope (Vault does this for older sys endpoints such as sys/mounts). */
  legacyTopLevel?: boolean;
  /** Headers to add (e.g. Retry-After). */
  headers?: Record<string, string>;
  /** Filled by core. */
  leaseId?: string;
  leaseDuration?: number;
  renewable?: boolean;
  wrapInfo?: WrapInfo;
  mountType?: string;
}

export interface WrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}
