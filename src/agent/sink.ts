/**
 * The file sink: the agent's token (or its wrapping info) written where applications read it.
 * Written to a temporary file in the same directory with the requested mode (and owner), then
 * renamed over the target, so readers never see a half-written token. No trailing newline.
 */
import { randomBytes } from 'node:crypto';
import { chown, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { SinkConfig } from './sink-config.js';
import { SinkEncryptor } from './sink-encrypt.js';

/** Wraps a token in sys/wrapping/wrap for `ttl` seconds; returns the wrap_info JSON. */
export type WrapToken = (token: string, ttl: number) => Promise<string>;

export class FileSink {
  private readonly encryptor: SinkEncryptor | undefined;

  constructor(readonly config: SinkConfig, env: NodeJS.ProcessEnv = process.env) {
    const e = config.encryption;
    if (e) this.encryptor = new SinkEncryptor(e, e.aadEnvVar !== undefined ? env[e.aadEnvVar] ?? '' : e.aad);
  }

  /**
   * What this sink holds for a token, in Vault's order: the wrapping info when the login was
   * wrapped or the sink has wrap_ttl, then sealed when the sink has dh_type.
   */
  async contents(token: string, wrapInfoJSON: string | undefined, wrap: WrapToken): Promise<string> {
    let out = wrapInfoJSON ?? token;
    if (!wrapInfoJSON && this.config.wrapTTL) out = await wrap(token, this.config.wrapTTL);
    return this.encryptor ? this.encryptor.seal(out) : out;
  }

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
