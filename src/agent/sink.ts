/**
 * The file sink: the agent's token (or its wrapping info) written where applications read it.
 * Written to a temporary file in the same directory with the requested mode (and owner), then
 * renamed over the target, so readers never see a half-written token. No trailing newline.
 */
import { randomBytes } from 'node:crypto';
import { chown, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { SinkConfig } from './config.js';

export class FileSink {
  constructor(readonly config: SinkConfig) {}

  get path(): string {
    return this.config.path;
  }

  /** Vault writes a throw-away file at startup so a bad path or permission fails early. */
  async checkWritable(): Promise<void> {
    const tmp = this.tempPath();
    await this.writeFileAt(tmp, '');
    await rm(tmp, { force: true });
  }

  async write(contents: string): Promise<void> {
    const tmp = this.tempPath();
    try {
      await this.writeFileAt(tmp, contents);
      await rename(tmp, this.config.path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw new Error(`error writing file sink ${this.config.path}: ${(e as Error).message}`);
    }
  }

  private tempPath(): string {
    return join(dirname(this.config.path), `${basename(this.config.path)}.tmp.${randomBytes(8).toString('hex')}`);
  }

  private async writeFileAt(path: string, contents: string): Promise<void> {
    const fh = await open(path, 'wx', this.config.mode || 0o640);
    try {
      await fh.writeFile(contents);
      // Mode 0 means "leave the mode alone" in Vault's sink; anything else is enforced despite the umask.
      if (this.config.mode) await fh.chmod(this.config.mode);
      await fh.sync();
    } finally {
      await fh.close();
    }
    const uid = this.config.uid ?? -1;
    const gid = this.config.gid ?? -1;
    if (uid !== -1 || gid !== -1) await chown(path, uid, gid);
  }
}
