/**
 * The seams between the request pipeline and the core services that later capabilities
 * fill in (ACL policies, identity, leases, audit, wrapping). The pipeline only talks to
 * these interfaces; each service registers itself on the Core by name.
 */
import type { Request, Response } from '../framework/types.js';
import type { RouteEntry } from './mounts/router.js';
import type { TokenEntry } from './tokens/token-entry.js';

export interface AuthzInput {
  req: Request;
  token: TokenEntry;
  route: RouteEntry;
  /** The path needs `sudo` (a root path of the Backend). */
  needsSudo: boolean;
}

export interface AuthzResult {
  allowed: boolean;
  /** Capabilities on the path, for sys/capabilities and UI listings. */
  capabilities?: string[];
  reason?: string;
}

/** Decides whether a (non-root) token may perform the request. Absent → only root passes. */
export interface Authorizer {
  authorize(input: AuthzInput): Promise<AuthzResult>;
  /** Policies effective for the token (own + entity + groups) for lookup-self and audit. */
  identityPolicies?(token: TokenEntry): Promise<string[]>;
}

/** Registers leases for secrets handed out and ties them to tokens. Absent → no leases persisted. */
export interface LeaseService {
  registerSecret(req: Request, resp: Response, route: RouteEntry): Promise<void>;
  registerAuth(req: Request, resp: Response, token: TokenEntry, route: RouteEntry): Promise<void>;
  revokeByToken(token: TokenEntry): Promise<void>;
  /** A token renewed through auth/token/renew*: its lease follows the new expiry. */
  syncTokenLease?(token: TokenEntry): Promise<void>;
  restore?(): Promise<void>;
  stop?(): Promise<void>;
}

/** Records every request and response. Throwing from logRequest fails the request (Vault's rule). */
export interface AuditService {
  logRequest(req: Request, token: TokenEntry | undefined, error?: Error): Promise<void>;
  logResponse(req: Request, token: TokenEntry | undefined, resp: Response | null, error?: Error): Promise<void>;
}

/** Rate-limit and lease-count quotas, checked once the mount is known. */
export interface QuotaService {
  /** Throws the 429 (with Retry-After) or returns headers to add to the response. */
  check(req: Request, route: RouteEntry): Promise<Record<string, string> | undefined>;
}

/** Request metrics and the in-flight table: begin returns the function that ends the request. */
export interface RequestObserver {
  begin(req: Request): (resp: Response | null, error?: unknown) => void;
}

/** Response wrapping (X-Vault-Wrap-TTL). */
export interface WrappingService {
  wrap(req: Request, resp: Response, ttl: number): Promise<Response>;
}

/** Maps a login's alias to an entity (created on first login). */
export interface IdentityService {
  entityForLogin(req: Request, route: RouteEntry, alias: { name: string; metadata?: Record<string, string> }, groupAliases?: { name: string }[]): Promise<{ entityId: string; policies: string[] } | undefined>;
}

export interface CoreServices {
  authorizer?: Authorizer;
  leases?: LeaseService;
  audit?: AuditService;
  wrapping?: WrappingService;
  identity?: IdentityService;
  quotas?: QuotaService;
  observer?: RequestObserver;
}
