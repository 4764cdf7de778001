/** The database engine's pure parts: statements, passwords, usernames, DSNs, URL redaction, SCRAM verifiers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactURL } from '../../../src/engines/database/config.js';
import type { DatabaseConfig } from '../../../src/engines/database/connections.js';
import { roleAllowed } from '../../../src/engines/database/creds.js';
import { expirationString, generatePassword, generateUsername } from '../../../src/engines/database/credentials.js';
import { parseMySQLDSN } from '../../../src/engines/database/mysql-dsn.js';
import { MYSQL_LEGACY_USERNAME_TEMPLATE, MYSQL_USERNAME_TEMPLATE } from '../../../src/engines/database/mysql.js';
import { connectionSettings, pluginKind, sanitize } from '../../../src/engines/database/plugin.js';
import { POSTGRES_USERNAME_TEMPLATE } from '../../../src/engines/database/postgres.js';
import { scramVerifier } from '../../../src/engines/database/scram.js';
import { containsMultilineStatement, renderStatement, splitStatements, statementsField } from '../../../src/engines/database/statements.js';
import { scramMatches } from './dbs.js';

test('statements: one string, lists, JSON arrays, base64, `;` splitting, commas kept', () => {
  const cases: [unknown, string[]][] = [
    ['GRANT SELECT, INSERT ON t TO "{{name}}"', ['GRANT SELECT, INSERT ON t TO "{{name}}"']],
    [['a;', 'b'], ['a;', 'b']],
    [undefined, []],
    ['', []],
  ];
  for (const [input, want] of cases) assert.deepEqual(statementsField('creation_statements', input), want);
  assert.throws(() => statementsField('creation_statements', 42), /field "creation_statements"/);
  assert.deepEqual(splitStatements('CREATE ROLE x; GRANT a, b ON t TO x;\n'), ['CREATE ROLE x', 'GRANT a, b ON t TO x']);
  assert.deepEqual(splitStatements('["CREATE ROLE x", "DROP ROLE y"]'), ['CREATE ROLE x', 'DROP ROLE y']);
  assert.deepEqual(splitStatements(Buffer.from('CREATE ROLE x; DROP ROLE y').toString('base64')), ['CREATE ROLE x', 'DROP ROLE y']);
  assert.deepEqual(splitStatements('DROP'), ['DROP'], 'valid base64 alphabet that is not text stays SQL');
  assert.equal(renderStatement(`CREATE ROLE "{{name}}" PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`, { name: 'u', password: 'p', expiration: 'e' }), `CREATE ROLE "u" PASSWORD 'p' VALID UNTIL 'e'`);
  assert.equal(containsMultilineStatement('DO $$ BEGIN CREATE ROLE x; END $$;'), true);
  assert.equal(containsMultilineStatement(`CREATE ROLE "END"; COMMENT ON ROLE x IS 'END'`), false);
});

test('passwords follow Vault\'s default policy: 20 of [A-Za-z0-9-], every class present, all different', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const p = generatePassword();
    assert.match(p, /^[A-Za-z0-9-]{20}$/);
    for (const re of [/[a-z]/, /[A-Z]/, /[0-9]/, /-/]) assert.match(p, re);
    seen.add(p);
  }
  assert.equal(seen.size, 200);
});

test('usernames: Vault\'s default templates and each database\'s length limit', async () => {
  const now = () => 1_700_000_000_000;
  const pg = await generateUsername(POSTGRES_USERNAME_TEMPLATE, 'kubernetes-default-webserver', 'awesome-db', now);
  assert.match(pg, /^v-kubernet-awesome--[A-Za-z0-9]{20}-1700000000$/);
  const long = await generateUsername(POSTGRES_USERNAME_TEMPLATE, 'a'.repeat(50), 'b'.repeat(50), now);
  assert.ok(long.length <= 63);
  const my = await generateUsername(MYSQL_USERNAME_TEMPLATE, 'root', 'readonly-role', now);
  assert.equal(my.length, 32);
  assert.match(my, /^v-root-readonly-r-[A-Za-z0-9]{14}$/);
  const legacy = await generateUsername(MYSQL_LEGACY_USERNAME_TEMPLATE, 'root', 'readonly', now);
  assert.match(legacy, /^v-read-[A-Za-z0-9]{9}$/);
});

test('expiration text is Go\'s "2006-01-02 15:04:05-0700" in UTC', () => {
  assert.equal(expirationString(new Date(Date.UTC(2026, 11, 7, 6, 5, 9))), '2026-12-07 06:05:09+0000');
});

test('MySQL DSNs: Go driver form and mysql:// URLs', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['root:pa:ss@word@tcp(127.0.0.1:3306)/', { user: 'root', password: 'pa:ss@word', host: '127.0.0.1', port: 3306 }],
    ['u:p@tcp(db.example:3307)/app?tls=skip-verify', { user: 'u', password: 'p', host: 'db.example', port: 3307, database: 'app', ssl: { rejectUnauthorized: false } }],
    ['u@unix(/run/mysqld/mysqld.sock)/', { user: 'u', socketPath: '/run/mysqld/mysqld.sock' }],
    ['/mydb', { host: '127.0.0.1', port: 3306, database: 'mydb' }],
    ['mysql://u:p%40x@h:3310/d', { host: 'h', port: 3310, user: 'u', password: 'p@x', database: 'd' }],
  ];
  for (const [dsn, want] of cases) assert.deepEqual(parseMySQLDSN(dsn), want, dsn);
  assert.throws(() => parseMySQLDSN('no-slash-here'), /invalid DSN/);
  assert.throws(() => parseMySQLDSN('u:p@bogus(x/y'), /invalid DSN/);
});

test('connection settings: templating with escaping, pool defaults, refusals', () => {
  const s = connectionSettings({ connection_url: 'postgresql://{{username}}:{{password}}@h/db', username: 'a@b', password: 'p/w?' }, true);
  assert.equal(s.connectionUrl, 'postgresql://a%40b:p%2Fw%3F@h/db');
  assert.equal(s.maxOpen, 4);
  assert.equal(s.maxIdle, 4);
  const my = connectionSettings({ connection_url: '{{username}}:{{password}}@tcp(h)/', username: 'root', password: 'p/w?', max_open_connections: 2, max_idle_connections: 9, max_connection_lifetime: '30s' }, false);
  assert.equal(my.connectionUrl, 'root:p/w?@tcp(h)/');
  assert.deepEqual([my.maxOpen, my.maxIdle, my.maxLifetime], [2, 2, 30]);
  assert.throws(() => connectionSettings({}, true), /connection_url cannot be empty/);
  assert.throws(() => connectionSettings({ connection_url: 'x', password: '{{password}}' }, true), /cannot contain the template variables/);
  assert.throws(() => connectionSettings({ connection_url: 'x', max_open_connections: 'many' }, true), /"max_open_connections"/);
  assert.throws(() => connectionSettings({ connection_url: 'x', max_connection_lifetime: 'forever' }, true), /max_connection_lifetime/);
});

test('plugin names, error sanitizing and URL redaction', () => {
  assert.equal(pluginKind('postgresql-database-plugin'), 'postgresql');
  assert.equal(pluginKind('mysql-rds-database-plugin'), 'mysql-legacy');
  assert.equal(pluginKind('toString'), undefined);
  assert.equal(sanitize('auth failed for s3cr&t and s3cr%26t', ['s3cr&t']), 'auth failed for [password] and [password]');
  assert.equal(redactURL('postgresql://root:hunter2@h:5432/db'), 'postgresql://root:xxxxx@h:5432/db');
  assert.equal(redactURL('postgresql://{{username}}:{{password}}@h/db'), 'postgresql://{{username}}:{{password}}@h/db');
});

test('SCRAM-SHA-256 verifiers match PostgreSQL\'s format and the password behind them', async () => {
  const v = await scramVerifier('correct horse');
  assert.match(v, /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
  assert.equal(scramMatches(v, 'correct horse'), true);
  assert.equal(scramMatches(v, 'wrong horse'), false);
});

test('allowed_roles: exact names, "*" and globs; empty allows nothing', () => {
  const allowed = (list: string[], role: string) => roleAllowed({ allowed_roles: list } as DatabaseConfig, role);
  const cases: [string[], string, boolean][] = [
    [['*'], 'anything', true],
    [['awesome-db'], 'awesome-db', true],
    [['awesome-db'], 'awesome-db2', false],
    [['app-*'], 'app-reader', true],
    [['app-*'], 'my-app-reader', false],
    [['*-ro'], 'db.x-ro', true],
    [['a.b'], 'axb', false],
    [[], 'awesome-db', false],
  ];
  for (const [list, role, want] of cases) assert.equal(allowed(list, role), want, `${JSON.stringify(list)} ${role}`);
});
