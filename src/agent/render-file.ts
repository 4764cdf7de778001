/**
 * Writing a rendered template the way consul-template's renderer does: nothing happens when the
 * file already holds these bytes (and the owner is right); otherwise a temporary file in the
 * destination directory is written, fsynced, given the mode (`perms`, else the existing file's,
 * else 0644), optionally backed up as <dest>.bak (a hard link), and renamed over the destination.
 */
import { randomBytes } from 'node:crypto';
import { chown, link, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface RenderTarget {
  path: string;
  contents: string;
  perms?: number;
  createDestDirs: boolean;
  backup: boolean;
  uid?: number;
  gid?: number;
}

export const DEFAULT_FILE_PERMS = 0o644;

/** Returns true when the file was written (its contents or owner changed). */
export async function renderToFile(t: RenderTarget): Promise<boolean> {
  let existing: Buffer | undefined;
  let info;
  try {
    const fh = await open(t.path, 'r');
    try {
      info = await fh.stat();
      existing = await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const wantUid = t.uid !== undefined && t.uid >= 0 ? t.uid : undefined;
  const wantGid = t.gid !== undefined && t.gid >= 0 ? t.gid : undefined;
  const chownNeeded = info !== undefined && ((wantUid !== undefined && info.uid !== wantUid) || (wantGid !== undefined && info.gid !== wantGid));
  if (existing !== undefined && existing.equals(Buffer.from(t.contents, 'utf8')) && !chownNeeded) return false;
  await atomicWrite(t, info?.mode);
  if (wantUid !== undefined || wantGid !== undefined) await chown(t.path, wantUid ?? -1, wantGid ?? -1);
  return true;
}

async function openTemp(t: RenderTarget, tmp: string) {
  try {
    return await open(tmp, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const parent = dirname(t.path);
    if (!t.createDestDirs) throw new Error(`failed writing file: parent directory ${parent} does not exist`);
    await mkdir(parent, { recursive: true, mode: 0o755 });
    return open(tmp, 'wx', 0o600);
  }
}

async function atomicWrite(t: RenderTarget, existingMode: number | undefined): Promise<void> {
  const tmp = join(dirname(t.path), `.${basename(t.path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await openTemp(t, tmp);
  try {
    try {
      await fh.writeFile(t.contents);
      await fh.sync();
      const mode = t.perms ?? (existingMode !== undefined ? existingMode & 0o7777 : DEFAULT_FILE_PERMS);
      await fh.chmod(mode);
    } finally {
      await fh.close();
    }
    if (t.backup && existingMode !== undefined) {
      const bak = `${t.path}.bak`;
      const old = `${t.path}.old.bak`;
      await rename(bak, old).catch(() => undefined);
      try {
        await link(t.path, bak);
        await rm(old, { force: true });
      } catch {
        // A failed backup must not stop the new file from being written (consul-template only warns).
      }
    }
    await rename(tmp, t.path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
