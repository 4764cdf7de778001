/** Storage types by name, as the `storage "<type>" { … }` stanza names them. */
import { MemoryStorage } from './memory.js';
import { SqliteStorage } from './sqlite.js';
import type { Storage } from './storage.js';

export async function createStorage(type: string, options: Record<string, string>): Promise<Storage> {
  switch (type) {
    case 'memory':
    case 'inmem':
      return new MemoryStorage();
    case 'sqlite':
    case 'file': {
      if (!options.path) throw new Error('storage "sqlite": "path" is required');
      return new SqliteStorage(options.path);
    }
    default:
      throw new Error(`unknown storage type "${type}"`);
  }
}
