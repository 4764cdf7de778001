/**
 * `coffer agent -config=FILE`: Vault Agent's command line. -config may repeat or name a
 * directory; VAULT_AGENT_CONFIG_PATH (or BAO_AGENT_CONFIG_PATH) supplies it when absent.
 * Connection flags override the environment, which overrides the config file.
 */
import { parseFlags, renderFlagHelp, UsageError, wantsHelp, type FlagSpec } from '../cli/flags.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { Agent } from './agent.js';
import { AgentConfigError, loadAgentConfig } from './config.js';

const FLAGS: FlagSpec[] = [
  { name: 'config', kind: 'strings', usage: 'Path to a configuration file or directory of configuration files. May be given more than once.' },
  { name: 'log-level', kind: 'string', env: 'VAULT_LOG_LEVEL', usage: 'Log verbosity: trace, debug, info, warn, error.' },
  { name: 'log-format', kind: 'string', usage: 'Accepted for compatibility; logs are JSON lines.' },
  { name: 'exit-after-auth', kind: 'bool', usage: 'Exit with code 0 once authentication succeeded and every template rendered once.' },
  { name: 'revoke-on-shutdown', kind: 'bool', usage: 'Revoke the auto-auth token when the agent stops (SIGTERM/SIGINT).' },
  { name: 'address', kind: 'string', usage: 'Address of the Vault (Coffer) server.' },
  { name: 'ca-cert', kind: 'string', usage: 'PEM CA certificate file to verify the server with.' },
  { name: 'ca-path', kind: 'string', usage: 'Directory of PEM CA certificates.' },
  { name: 'client-cert', kind: 'string', usage: 'PEM client certificate for TLS authentication.' },
  { name: 'client-key', kind: 'string', usage: 'PEM private key for the client certificate.' },
  { name: 'tls-skip-verify', kind: 'bool', usage: 'Do not verify the server certificate (insecure).' },
  { name: 'tls-server-name', kind: 'string', usage: 'SNI host name to use when connecting over TLS.' },
];

const HELP = `Usage: coffer agent [options]

  Starts an agent that authenticates to Coffer (or Vault), writes the token to sinks, renders
  templates with secrets and keeps both fresh. It reads Vault Agent's configuration:

      $ coffer agent -config=/etc/coffer/agent.hcl

`;

export interface AgentCommandIO {
  env?: NodeJS.ProcessEnv;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  logger?: Logger;
  /** Install SIGHUP/SIGTERM/SIGINT handlers (the real command does; tests may not). */
  signals?: boolean;
  onAgent?: (agent: Agent) => void;
}

export async function runAgentCommand(args: string[], io: AgentCommandIO = {}): Promise<number> {
  const env = { ...(io.env ?? process.env) };
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  if (wantsHelp(args)) {
    stdout.write(HELP + renderFlagHelp(FLAGS) + '\n');
    return 0;
  }
  let parsed;
  try {
    parsed = parseFlags(args, FLAGS, env);
  } catch (e) {
    if (e instanceof UsageError) {
      stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const f = parsed.flags;
  let paths: string[] = f.config ?? [];
  if (paths.length === 0) {
    const fromEnv = env.VAULT_AGENT_CONFIG_PATH || env.BAO_AGENT_CONFIG_PATH;
    if (fromEnv) paths = [fromEnv];
  }
  if (paths.length === 0) {
    stderr.write('No configuration read. Please provide the configuration with the -config flag.\n');
    return 1;
  }
  let config;
  try {
    config = loadAgentConfig(paths);
  } catch (e) {
    if (e instanceof AgentConfigError) {
      stderr.write(`Error loading configuration from ${paths.join(', ')}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (f['exit-after-auth']) config.exitAfterAuth = true;
  if (f['revoke-on-shutdown']) config.revokeOnShutdown = true;
  // Flags win over VAULT_* variables, which win over the file.
  const flagEnv: Record<string, string | undefined> = {
    VAULT_ADDR: f.address, VAULT_CACERT: f['ca-cert'], VAULT_CAPATH: f['ca-path'], VAULT_CLIENT_CERT: f['client-cert'],
    VAULT_CLIENT_KEY: f['client-key'], VAULT_TLS_SERVER_NAME: f['tls-server-name'], VAULT_SKIP_VERIFY: f['tls-skip-verify'] ? 'true' : undefined,
  };
  for (const [k, v] of Object.entries(flagEnv)) if (v) env[k] = v;
  const logger = io.logger ?? createLogger(f['log-level'] || config.logLevel || 'info', stderr);
  let agent: Agent;
  try {
    agent = new Agent({ config, logger, env });
  } catch (e) {
    stderr.write(`Error starting the agent: ${(e as Error).message}\n`);
    return 1;
  }
  io.onAgent?.(agent);
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGHUP', () => agent.reload()],
    ['SIGTERM', () => agent.stop(0)],
    ['SIGINT', () => agent.stop(0)],
  ];
  if (io.signals !== false) for (const [s, h] of handlers) process.on(s, h);
  try {
    return await agent.run();
  } catch (e) {
    stderr.write(`Error running the agent: ${(e as Error).message}\n`);
    return 1;
  } finally {
    if (io.signals !== false) for (const [s, h] of handlers) process.off(s, h);
  }
}
