/**
 * Functions that touch the machine: env/mustEnv/envOrDefault, file (honouring sandbox_path)
 * and writeToFile (consul-template's: PATH OWNER GROUP PERMS [FLAGS] CONTENT, refusing
 * symlinks so a template cannot be tricked into writing elsewhere).
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, realpath } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { basename, dirname, join, normalize, relative, sep } from 'node:path';
import { goFunc, type GoFunc } from '../types.js';

export interface FileFuncOptions {
  /** Variables set for this template; they win over the process environment. */
  env?: Record<string, string>;
  processEnv?: NodeJS.ProcessEnv;
  sandboxPath?: string;
  /** Reads a file for `file`; the runner passes one that also watches it. */
  readFile?: (path: string) => Promise<string>;
}

async function resolveSandboxed(sandbox: string | undefined, path: string): Promise<string> {
  if (!sandbox) return normalize(path);
  let base: string;
  let target: string;
  try {
    base = await realpath(normalize(sandbox));
  } catch (e) {
    throw new Error(`failed to resolve sandbox path: ${(e as Error).message}`);
  }
  try {
    target = await realpath(normalize(path));
  } catch (e) {
    throw new Error(`failed to resolve target path: ${(e as Error).message}`);
  }
  const rel = relative(base, target);
  if (rel === '..' || rel.startsWith('..' + sep)) throw new Error(`'${path}' is outside of sandbox`);
  return target;
}

/** Owner or group by name or numeric id; "" keeps the current one. */
export function lookupId(kind: 'user' | 'group', name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    const out = execFileSync('getent', [kind === 'user' ? 'passwd' : 'group', name], { encoding: 'utf8' });
    const id = Number(out.split(':')[2]);
    if (Number.isInteger(id)) return id;
  } catch {
    // fall through to the error below
  }
  throw new Error(kind === 'user' ? `user: unknown user ${name}` : `group: unknown group ${name}`);
}

async function writeToFile(path: string, username: string, groupName: string, permissions: string, ...args: string[]): Promise<string> {
  const flags = args.length === 2 ? args[0]! : '';
  const content = args[args.length - 1] ?? '';
  if (!/^[0-7]+$/.test(permissions)) throw new Error(`strconv.ParseUint: parsing "${permissions}": invalid syntax`);
  const perm = parseInt(permissions, 8);
  const clean = normalize(path);
  const dir = dirname(clean);
  await mkdir(dir, { recursive: true });
  const dirInfo = await lstat(dir);
  if (dirInfo.isSymbolicLink()) throw new Error(`writeToFile: refusing to write through symlinked directory in path "${path}"`);
  const target = join(dir, basename(clean));
  try {
    if ((await lstat(target)).isSymbolicLink()) throw new Error(`writeToFile: refusing to write to symlink "${path}"`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const append = flags.includes('append');
  const mode = (append ? constants.O_APPEND | constants.O_WRONLY : constants.O_RDWR | constants.O_TRUNC) | constants.O_CREAT | constants.O_NOFOLLOW;
  const fh = await open(target, mode, perm);
  try {
    await fh.write(flags.includes('newline') ? content + '\n' : content);
    if (username !== '' || groupName !== '') {
      const uid = username === '' ? process.getuid!() : lookupId('user', username);
      const gid = groupName === '' ? process.getgid!() : lookupId('group', groupName);
      await fh.chown(uid, gid);
    }
    await fh.chmod(perm);
  } finally {
    await fh.close();
  }
  return '';
}

export function fileFuncs(opts: FileFuncOptions): Record<string, GoFunc> {
  const env = opts.env ?? {};
  const penv = opts.processEnv ?? process.env;
  const read = opts.readFile ?? ((p: string) => readFile(p, 'utf8'));
  return {
    env: goFunc(['string'], (s: string) => (s in env ? env[s]! : penv[s] ?? '')),
    mustEnv: goFunc(['string'], (s: string) => {
      const v = env[s] || penv[s] || '';
      if (v === '') throw new Error(`required environment variable ${s} is empty`);
      return v;
    }),
    envOrDefault: goFunc(['string', 'string'], (s: string, def: string) => {
      if (s in env) return env[s]!;
      return s in penv ? penv[s]! : def;
    }),
    file: goFunc(['string'], async (s: string) => {
      if (s.length === 0) return '';
      const resolved = await resolveSandboxed(opts.sandboxPath, s.trim());
      try {
        return await read(resolved);
      } catch (e) {
        throw new Error(`file(${resolved}): ${(e as Error).message}`);
      }
    }),
    writeToFile: goFunc(['string', 'string', 'string', 'string'], writeToFile, 'string'),
  };
}

