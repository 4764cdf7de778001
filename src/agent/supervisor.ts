/**
 * Process supervisor mode (`exec` + `env_template`): once every variable has rendered, start the
 * command with them added to the agent's environment; when a value changes (and
 * restart_on_secret_changes = "always") stop it with restart_stop_signal, SIGKILL after 30 s,
 * and start it again. When the child exits on its own, the agent exits with its code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../lib/logger.js';
import type { ExecConfig } from './config.js';

export interface SupervisorOptions {
  exec: ExecConfig;
  names: string[];
  logger: Logger;
  /** The child exited by itself: the agent should exit with this code. */
  onExit: (code: number) => void;
  env?: NodeJS.ProcessEnv;
  stopTimeoutMs?: number;
}

export class ProcessSupervisor {
  private values = new Map<string, string>();
  private child: ChildProcess | undefined;
  private stopping: Promise<void> | undefined;
  private restarts = 0;
  private closed = false;

  constructor(private readonly o: SupervisorOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get restartCount(): number {
    return this.restarts;
  }

  /** A rendered env_template value. */
  async update(name: string, value: string): Promise<void> {
    const old = this.values.get(name);
    this.values.set(name, value);
    if (this.closed) return;
    if (!this.child) {
      if (this.o.names.every((n) => this.values.has(n))) this.start();
      return;
    }
    if (old !== value && this.o.exec.restartOnSecretChanges === 'always') {
      this.o.logger.info({ variable: name }, 'exec: secret changed, restarting the child process');
      await this.stopChild();
      if (!this.closed) {
        this.restarts++;
        this.start();
      }
    }
  }

  private start(): void {
    const env = { ...(this.o.env ?? process.env) };
    for (const [k, v] of this.values) env[k] = v;
    const [cmd, ...args] = this.o.exec.command;
    const child = spawn(cmd!, args, { stdio: 'inherit', env });
    this.child = child;
    this.o.logger.info({ pid: child.pid }, 'exec: started the child process');
    child.on('error', (e) => {
      this.o.logger.error({}, `exec: ${e.message}`);
      if (this.child === child && !this.stopping) {
        this.child = undefined;
        this.o.onExit(127);
      }
    });
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (this.stopping || this.closed) return;
      this.o.logger.info({ code, signal }, 'exec: the child process exited');
      this.o.onExit(code ?? 128 + (signal ? signalNumber(signal) : 0));
    });
  }

  private stopChild(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return Promise.resolve();
    this.stopping = new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), this.o.stopTimeoutMs ?? 30_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill(this.o.exec.restartStopSignal);
    }).finally(() => {
      this.stopping = undefined;
      if (this.child === child) this.child = undefined;
    });
    return this.stopping;
  }

  /** Stops the child for good (agent shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await this.stopChild();
  }
}

function signalNumber(s: NodeJS.Signals): number {
  const n: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGUSR1: 10, SIGUSR2: 12 };
  return n[s] ?? 0;
}
