/**
 * The database engine against the real MariaDB: generated users log in with their password and
 * are refused (ER_ACCESS_DENIED) once revoked; legacy plugin names keep usernames within 16
 * characters; rotate-root changes an admin user's password so the old one stops working while
 * the engine goes on with the new one.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Connection } from 'mysql2/promise';
import { databaseFactory } from '../../../src/engines/database/backend.js';
import { Connections, readConfig } from '../../../src/engines/database/connections.js';
import { recoverRootRotations } from '../../../src/engines/database/rotate-root.js';
import type { Request } from '../../../src/framework/types.js';
import { createTestBackend, type TestBackend } from '../../support/backend.js';
import { MYSQL_URL, mysqlAdmin, mysqlLogin, runId, skipUnless } from './dbs.js';

const opts = await skipUnless('mariadb');
const id = runId();
const ADMIN = `cadm_${id}`;
const ADMIN_PW = `Adm1n-${id}`;
let tb: TestBackend;
let admin: Connection;
const CREATE = `CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT SELECT ON test.* TO '{{name}}'@'%';`;
const token = { displayName: 'root' } as Request['token'];
const users: string[] = [];

before(async () => {
  if (opts.skip) return;
  admin = await mysqlAdmin();
  // A dedicated admin so rotate-root never touches the machine's root account.
  await admin.query(`CREATE USER '${ADMIN}'@'%' IDENTIFIED BY '${ADMIN_PW}'`);
  await admin.query(`GRANT ALL PRIVILEGES ON *.* TO '${ADMIN}'@'%' WITH GRANT OPTION`);
  tb = await createTestBackend(databaseFactory, { type: 'database', path: 'database/' });
});

after(async () => {
  if (opts.skip) return;
  for (const u of [ADMIN, `${ADMIN}r`, ...users]) await admin.query(`DROP USER IF EXISTS '${u}'@'%'`).catch(() => undefined);
  await tb.backend.def.cleanup?.();
  await admin.end();
});

const leaseReq = (internal: Record<string, unknown>) => ({ secret: { leaseId: 'database/creds/x/1', type: 'creds', internal, issueTime: Math.floor(Date.now() / 1000), ttl: 60 } }) as Request;

test('mysql-database-plugin: the user logs in with its password until revoked, then is refused', opts, async () => {
  await tb.call('create', 'config/my', { plugin_name: 'mysql-database-plugin', connection_url: MYSQL_URL, username: ADMIN, password: ADMIN_PW, allowed_roles: 'reader,legacy' });
  await tb.call('create', 'roles/reader', { db_name: 'my', creation_statements: CREATE, default_ttl: '1m' });
  const r = await tb.call('read', 'creds/reader', {}, { token });
  const { username, password } = r!.data as { username: string; password: string };
  users.push(username);
  assert.equal(username.length, 32);
  assert.match(username, /^v-root-reader-[A-Za-z0-9]{18}$/);
  assert.equal(await mysqlLogin(username, password), 'ok');
  assert.equal(await mysqlLogin(username, 'not-the-password'), 'ER_ACCESS_DENIED');
  // MySQL users have no expiry: renewal succeeds and changes nothing in the database.
  await tb.backend.secretType('creds')!.renew!(leaseReq(r!.secret!.internal));
  assert.equal(await mysqlLogin(username, password), 'ok');
  await tb.backend.secretType('creds')!.revoke(leaseReq(r!.secret!.internal));
  assert.equal(await mysqlLogin(username, password), 'ER_ACCESS_DENIED');
  const [rows] = await admin.query('SELECT user FROM mysql.user WHERE user = ?', [username]);
  assert.equal((rows as unknown[]).length, 0);
});

test('legacy plugin names keep usernames within MySQL 5.6\'s 16 characters', opts, async () => {
  await tb.call('create', 'config/my-legacy', { plugin_name: 'mysql-legacy-database-plugin', connection_url: MYSQL_URL, username: ADMIN, password: ADMIN_PW, allowed_roles: '*' });
  await tb.call('create', 'roles/legacy', { db_name: 'my-legacy', creation_statements: CREATE });
  const r = await tb.call('read', 'creds/legacy', {}, { token });
  const { username, password } = r!.data as { username: string; password: string };
  users.push(username);
  assert.match(username, /^v-lega-[A-Za-z0-9]{9}$/);
  assert.equal(await mysqlLogin(username, password), 'ok');
  await tb.backend.secretType('creds')!.revoke(leaseReq(r!.secret!.internal));
  assert.equal(await mysqlLogin(username, password), 'ER_ACCESS_DENIED');
});

test('a wrong root password is a 400 with the driver\'s message and never the password', opts, async () => {
  await assert.rejects(
    tb.call('create', 'config/my-wrong', { plugin_name: 'mysql-database-plugin', connection_url: MYSQL_URL, username: ADMIN, password: 'Wr0ng-Pa55word' }),
    (e: Error & { status?: number }) => e.status === 400 && /^error creating database object: error verifying connection: Access denied for user/.test(e.message) && !e.message.includes('Wr0ng-Pa55word'),
  );
  assert.equal(await tb.call('read', 'config/my-wrong'), null, 'nothing stored');
  // verify_connection=false stores it; the failure then comes with the first use.
  await tb.call('create', 'config/my-wrong', { plugin_name: 'mysql-database-plugin', connection_url: MYSQL_URL, username: ADMIN, password: 'Wr0ng-Pa55word', verify_connection: false, allowed_roles: '*' });
  await tb.call('create', 'roles/wrong', { db_name: 'my-wrong', creation_statements: CREATE });
  await assert.rejects(tb.call('read', 'creds/wrong', {}, { token }), (e: Error & { status?: number }) => e.status === 500 && /Access denied/.test(e.message) && !e.message.includes('Wr0ng'));
  await tb.call('delete', 'config/my-wrong');
});

test('rotate-root: the old admin password stops working, the engine keeps working with the new one', opts, async () => {
  await tb.call('create', 'config/my-rot', { plugin_name: 'mysql-database-plugin', connection_url: MYSQL_URL, username: ADMIN, password: ADMIN_PW, allowed_roles: '*' });
  assert.equal(await mysqlLogin(ADMIN, ADMIN_PW), 'ok');
  await tb.call('update', 'rotate-root/my-rot');
  assert.equal(await mysqlLogin(ADMIN, ADMIN_PW), 'ER_ACCESS_DENIED');
  const details = (await tb.call('read', 'config/my-rot'))!.data!.connection_details as Record<string, unknown>;
  assert.equal('password' in details, false);
  await tb.call('create', 'roles/after-rotate', { db_name: 'my-rot', creation_statements: CREATE });
  const r = await tb.call('read', 'creds/after-rotate', {}, { token });
  const { username, password } = r!.data as { username: string; password: string };
  users.push(username);
  assert.equal(await mysqlLogin(username, password), 'ok');
  await tb.backend.secretType('creds')!.revoke(leaseReq(r!.secret!.internal));
  // Without a password in the config there is nothing to rotate.
  await tb.call('create', 'config/my-nopw', { plugin_name: 'mysql-database-plugin', connection_url: 'root@tcp(127.0.0.1:3306)/', allowed_roles: '*' });
  await assert.rejects(tb.call('update', 'rotate-root/my-nopw'), /no username in configuration|no password in configuration/);
});

test('a root rotation a crash interrupted is settled by asking the database which password it has', opts, async () => {
  const user = `${ADMIN}r`;
  await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'First-Pw-1'`);
  await admin.query(`GRANT ALL PRIVILEGES ON *.* TO '${user}'@'%' WITH GRANT OPTION`);
  await tb.call('create', 'config/my-rec', { plugin_name: 'mysql-database-plugin', connection_url: MYSQL_URL, username: user, password: 'First-Pw-1', allowed_roles: '*' });
  const password = async () => (await readConfig(tb.storage, 'my-rec'))!.connection_details.password;
  const conns = new Connections(tb.storage);
  try {
    // Crash after the database changed: the written-ahead password is the one that works, and is kept.
    await tb.storage.putJSON('wal/rotate-root/my-rec', { password: 'Second-Pw-2' });
    await admin.query(`ALTER USER '${user}'@'%' IDENTIFIED BY 'Second-Pw-2'`);
    await recoverRootRotations(tb.storage, conns);
    assert.equal(await password(), 'Second-Pw-2');
    assert.deepEqual(await tb.storage.list('wal/rotate-root/'), []);
    // Crash before the database changed: the stored password still works and stays.
    await tb.storage.putJSON('wal/rotate-root/my-rec', { password: 'Third-Pw-3' });
    await recoverRootRotations(tb.storage, conns);
    assert.equal(await password(), 'Second-Pw-2');
    assert.deepEqual(await tb.storage.list('wal/rotate-root/'), []);
  } finally {
    await conns.closeAll();
  }
  assert.equal(await tb.call('update', 'rotate-root/my-rec'), null);
  assert.equal(await mysqlLogin(user, 'Second-Pw-2'), 'ER_ACCESS_DENIED');
  assert.equal(await mysqlLogin(user, String(await password())), 'ok');
});
