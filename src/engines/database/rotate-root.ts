/**
 * <mount>/rotate-root/:name: gives the configured root user a new password only Coffer knows.
 * The new password is written ahead (a WAL entry) before the database changes, then stored in
 * the config; the pool that used the old password is closed so the next request connects with
 * the new one. After a crash between the two steps, recoverRootRotations (run at mount/unseal
 * and before the next rotation) asks the database which password it has and keeps that one.
 */
import type { PathDef } from '../../framework/backend.js';
import type { LogicalStorage } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { createPlugin, readConfig, writeConfig, type Connections } from './connections.js';
import { databaseError } from './creds.js';
import { generatePassword } from './credentials.js';

const WAL = 'wal/rotate-root/';

interface RootWal { password: string }

/**
 * Settles rotations a crash interrupted: if the database accepts the written-ahead password the
 * config takes it, else the database never changed and the entry goes. A database that cannot
 * be reached keeps the entry for the next attempt.
 */
export async function recoverRootRotations(storage: LogicalStorage, connections: Connections, only?: string): Promise<void> {
  for (const name of only ? [only] : await storage.list(WAL)) {
    const wal = await storage.getJSON<RootWal>(WAL + name);
    if (!wal) continue;
    const config = await readConfig(storage, name);
    if (!config || config.connection_details.password === wal.password) {
      await storage.delete(WAL + name);
      continue;
    }
    const candidate = createPlugin({ ...config, connection_details: { ...config.connection_details, password: wal.password } });
    try {
      await candidate.verify();
    } catch {
      const old = createPlugin(config);
      const oldWorks = await old.verify().then(() => true, () => false);
      await old.close();
      if (!oldWorks) continue;
      await storage.delete(WAL + name);
      continue;
    } finally {
      await candidate.close();
    }
    await writeConfig(storage, name, { ...config, connection_details: { ...config.connection_details, password: wal.password } });
    await storage.delete(WAL + name);
    await connections.close(name);
  }
}

export function rotateRootPath(storage: LogicalStorage, connections: Connections): PathDef {
  return {
    pattern: 'rotate-root/:name',
    fields: { name: { type: 'string', description: 'Name of this database connection' } },
    synopsis: 'Request to rotate the root credentials for a certain database connection.',
    description: 'This path attempts to rotate the root credentials for the given database.',
    operations: {
      update: async (_req, d) => {
        const name = d.str('name');
        await recoverRootRotations(storage, connections, name);
        const { config, plugin } = await connections.get(name);
        const username = config.connection_details.username;
        if (typeof username !== 'string' || !username) throw badRequest('unable to rotate root credentials: no username in configuration');
        const old = config.connection_details.password;
        if (typeof old !== 'string' || !old) throw badRequest('unable to rotate root credentials: no password in configuration');
        const password = generatePassword();
        await storage.putJSON(WAL + name, { password } satisfies RootWal);
        try {
          await plugin.updateUser({ username, password: { value: password, statements: config.root_credentials_rotate_statements } });
        } catch (e) {
          await connections.close(name);
          // A refused statement changed nothing; a lost connection or timeout may hide a change, so recovery decides.
          if (!/timeout|timed out|terminated|ECONNRESET|connection lost|closed/i.test((e as Error)?.message ?? '')) await storage.delete(WAL + name);
          throw databaseError(e, [password]);
        }
        // Stored before the pool closes, so no request in between reopens it with the old password.
        await writeConfig(storage, name, { ...config, connection_details: { ...config.connection_details, password } });
        await storage.delete(WAL + name);
        await connections.close(name);
        return null;
      },
    },
  };
}
