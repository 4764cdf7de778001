/**
 * `coffer k8s injector`: runs the agent injector webhook until SIGINT/SIGTERM. Flags are
 * vault-k8s's `agent-inject` flags; each can also come from its AGENT_INJECT_* variable (a flag on
 * the command line wins over the variable).
 */
import { createLogger, type Logger } from '../../lib/logger.js';
import { parseFlags, renderFlagHelp, UsageError, wantsHelp, type FlagSpec } from '../../cli/flags.js';
import { DEFAULTS, defaultSettings, type InjectorSettings } from './annotations.js';
import { startInjectorServer } from './server.js';

const E = 'AGENT_INJECT_';
const FLAGS: FlagSpec[] = [
  { name: 'listen', kind: 'string', default: ':8080', env: `${E}LISTEN`, usage: 'Address to bind the webhook listener to.' },
  { name: 'log-level', kind: 'string', default: 'info', env: `${E}LOG_LEVEL`, usage: 'Log verbosity: trace, debug, info, warn, err.' },
  { name: 'log-format', kind: 'string', default: 'standard', env: `${E}LOG_FORMAT`, usage: 'Accepted for compatibility; logs are JSON lines.' },
  { name: 'tls-cert-file', kind: 'string', default: '', env: `${E}TLS_CERT_FILE`, usage: 'PEM-encoded TLS certificate to serve. Required.' },
  { name: 'tls-key-file', kind: 'string', default: '', env: `${E}TLS_KEY_FILE`, usage: 'PEM-encoded TLS private key to serve. Required.' },
  { name: 'vault-address', kind: 'string', default: '', env: `${E}VAULT_ADDR`, usage: 'Address of the Coffer (Vault) server the agents talk to. Required.' },
  { name: 'vault-image', kind: 'string', default: DEFAULTS.image, env: `${E}VAULT_IMAGE`, usage: `Image of the injected agent containers; it must have /bin/sh, base64 and coffer on PATH (default "${DEFAULTS.image}").` },
  { name: 'vault-auth-type', kind: 'string', default: DEFAULTS.authType, env: `${E}VAULT_AUTH_TYPE`, usage: 'Auto-auth method of the agents.' },
  { name: 'vault-auth-path', kind: 'string', default: DEFAULTS.authPath, env: `${E}VAULT_AUTH_PATH`, usage: 'Mount path of the auth method.' },
  { name: 'vault-namespace', kind: 'string', default: '', env: `${E}VAULT_NAMESPACE`, usage: 'Vault namespace the agents log in to.' },
  { name: 'proxy-address', kind: 'string', default: '', env: `${E}PROXY_ADDR`, usage: 'HTTPS proxy the agents use to reach the server.' },
  { name: 'run-as-user', kind: 'string', default: DEFAULTS.runAsUser, env: `${E}RUN_AS_USER`, usage: 'User id of the agent containers.' },
  { name: 'run-as-group', kind: 'string', default: DEFAULTS.runAsGroup, env: `${E}RUN_AS_GROUP`, usage: 'Group id of the agent containers.' },
  { name: 'run-as-same-user', kind: 'bool', default: false, env: `${E}RUN_AS_SAME_USER`, usage: 'Run the agents as the first app container\'s runAsUser.' },
  { name: 'set-security-context', kind: 'bool', default: true, env: `${E}SET_SECURITY_CONTEXT`, usage: 'Set a restrictive securityContext on the agent containers.' },
  { name: 'default-template', kind: 'string', default: DEFAULTS.defaultTemplate, env: `${E}DEFAULT_TEMPLATE`, usage: 'Default template type: map or json.' },
  { name: 'cpu-request', kind: 'string', default: DEFAULTS.cpuRequest, env: `${E}CPU_REQUEST`, usage: 'CPU request of the agent containers.' },
  { name: 'memory-request', kind: 'string', default: DEFAULTS.memRequest, env: `${E}MEM_REQUEST`, usage: 'Memory request of the agent containers.' },
  { name: 'ephemeral-storage-request', kind: 'string', default: '', env: `${E}EPHEMERAL_REQUEST`, usage: 'Ephemeral storage request (unset by default).' },
  { name: 'cpu-limit', kind: 'string', default: DEFAULTS.cpuLimit, env: `${E}CPU_LIMIT`, usage: 'CPU limit of the agent containers.' },
  { name: 'memory-limit', kind: 'string', default: DEFAULTS.memLimit, env: `${E}MEM_LIMIT`, usage: 'Memory limit of the agent containers.' },
  { name: 'ephemeral-storage-limit', kind: 'string', default: '', env: `${E}EPHEMERAL_LIMIT`, usage: 'Ephemeral storage limit (unset by default).' },
  { name: 'template-config-exit-on-retry-failure', kind: 'bool', default: true, env: `${E}TEMPLATE_CONFIG_EXIT_ON_RETRY_FAILURE`, usage: 'template_config.exit_on_retry_failure of the agents.' },
  { name: 'template-static-secret-render-interval', kind: 'string', default: '', env: `${E}TEMPLATE_STATIC_SECRET_RENDER_INTERVAL`, usage: 'template_config.static_secret_render_interval of the agents.' },
  { name: 'auth-min-backoff', kind: 'string', default: '', env: `${E}AUTH_MIN_BACKOFF`, usage: 'Minimum auto-auth backoff (default 1s).' },
  { name: 'auth-max-backoff', kind: 'string', default: '', env: `${E}AUTH_MAX_BACKOFF`, usage: 'Maximum auto-auth backoff (default 5m).' },
];

const HELP = `Usage: coffer k8s injector -vault-address=ADDR -tls-cert-file=FILE -tls-key-file=FILE [options]

  Runs the agent injector: a Kubernetes mutating admission webhook (POST /mutate) that
  adds a coffer agent init container and sidecar to pods annotated with
  vault.hashicorp.com/agent-inject: "true", and renders the secrets they name into an
  in-memory volume at /vault/secrets. Annotations and flags are vault-k8s's.

      $ coffer k8s injector -listen=:8080 -vault-address=https://coffer.coffer:8200 \\
          -tls-cert-file=/etc/webhook/certs/tls.crt -tls-key-file=/etc/webhook/certs/tls.key

`;

const LEVELS: Record<string, string> = { trace: 'trace', debug: 'debug', notice: 'info', info: 'info', '': 'info', warn: 'warn', warning: 'warn', err: 'error', error: 'error' };

const GO_DURATION = /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$|^0$/;

/** Flags and environment → settings (throws UsageError with the flag's name). */
export function injectorOptions(args: string[], env: NodeJS.ProcessEnv): { settings: InjectorSettings; listen: string; certFile: string; keyFile: string; logLevel: string } {
  const { flags: f, args: rest } = parseFlags(args, FLAGS, env);
  if (rest.length) throw new UsageError(`Too many arguments (expected 0, got ${rest.length})`);
  const logLevel = LEVELS[String(f['log-level']).trim().toLowerCase()];
  if (!logLevel) throw new UsageError(`unknown log level: ${f['log-level']}`);
  if (!f['vault-address']) throw new UsageError('No Vault (Coffer) address given: set -vault-address');
  if (!f['tls-cert-file'] || !f['tls-key-file']) throw new UsageError('-tls-cert-file and -tls-key-file are required');
  const template = String(f['default-template']).toLowerCase();
  if (template !== 'map' && template !== 'json') throw new UsageError(`invalid -default-template "${f['default-template']}": expected map or json`);
  for (const k of ['auth-min-backoff', 'auth-max-backoff']) {
    if (f[k] && !GO_DURATION.test(f[k])) throw new UsageError(`invalid -${k} "${f[k]}": time: invalid duration`);
  }
  const settings = defaultSettings({
    address: f['vault-address'], image: f['vault-image'], authType: f['vault-auth-type'], authPath: f['vault-auth-path'],
    vaultNamespace: f['vault-namespace'], proxyAddress: f['proxy-address'], runAsUser: f['run-as-user'], runAsGroup: f['run-as-group'],
    runAsSameUser: f['run-as-same-user'], setSecurityContext: f['set-security-context'], defaultTemplate: template,
    cpuRequest: f['cpu-request'], memRequest: f['memory-request'], ephemeralRequest: f['ephemeral-storage-request'],
    cpuLimit: f['cpu-limit'], memLimit: f['memory-limit'], ephemeralLimit: f['ephemeral-storage-limit'],
    exitOnRetryFailure: f['template-config-exit-on-retry-failure'], staticSecretRenderInterval: f['template-static-secret-render-interval'],
    authMinBackoff: f['auth-min-backoff'], authMaxBackoff: f['auth-max-backoff'],
  });
  return { settings, listen: f.listen, certFile: f['tls-cert-file'], keyFile: f['tls-key-file'], logLevel };
}

export interface InjectorIO {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Resolves when the injector should stop; defaults to SIGINT/SIGTERM. */
  stopped?: Promise<void>;
  logger?: Logger;
}

export async function runInjectorCommand(args: string[], io: InjectorIO): Promise<number> {
  if (wantsHelp(args)) { io.stderr.write(HELP + renderFlagHelp(FLAGS)); return 0; }
  let o: ReturnType<typeof injectorOptions>;
  try {
    o = injectorOptions(args, io.env);
  } catch (e) {
    if (e instanceof UsageError) { io.stderr.write(`${e.message}\n\n${HELP}${renderFlagHelp(FLAGS)}`); return 1; }
    throw e;
  }
  const logger = io.logger ?? createLogger(o.logLevel, io.stderr);
  let running;
  try {
    running = await startInjectorServer({ settings: o.settings, certFile: o.certFile, keyFile: o.keyFile, listen: o.listen, logger });
  } catch (e) {
    io.stderr.write(`Error starting the injector: ${(e as Error).message}\n`);
    return 1;
  }
  io.stdout.write(`Coffer agent injector listening on ${running.url} (POST /mutate), agents use ${o.settings.address} with image ${o.settings.image}\n`);
  await (io.stopped ?? new Promise<void>((resolve) => {
    const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }));
  await running.close();
  return 0;
}
