/**
 * The CLI's streams, injectable so tests run commands in-process, and the Ui that writes to
 * them as vault's does: results on stdout, errors and warnings on stderr.
 */
import type { Readable, Writable } from 'node:stream';

export interface CliIO {
  env: NodeJS.ProcessEnv;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
}

export function processIO(): CliIO {
  return { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}

export class Ui {
  constructor(readonly io: CliIO, readonly format: string, readonly detailed = false) {}

  output(s: string): void {
    this.io.stdout.write(`${s}\n`);
  }

  info(s: string): void {
    this.output(s);
  }

  error(s: string): void {
    this.io.stderr.write(`${s}\n`);
  }

  warn(s: string): void {
    this.error(s);
  }

  /**
   * A bare value for piping (`-field`, decoded tokens): vault ends it with a newline only on
   * a terminal, so `$(coffer read -field=x …)` and `> file` get the exact bytes.
   */
  raw(s: string): void {
    const env = this.io.env;
    const terminal = this.io.stdout.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
    this.io.stdout.write(terminal ? `${s}\n` : s);
  }
}

/** Everything on stdin, as text (empty when stdin is a terminal nobody types into). */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Asks for a secret. On a terminal the typed characters are not echoed; otherwise the first
 * line of stdin is the answer (so `echo $KEY | coffer operator unseal` works in scripts).
 */
export async function askSecret(io: CliIO, prompt: string): Promise<string> {
  const stdin = io.stdin;
  if (stdin.isTTY && stdin.setRawMode) {
    io.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    try {
      return await new Promise<string>((resolve, reject) => {
        let value = '';
        const onData = (buf: Buffer | string) => {
          for (const ch of buf.toString('utf8')) {
            if (ch === '\r' || ch === '\n' || ch === '\u0004') {
              stdin.off('data', onData);
              resolve(value);
              return;
            }
            if (ch === '\u0003') {
              stdin.off('data', onData);
              reject(new Error('user interrupted'));
              return;
            }
            if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
            else value += ch;
          }
        };
        stdin.on('data', onData);
      });
    } finally {
      stdin.setRawMode(false);
      stdin.pause();
      io.stderr.write('\n');
    }
  }
  const text = await readAll(stdin);
  return text.split(/\r?\n/)[0] ?? '';
}
