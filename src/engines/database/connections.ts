/**
 * The open connection pools, one per connection config, keyed by config name. A pool is
 * opened on first use (or when a config is written and verified), and closed when its config
 * is deleted, rewritten, reset, its root password rotated, or the mount is sealed/unmounted.
 */
import type { LogicalStorage } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { MySQLPlugin, MYSQL_LEGACY_USERNAME_TEMPLATE, MYSQL_USERNAME_TEMPLATE } from './mysql.js';
import { pluginKind, type ConnectionDetails, type DatabasePlugin } from './plugin.js';
import { PostgresPlugin } from './postgres.js';

export interface DatabaseConfig {
  plugin_name: string;
  plugin_version: string;
  connection_details: ConnectionDetails;
  allowed_roles: string[];
  root_credentials_rotate_statements: string[];
  password_policy: string;
  verify_connection: boolean;
}

const configKey = (name: string) => `config/${name}`;

export const readConfig = (storage: LogicalStorage, name: string) => storage.getJSON<DatabaseConfig>(configKey(name));
export const writeConfig = (storage: LogicalStorage, name: string, c: DatabaseConfig) => storage.putJSON(configKey(name), c);
export const deleteConfig = (storage: LogicalStorage, name: string) => storage.delete(configKey(name));

/** A plugin instance for a config; throws a 400 for an unknown plugin or bad settings. Opens nothing yet. */
export function createPlugin(config: Pick<DatabaseConfig, 'plugin_name' | 'connection_details'>): DatabasePlugin {
  switch (pluginKind(config.plugin_name)) {
    case 'postgresql': return new PostgresPlugin(config.connection_details);
    case 'mysql': return new MySQLPlugin(config.connection_details, MYSQL_USERNAME_TEMPLATE);
    case 'mysql-legacy': return new MySQLPlugin(config.connection_details, MYSQL_LEGACY_USERNAME_TEMPLATE);
    default: throw badRequest(`error creating database object: plugin not found in the catalog: ${config.plugin_name}`);
  }
}

export interface OpenConnection {
  config: DatabaseConfig;
  plugin: DatabasePlugin;
}

export class Connections {
  private readonly open = new Map<string, DatabasePlugin>();
  /** Set on seal/unmount: a request or rotation still in flight must not open a pool nobody will close. */
  private closed = false;

  constructor(private readonly storage: LogicalStorage) {}

  /** The config and its plugin; a missing config is the client's mistake (Vault answers 500). */
  async get(name: string): Promise<OpenConnection> {
    const config = await readConfig(this.storage, name);
    if (!config) throw badRequest(`failed to find entry for connection with name: "${name}"`);
    let plugin = this.open.get(name);
    if (!plugin) {
      if (this.closed) throw new Error('the database engine is shutting down');
      plugin = createPlugin(config);
      this.open.set(name, plugin);
    }
    return { config, plugin };
  }

  /** Installs a freshly verified plugin, closing the one it replaces. */
  async put(name: string, plugin: DatabasePlugin): Promise<void> {
    if (this.closed) {
      await plugin.close();
      return;
    }
    const old = this.open.get(name);
    this.open.set(name, plugin);
    if (old && old !== plugin) await old.close();
  }

  async close(name: string): Promise<void> {
    const p = this.open.get(name);
    this.open.delete(name);
    await p?.close();
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((p) => p.close()));
  }
}
