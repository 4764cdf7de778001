/** Storage types by name, as the `storage "<type>" { … }` stanza names them. */
import { join } from 'node:path';
import { MemoryStorage } from './memory.js';
import { PostgresStorage } from './postgresql.js';
import { SqliteStorage } from './sqlite.js';
import type { Storage } from './storage.js';

function required(type: string, options: Record<string, string>, name: string): string {
  const v = options[name];
  if (typeof v !== 'string' || v.trim() === '') throw new Error(`storage "${type}": "${name}" is required`);
  return v;
}

export async function createStorage(type: string, options: Record<string, string>): Promise<Storage> {
  switch (type) {
    case 'memory':
    case 'inmem':
      return new MemoryStorage();
    case 'sqlite':
      return new SqliteStorage(required(type, options, 'path'));
    case 'file':
      // Vault's file backend takes a directory; existing configs keep working with one
      // SQLite file inside it.
      return new SqliteStorage(join(required(type, options, 'path'), 'coffer.db'));
    case 'postgresql':
      // Options as Vault's: connection_url (or VAULT_PG_CONNECTION_URL), table, max_parallel, …
      return PostgresStorage.open(options);
    default:
      throw new Error(`unknown storage type "${type}"`);
  }
}
