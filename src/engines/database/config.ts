/**
 * <mount>/config/:name (connections), <mount>/config/ (list) and <mount>/reset/:name. A write
 * keeps the engine's own fields (plugin, allowed roles, root rotation statements) apart from
 * the plugin's connection details, builds the plugin, and — unless verify_connection=false —
 * connects before anything is stored. Reads never show the password.
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { LogicalStorage, Response } from '../../framework/types.js';
import { badRequest, CofferError } from '../../lib/errors.js';
import { checkUsernameTemplate } from './credentials.js';
import { Connections, createPlugin, deleteConfig, readConfig, writeConfig, type DatabaseConfig } from './connections.js';
import { statementsField } from './statements.js';

/** Fields of the engine itself; every other key of a config write belongs to the plugin. */
const ENGINE_FIELDS = ['name', 'plugin_name', 'plugin_version', 'verify_connection', 'allowed_roles', 'root_rotation_statements', 'password_policy'];

export const configFields: FieldTable = {
  name: { type: 'string', description: 'Name of this database connection' },
  plugin_name: { type: 'string', description: 'The name of a builtin or previously registered plugin known to Vault. This endpoint will create an instance of that plugin type.' },
  plugin_version: { type: 'string', description: 'The version of the plugin to use.' },
  verify_connection: { type: 'bool', default: true, description: 'If true, the connection details are verified by actually connecting to the database. Defaults to true.' },
  allowed_roles: { type: 'strings', description: 'Comma separated string or array of the role names allowed to get creds from this database connection. If empty no roles are allowed. If "*" all roles are allowed.' },
  root_rotation_statements: { type: 'any', description: 'Specifies the database statements to be executed to rotate the root user\'s credentials.' },
  password_policy: { type: 'string', description: 'Password policy to use when generating passwords.' },
  connection_url: { type: 'string', description: 'Connection string; {{username}} and {{password}} are replaced by the username and password fields.' },
  username: { type: 'string', description: 'The root credential username used in the connection URL.' },
  password: { type: 'string', sensitive: true, description: 'The root credential password used in the connection URL.' },
  max_open_connections: { type: 'int', description: 'Maximum number of open connections to the database (default 4).' },
  max_idle_connections: { type: 'int', description: 'Maximum number of idle connections to the database (default: max_open_connections).' },
  max_connection_lifetime: { type: 'duration', description: 'Maximum amount of time a connection may be reused.' },
  username_template: { type: 'string', description: 'Template describing how dynamic usernames are generated.' },
  password_authentication: { type: 'string', description: 'PostgreSQL: "password" (default) sends the password in clear text to the database, "scram-sha-256" sends its SCRAM-SHA-256 verifier.' },
  disable_escaping: { type: 'bool', description: 'Do not URL-escape the username and password put into connection_url.' },
};

/** The connection URL with a literal password masked, as Go's url.Redacted does. */
export function redactURL(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)([^@/]*)@/i, (all, head: string, pw: string) => (pw.includes('{{password}}') ? all : `${head}xxxxx@`));
}

function passwordInURL(url: string): boolean {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^:@/]*:([^@/]*)@/i.exec(url);
  return !!m && m[1] !== '' && !m[1]!.includes('{{password}}');
}

export function configReadData(c: DatabaseConfig): Record<string, unknown> {
  const details: Record<string, unknown> = { ...c.connection_details };
  delete details.password;
  delete details.private_key;
  if (typeof details.connection_url === 'string') details.connection_url = redactURL(details.connection_url);
  return {
    connection_details: details,
    plugin_name: c.plugin_name,
    plugin_version: c.plugin_version,
    allowed_roles: c.allowed_roles,
    root_credentials_rotate_statements: c.root_credentials_rotate_statements,
    password_policy: c.password_policy,
    verify_connection: c.verify_connection,
  };
}

export function configPaths(storage: LogicalStorage, connections: Connections): PathDef[] {
  return [
    {
      pattern: 'config/:name',
      fields: configFields,
      // Plugins take settings of their own; unknown keys are connection details, not mistakes.
      takesArbitraryInput: true,
      synopsis: 'Configure connection details to a database plugin.',
      description: 'This path configures the connection details used to connect to a particular database. The plugin named by plugin_name receives the connection details.',
      existenceCheck: async (_req, d) => (await readConfig(storage, d.str('name'))) !== undefined,
      operations: {
        read: async (_req, d) => {
          const c = await readConfig(storage, d.str('name'));
          return c ? { data: configReadData(c) } : null;
        },
        create: async (req, d) => writeHandler(storage, connections, d, req.operation === 'create'),
        update: async (req, d) => writeHandler(storage, connections, d, req.operation === 'create'),
        delete: async (_req, d) => {
          await deleteConfig(storage, d.str('name'));
          await connections.close(d.str('name'));
          return null;
        },
      },
    },
    {
      pattern: 'config',
      synopsis: 'Configure connection details to a database plugin.',
      operations: { list: async () => ({ data: { keys: (await storage.list('config/')).sort() } }) },
    },
    {
      pattern: 'reset/:name',
      fields: { name: { type: 'string', description: 'Name of this database connection' } },
      synopsis: 'Resets a database plugin.',
      description: 'Closes the connection pool of the named configuration and opens a new one, checking the database answers.',
      operations: {
        update: async (_req, d) => {
          const name = d.str('name');
          await connections.close(name);
          const { plugin } = await connections.get(name);
          try {
            await plugin.verify();
          } catch (e) {
            throw new CofferError(500, `unable to create database instance: ${(e as Error).message}`);
          }
          return null;
        },
      },
    },
  ];
}

async function writeHandler(storage: LogicalStorage, connections: Connections, d: FieldData, create: boolean): Promise<Response | null> {
  const name = d.str('name');
  if (!name) throw badRequest('empty name attribute given');
  const stored = await readConfig(storage, name);
  const c: DatabaseConfig = stored ?? {
    plugin_name: '', plugin_version: '', connection_details: {}, allowed_roles: [], root_credentials_rotate_statements: [], password_policy: '', verify_connection: true,
  };
  if (d.has('plugin_name')) c.plugin_name = d.str('plugin_name');
  if (!c.plugin_name) throw badRequest('empty plugin name');
  if (d.has('plugin_version')) c.plugin_version = d.str('plugin_version');
  if (c.plugin_version) throw badRequest(`database plugin "${c.plugin_name}", version ${c.plugin_version} not found: only the built-in version is available`);
  if (d.has('allowed_roles') || create) c.allowed_roles = d.list('allowed_roles');
  if (d.has('root_rotation_statements') || create) c.root_credentials_rotate_statements = statementsField('root_rotation_statements', d.raw.root_rotation_statements);
  if (d.has('password_policy')) c.password_policy = d.str('password_policy');
  // Coffer has no sys/policies/password yet: a policy name could not be honoured, so it is refused rather than ignored.
  if (c.password_policy) throw badRequest(`password_policy "${c.password_policy}": password policies are not available on this server; omit the field to use the default password generator`);
  const verify = d.bool('verify_connection');
  c.verify_connection = verify;

  const details: Record<string, unknown> = create ? {} : { ...c.connection_details };
  for (const [k, v] of Object.entries(d.raw)) {
    if (ENGINE_FIELDS.includes(k) || v === undefined) continue;
    // Typed fields are checked (a 400 naming the field) but stored as sent, as Vault stores its raw map.
    if (configFields[k]) d.get(k);
    details[k] = v;
  }
  c.connection_details = details;

  const plugin = createPlugin(c);
  const template = typeof details.username_template === 'string' ? details.username_template : '';
  if (template) {
    try {
      await checkUsernameTemplate(template);
    } catch (e) {
      throw badRequest(`error creating database object: unable to initialize username template: ${(e as Error).message}`);
    }
  }
  if (verify) {
    try {
      await plugin.verify();
    } catch (e) {
      await plugin.close();
      throw badRequest(`error creating database object: ${(e as Error).message}`);
    }
  }
  await writeConfig(storage, name, c);
  await connections.put(name, plugin);
  const url = typeof details.connection_url === 'string' ? details.connection_url : '';
  if (passwordInURL(url)) {
    return { warnings: ['Password found in connection_url, use a templated url to enable root rotation and prevent read access to password information.'] };
  }
  return null;
}
