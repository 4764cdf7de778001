/**
 * consul-template's `plugin NAME ARGS…`: runs an executable with the arguments (a piped
 * value arrives as the last one) and inserts its standard output. Seed 002 renders its
 * certificates through one (`… | plugin "certdump" "/opt/certs/etcd-cert.pem" "etcd"`).
 */
import { execFile } from 'node:child_process';
import { goFunc, type GoFunc } from '../types.js';

const TIMEOUT_MS = 30_000;

export function pluginFunc(env: NodeJS.ProcessEnv = process.env): GoFunc {
  return goFunc(['string'], (name: string, ...args: string[]) => new Promise<string>((resolve, reject) => {
    execFile(name, args, { timeout: TIMEOUT_MS, env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`exec ${JSON.stringify(name)}: ${err.message.split('\n')[0]}\n\nstdout:\n\n${stdout}\n\nstderr:\n\n${stderr}`));
        return;
      }
      resolve(stdout.trim());
    });
  }), 'string');
}
