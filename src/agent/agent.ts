/**
 * The agent: wires auto-auth, sinks, the template runner (or the process supervisor), the API
 * proxy and the signals together, and decides when to exit — after the first token and render
 * with exit_after_auth, when the supervised child exits, on a fatal error, or on SIGTERM/SIGINT.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { VaultClient, type ClientOptions } from '../api/client.js';
import { clientOptionsFromEnv } from '../api/env.js';
import type { Logger } from '../lib/logger.js';
import { AuthHandler, safeMessage, type TokenInfo } from './auth/handler.js';
import { createAuthMethod } from './auth/methods.js';
import type { AgentConfig } from './config.js';
import { Backoff, abortableSleep } from './lifetime.js';
import { startApiProxy, type ApiProxy } from './proxy.js';
import { TemplateRunner } from './runner.js';
import { FileSink } from './sink.js';
import { ProcessSupervisor } from './supervisor.js';
import { VaultSource } from './vault-source.js';

export interface AgentOptions {
  config: AgentConfig;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Called once listeners are up (tests read the proxy address from here). */
  onListening?: (addresses: string[]) => void;
}

export class Agent {
  private readonly env: NodeJS.ProcessEnv;
  private readonly client: VaultClient;
  private readonly abort = new AbortController();
  private auth: AuthHandler | undefined;
  private runner: TemplateRunner | undefined;
  private supervisor: ProcessSupervisor | undefined;
  private source: VaultSource | undefined;
  private proxies: ApiProxy[] = [];
  private exitCode: number | undefined;
  private finish!: (code: number) => void;
  private readonly done: Promise<number>;
  private restartBackoff: Backoff;

  constructor(private readonly o: AgentOptions) {
    this.env = o.env ?? process.env;
    this.client = new VaultClient(this.clientOptions());
    this.done = new Promise((r) => (this.finish = r));
    const m = o.config.autoAuth?.method;
    this.restartBackoff = new Backoff(m?.minBackoff ?? 1, m?.maxBackoff ?? 300);
  }

  /** Flag > environment > config, as Vault's agent resolves vault{} settings. */
  private clientOptions(extra: Partial<ClientOptions> = {}): ClientOptions {
    const v = this.o.config.vault;
    const fromEnv = clientOptionsFromEnv(this.env, { tokenHelper: false });
    return {
      address: fromEnv.address ?? v.address,
      caCert: fromEnv.caCert ?? v.caCert,
      caPath: fromEnv.caPath ?? v.caPath,
      clientCert: fromEnv.clientCert ?? v.clientCert,
      clientKey: fromEnv.clientKey ?? v.clientKey,
      skipVerify: fromEnv.skipVerify ?? v.tlsSkipVerify,
      tlsServerName: fromEnv.tlsServerName ?? v.tlsServerName,
      namespace: fromEnv.namespace ?? v.namespace,
      // Only keys the caller set: an undefined override must not erase the vault stanza's TLS files.
      ...Object.fromEntries(Object.entries(extra).filter(([, val]) => val !== undefined)),
    };
  }

  get vaultClient(): VaultClient {
    return this.client;
  }

  /** Runs until the agent should exit; resolves with the exit code. */
  async run(): Promise<number> {
    const cfg = this.o.config;
    const log = this.o.logger;
    for (const w of cfg.warnings) log.warn({}, w);
    if (cfg.pidFile) writeFileSync(cfg.pidFile, String(process.pid));
    try {
      const sinks = (cfg.autoAuth?.sinks ?? []).map((s) => new FileSink(s, this.env));
      for (const s of sinks) await s.checkWritable();
      this.setupTemplates();
      for (const l of cfg.listeners) {
        this.proxies.push(await startApiProxy({
          listener: l, client: this.client, logger: log,
          useAutoAuthToken: cfg.apiProxy?.useAutoAuthToken ?? false, cache: Boolean(cfg.cache),
          token: () => this.auth?.token, onInvalidToken: (t) => this.auth?.invalidate(t),
          onQuit: () => this.stop(0),
        }));
      }
      if (this.proxies.length) this.o.onListening?.(this.proxies.map((p) => p.address));
      if (cfg.autoAuth) {
        const method = createAuthMethod(cfg.autoAuth.method);
        const mc = cfg.autoAuth.method.config;
        this.auth = new AuthHandler({
          client: this.client,
          certClient: () => new VaultClient(this.clientOptions({
            clientCert: (mc.client_cert as string) || undefined, clientKey: (mc.client_key as string) || undefined, caCert: (mc.ca_cert as string) || undefined,
          })),
          method, config: cfg.autoAuth.method, logger: log,
          exitAfterAuth: cfg.exitAfterAuth,
          enableReauthOnNewCredentials: cfg.autoAuth.enableReauthOnNewCredentials,
          onToken: (info) => this.onToken(info, sinks),
        });
        void this.auth.run(this.abort.signal).then(
          () => {
            if (cfg.exitAfterAuth && !this.hasTemplates()) this.stop(0);
          },
          (e) => {
            log.error({}, safeMessage(e));
            this.stop(1);
          },
        );
      } else {
        const token = clientOptionsFromEnv(this.env).token;
        if (token) this.startTemplates(token);
        else if (this.hasTemplates()) log.warn({}, 'no auto_auth configured and no VAULT_TOKEN set: templates cannot fetch secrets');
      }
      return await this.done;
    } finally {
      await this.shutdown();
    }
  }

  private hasTemplates(): boolean {
    return this.o.config.templates.length > 0 || this.o.config.envTemplates.length > 0;
  }

  private async onToken(info: TokenInfo, sinks: FileSink[]): Promise<void> {
    for (const s of sinks) {
      await s.write(await s.contents(info.token, info.wrapInfoJSON, (t, ttl) => this.wrapForSink(t, ttl)));
      this.o.logger.info({ path: s.path }, 'sink: token written');
    }
    if (!info.wrapInfoJSON) this.startTemplates(info.token);
  }

  /** A sink's wrap_ttl: the token wraps itself, so the sink gets a single-use wrapping token. */
  private async wrapForSink(token: string, ttl: number): Promise<string> {
    const res = await this.client.request('PUT', 'sys/wrapping/wrap', { token, wrapTTL: `${ttl}s`, body: { token } });
    if (res.status >= 400) throw new Error(`error wrapping token, not writing out to sink: ${res.status}`);
    const w = res.body?.wrap_info;
    if (!w?.token) throw new Error('nil wrap info returned, not writing out to sink');
    return JSON.stringify(w);
  }

  private setupTemplates(): void {
    const cfg = this.o.config;
    if (!this.hasTemplates()) return;
    const log = this.o.logger;
    this.source = new VaultSource({
      client: this.client,
      logger: log,
      staticSecretRenderInterval: cfg.templateConfig.staticSecretRenderInterval,
      leaseRenewalThreshold: cfg.templateConfig.leaseRenewalThreshold,
      numRetries: cfg.vault.numRetries,
      onChange: (id) => this.runner?.dependencyChanged(id),
      onError: (e) => this.runnerFailed(e),
      // With exit_after_auth nobody will log in again: a rejected token ends the run.
      onInvalidToken: (t) => (cfg.exitAfterAuth ? this.runnerFailed(new Error('permission denied')) : this.auth?.invalidate(t)),
    });
    const env = cfg.envTemplates;
    if (env.length > 0 && cfg.exec) {
      this.supervisor = new ProcessSupervisor({ exec: cfg.exec, names: env.map((e) => e.name), logger: log, env: this.env, onExit: (code) => this.stop(code) });
    }
    this.runner = new TemplateRunner({
      templates: env.length > 0 ? env : cfg.templates,
      source: this.source,
      logger: log,
      processEnv: this.env,
      onRendered: (i, contents) => {
        if (this.supervisor) void this.supervisor.update(env[i]!.name, contents);
      },
      onAllRendered: () => {
        this.restartBackoff.reset();
        if (cfg.exitAfterAuth) this.stop(0);
      },
      onFatal: (e) => this.runnerFailed(e),
    });
  }

  private startTemplates(token: string): void {
    if (!this.runner || !this.source) return;
    // A new token restarts the runner: every dependency is fetched again with it.
    this.source.setToken(token);
    this.runner.start();
  }

  /** Bao's behaviour: back off and restart the runner, unless exit_on_retry_failure says exit. */
  private runnerFailed(e: Error): void {
    const cfg = this.o.config;
    if (cfg.templateConfig.exitOnRetryFailure || cfg.exitAfterAuth) {
      this.o.logger.error({}, `template server: ${e.message}`);
      this.stop(1);
      return;
    }
    const delay = this.restartBackoff.next();
    this.o.logger.warn({ backoff_ms: Math.round(delay) }, `template server: restarting after error: ${e.message}`);
    this.runner?.stop();
    void abortableSleep(delay, this.abort.signal).then(() => {
      if (this.abort.signal.aborted || !this.source) return;
      this.source.reset();
      this.runner?.start();
    });
  }

  /** SIGHUP: re-read nothing secret; log and re-render so changed files on disk are restored. */
  reload(): void {
    this.o.logger.info({}, 'reloading: re-rendering templates');
    this.source?.reset();
    this.runner?.start();
  }

  stop(code: number): void {
    if (this.exitCode !== undefined) return;
    this.exitCode = code;
    this.finish(code);
  }

  private async shutdown(): Promise<void> {
    this.abort.abort();
    this.runner?.stop();
    this.source?.stop();
    await this.supervisor?.close();
    for (const p of this.proxies) await p.close();
    if (this.o.config.revokeOnShutdown && this.auth?.token) {
      try {
        await this.auth.revoke();
        this.o.logger.info({}, 'auth: revoked the agent token on shutdown');
      } catch (e) {
        this.o.logger.error({}, `auth: revoking the token failed: ${safeMessage(e)}`);
      }
    }
    if (this.o.config.pidFile) rmSync(this.o.config.pidFile, { force: true });
    this.client.close();
  }
}
