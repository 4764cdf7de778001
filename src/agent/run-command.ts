/**
 * Runs a template's `command` (or `exec.command`) after its file changed: argv form, the agent's
 * environment, output passed through, killed after the timeout. A failure is reported, not
 * fatal, as in consul-template.
 */
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

export function runCommand(argv: string[], timeoutSec: number, env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env });
    let timedOut = false;
    const timer = timeoutSec > 0 ? setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutSec * 1000) : undefined;
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`failed to execute command "${argv.join(' ')}": ${e.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut });
    });
  });
}
