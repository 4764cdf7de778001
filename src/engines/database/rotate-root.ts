/**
 * <mount>/rotate-root/:name: gives the configured root user a new password only Coffer knows.
 * The database is changed first, then the stored config; the pool that used the old password
 * is closed so the next request connects with the new one.
 */
import type { PathDef } from '../../framework/backend.js';
import type { LogicalStorage } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { writeConfig, type Connections } from './connections.js';
import { databaseError } from './creds.js';
import { generatePassword } from './credentials.js';

export function rotateRootPath(storage: LogicalStorage, connections: Connections): PathDef {
  return {
    pattern: 'rotate-root/:name',
    fields: { name: { type: 'string', description: 'Name of this database connection' } },
    synopsis: 'Request to rotate the root credentials for a certain database connection.',
    description: 'This path attempts to rotate the root credentials for the given database.',
    operations: {
      update: async (_req, d) => {
        const name = d.str('name');
        const { config, plugin } = await connections.get(name);
        const username = config.connection_details.username;
        if (typeof username !== 'string' || !username) throw badRequest('unable to rotate root credentials: no username in configuration');
        const old = config.connection_details.password;
        if (typeof old !== 'string' || !old) throw badRequest('unable to rotate root credentials: no password in configuration');
        const password = generatePassword();
        try {
          await plugin.updateUser({ username, password: { value: password, statements: config.root_credentials_rotate_statements } });
        } catch (e) {
          await connections.close(name);
          throw databaseError(e, [password]);
        }
        // Stored before the pool closes, so no request in between reopens it with the old password.
        await writeConfig(storage, name, { ...config, connection_details: { ...config.connection_details, password } });
        await connections.close(name);
        return null;
      },
    },
  };
}
