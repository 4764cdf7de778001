/**
 * The auto-auth loop: log in (backing off with jitter on failure), hand the token to the sinks
 * and the template runner, keep it alive with renew-self on the LifetimeWatcher schedule, and log
 * in again when it can no longer be renewed, when the server says it is invalid (a 403 seen by
 * the template runner or the proxy), or when new credentials appear on disk.
 */
import { statSync } from 'node:fs';
import { ApiError, VaultClient, toApiError } from '../../api/client.js';
import type { Logger } from '../../lib/logger.js';
import type { MethodConfig } from '../config.js';
import { Backoff, abortableSleep, watchLifetime, type LeaseState } from '../lifetime.js';
import type { AuthMethod } from './methods.js';

export interface TokenInfo {
  token: string;
  accessor: string;
  leaseDuration: number;
  renewable: boolean;
  /** Set when the method wraps its login response: this JSON goes to the sink instead of a token. */
  wrapInfoJSON?: string;
}

export interface AuthHandlerOptions {
  client: VaultClient;
  /** A client presenting the TLS client certificate, for the cert method. */
  certClient?: () => VaultClient;
  method: AuthMethod;
  config: MethodConfig;
  logger: Logger;
  /** Called with every new token; the handler waits for it before renewing. */
  onToken: (info: TokenInfo) => Promise<void>;
  /** Stop after the first token has been delivered (exit_after_auth). */
  exitAfterAuth?: boolean;
  enableReauthOnNewCredentials?: boolean;
  random?: () => number;
}

export class AuthError extends Error {}

export class AuthHandler {
  private cycle = new AbortController();
  private current: TokenInfo | undefined;

  constructor(private readonly o: AuthHandlerOptions) {}

  get token(): string | undefined {
    return this.current?.token;
  }

  /** Drops the current token and logs in again now (e.g. the server answered 403 for it). */
  invalidate(token?: string): void {
    if (token !== undefined && token !== this.current?.token) return; // already replaced
    this.o.logger.info({ method: this.o.config.type }, 'auth: token rejected by the server, re-authenticating');
    this.cycle.abort();
  }

  /** Runs until `signal` aborts (or, with exitAfterAuth, until the first token is delivered). */
  async run(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.o.config.minBackoff, this.o.config.maxBackoff, this.o.random);
    while (!signal.aborted) {
      let info: TokenInfo;
      try {
        info = await this.login();
        backoff.reset();
      } catch (e) {
        if (this.o.config.exitOnErr) throw new AuthError(`auth: error authenticating: ${(e as Error).message}`);
        const delay = backoff.next();
        this.o.logger.error({ method: this.o.config.type, backoff_ms: Math.round(delay) }, `auth: error authenticating: ${safeMessage(e)}`);
        await abortableSleep(delay, signal);
        continue;
      }
      this.current = info;
      this.cycle = new AbortController();
      const onAbort = () => this.cycle.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await this.o.onToken(info);
        if (this.o.exitAfterAuth) return;
        await this.keepAlive(info, this.cycle.signal);
      } catch (e) {
        this.o.logger.error({ method: this.o.config.type }, `auth: ${safeMessage(e)}`);
        await abortableSleep(backoff.next(), signal);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    }
  }

  /** Revokes the current token (revoke_on_shutdown). */
  async revoke(): Promise<void> {
    const t = this.current?.token;
    if (!t || this.current?.wrapInfoJSON) return;
    const res = await this.o.client.request('PUT', 'auth/token/revoke-self', { token: t });
    if (res.status >= 400) throw toApiError(res);
  }

  private async login(): Promise<TokenInfo> {
    const creds = await this.o.method.credentials(this.o.client);
    if (creds.kind === 'token') {
      const res = await this.o.client.request('GET', 'auth/token/lookup-self', { token: creds.token });
      if (res.status !== 200) throw toApiError(res);
      const d = res.body?.data ?? {};
      return { token: creds.token, accessor: d.accessor ?? '', leaseDuration: Number(d.ttl ?? 0), renewable: Boolean(d.renewable) };
    }
    const client = creds.viaClientCert && this.o.certClient ? this.o.certClient() : this.o.client;
    const wrap = this.o.config.wrapTTL ? `${this.o.config.wrapTTL}s` : null;
    // The method's namespace applies to the login only (Vault's auto_auth.method.namespace).
    const headers = this.o.config.namespace ? { 'X-Vault-Namespace': this.o.config.namespace } : undefined;
    const res = await client.request('PUT', creds.path, { body: creds.body, token: null, wrapTTL: wrap, headers });
    if (res.status >= 400) throw toApiError(res);
    if (wrap) {
      const w = res.body?.wrap_info;
      if (!w?.token) throw new AuthError('login response was not wrapped');
      return { token: w.token, accessor: w.accessor ?? '', leaseDuration: Number(w.ttl ?? 0), renewable: false, wrapInfoJSON: JSON.stringify(w) };
    }
    const auth = res.body?.auth;
    if (!auth?.client_token) throw new AuthError('login response did not include a client token');
    return { token: auth.client_token, accessor: auth.accessor ?? '', leaseDuration: Number(auth.lease_duration ?? 0), renewable: Boolean(auth.renewable) };
  }

  /** Renews until the token's life is over, or the cycle is aborted; then returns to log in again. */
  private async keepAlive(info: TokenInfo, signal: AbortSignal): Promise<void> {
    if (this.o.enableReauthOnNewCredentials) void this.watchCredentials(signal);
    if (info.wrapInfoJSON || info.leaseDuration === 0) {
      // A wrapped response is not ours to renew; a token without TTL never expires.
      await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
      return;
    }
    const result = await watchLifetime({
      initial: { leaseDuration: info.leaseDuration, renewable: info.renewable },
      increment: info.leaseDuration,
      signal,
      random: this.o.random,
      renew: async (): Promise<LeaseState> => {
        const res = await this.o.client.request('PUT', 'auth/token/renew-self', { token: info.token, body: { increment: info.leaseDuration } });
        if (res.status !== 200) throw toApiError(res);
        const a = res.body?.auth ?? {};
        return { leaseDuration: Number(a.lease_duration ?? 0), renewable: Boolean(a.renewable) };
      },
      onRenewed: (s) => this.o.logger.debug({ ttl: s.leaseDuration }, 'auth: renewed auth token'),
    });
    if (result.reason === 'error') this.o.logger.warn({}, `auth: renewal failed until the token expired: ${safeMessage(result.error)}`);
    else if (result.reason === 'done') this.o.logger.info({}, 'auth: token can no longer be renewed, re-authenticating');
  }

  /** Polls the credential file; a change aborts the cycle so the next login uses it. */
  private async watchCredentials(signal: AbortSignal): Promise<void> {
    const file = this.o.method.credentialFile;
    if (!file) return;
    const stamp = () => {
      try {
        const s = statSync(file);
        return `${s.mtimeMs}:${s.size}`;
      } catch {
        return 'missing';
      }
    };
    const first = stamp();
    while (!signal.aborted) {
      await abortableSleep(500, signal);
      const now = stamp();
      if (now !== first && now !== 'missing') {
        this.o.logger.info({ file }, 'auth: new credentials found, re-authenticating');
        this.cycle.abort();
        return;
      }
    }
  }
}

/** Error text without anything secret: API errors carry only the server's messages. */
export function safeMessage(e: unknown): string {
  if (e instanceof ApiError) return `${e.status}: ${e.errors.join('; ')}`;
  return e instanceof Error ? e.message : String(e);
}
