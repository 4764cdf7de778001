/**
 * The file audit device's sink: appends to `file_path` (created with `mode`, default 0600,
 * never executable), or writes to stdout (`stdout`, or `-`), or nowhere (`discard`). Writes
 * are synchronous, so entries keep their order and a failed write is known before the
 * request goes on. A failed write reopens the file once and retries (log rotation, a disk
 * that came back); SIGHUP reopens it too.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditSink } from './sink.js';

export class FileSink implements AuditSink {
  private fd: number | undefined;
  readonly target: 'file' | 'stdout' | 'discard';

  private constructor(readonly path: string, private readonly mode: number | undefined) {
    const lower = path.toLowerCase();
    this.target = lower === 'stdout' || path === '-' ? 'stdout' : lower === 'discard' ? 'discard' : 'file';
  }

  /** Validates options and opens the file once, so a bad path fails the enable, not a later request. */
  static create(options: Record<string, string>): FileSink {
    const path = options.file_path ?? options.path;
    if (!path) throw new Error('file_path is required');
    let mode: number | undefined = 0o600;
    if (options.mode !== undefined && options.mode !== '') {
      if (!/^[0-7]{1,4}$/.test(options.mode)) throw new Error(`strconv.ParseUint: parsing "${options.mode}": invalid syntax (option mode)`);
      const m = parseInt(options.mode, 8);
      // 0000 keeps whatever mode the file already has; executable bits are never granted.
      mode = m === 0 ? undefined : m & ~0o111;
    }
    const sink = new FileSink(path, mode);
    if (sink.target === 'file') {
      if (mode === undefined) statSync(path);
      try {
        sink.open();
      } catch (e) {
        throw new Error(`sanity check failed; unable to open "${path}" for writing: ${(e as Error).message}`);
      }
    }
    return sink;
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    ensureDir(dirname(this.path));
    const fd = openSync(this.path, 'a', this.mode ?? 0o600);
    try {
      if (this.mode !== undefined && this.path !== '/dev/null') chmodSync(this.path, this.mode);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    this.fd = fd;
    return fd;
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    try { closeSync(this.fd); } catch { /* already gone */ }
    this.fd = undefined;
  }

  async write(line: string): Promise<void> {
    if (this.target === 'discard') return;
    if (this.target === 'stdout') {
      writeSync(1, line);
      return;
    }
    const buf = Buffer.from(line, 'utf8');
    try {
      writeAll(this.open(), buf);
    } catch {
      this.closeFd();
      writeAll(this.open(), buf);
    }
  }

  async reload(): Promise<void> {
    if (this.target !== 'file') return;
    this.closeFd();
    this.open();
  }

  async close(): Promise<void> {
    this.closeFd();
  }
}

/** mkdir -p, one level at a time (Node's recursive mkdir can spin forever on /proc). */
function ensureDir(dir: string): void {
  try {
    if (statSync(dir).isDirectory()) return;
  } catch {
    const parent = dirname(dir);
    if (parent !== dir) ensureDir(parent);
    mkdirSync(dir, { mode: 0o700 });
    return;
  }
  mkdirSync(dir, { mode: 0o700 }); // exists but is not a directory: let mkdir report EEXIST
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}
