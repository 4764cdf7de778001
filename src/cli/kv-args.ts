/**
 * `key=value` arguments as vault reads them: `k=@file` reads a file, `k=\@x` is the literal
 * "@x", `k=-` reads stdin, a bare `-` or `@file.json` merges a JSON object, and a repeated key
 * becomes a list (`policies=a policies=b`).
 */
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { readAll } from './io.js';
import { UsageError } from './flags.js';

export async function parseArgsData(args: string[], stdin: Readable | null): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  let stdinUsed = false;
  const takeStdin = async () => {
    if (!stdin) throw new UsageError('stdin is not available (-non-interactive)');
    if (stdinUsed) throw new UsageError('stdin already consumed');
    stdinUsed = true;
    return readAll(stdin);
  };
  const mergeJSON = (text: string, source: string) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`error parsing JSON from ${source}: ${(e as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`error parsing JSON from ${source}: expected an object`);
    Object.assign(result, parsed);
  };

  for (const raw of args) {
    if (raw === '') continue;
    if (raw === '-') {
      mergeJSON(await takeStdin(), 'stdin');
      continue;
    }
    if (raw[0] === '@') {
      mergeJSON(await readArgFile(raw.slice(1)), raw.slice(1));
      continue;
    }
    const eq = raw.indexOf('=');
    if (eq < 0) throw new UsageError(`format must be key=value`);
    const key = raw.slice(0, eq);
    let value = raw.slice(eq + 1);
    if (value.startsWith('@')) value = await readArgFile(value.slice(1));
    else if (value.startsWith('\\@')) value = value.slice(1);
    else if (value === '-') value = await takeStdin();

    if (key in result) {
      const prev = result[key];
      result[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
    } else {
      result[key] = value;
    }
  }
  return result;
}

async function readArgFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`error reading file: open ${path}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`);
  }
}

/** Values as strings (query parameters, login and audit options), as mapstructure's weak decode. */
export function stringifyValues(data: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    if (Array.isArray(v)) out[k] = v.map(String).join(',');
    else if (v === null || v === undefined) out[k] = '';
    else if (typeof v === 'object') throw new UsageError(`failed to convert values to strings: '${k}' expected type 'string', got unconvertible type 'map'`);
    else out[k] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  }
  return out;
}

/** Values as string lists (query parameters of read and delete). */
export function stringListValues(data: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(data)) out[k] = Array.isArray(v) ? v.map(String) : [v === null || v === undefined ? '' : String(v)];
  return out;
}
