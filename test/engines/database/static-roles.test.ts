/**
 * Static roles against the real databases: Coffer takes over an existing user's password at
 * once, static-creds returns it with the time left before the next rotation, rotate-role and
 * the rotation schedule change it (the old one stops working), and the usual refusals.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { databaseFactory } from '../../../src/engines/database/backend.js';
import { Connections } from '../../../src/engines/database/connections.js';
import { StaticRotator } from '../../../src/engines/database/static-roles.js';
import type { CofferError } from '../../../src/lib/errors.js';
import { createTestBackend, type TestBackend } from '../../support/backend.js';
import { MYSQL_URL, PG_URL, mysqlAdmin, mysqlLogin, pgAdmin, pgRole, runId, scramMatches, skipUnless } from './dbs.js';

const pgOpts = await skipUnless('postgres');
const myOpts = await skipUnless('mariadb');
const id = runId();
const PG_USER = `cstat_${id}`;
const MY_USER = `cstat_${id}`;
let tb: TestBackend;
let pgA: pg.Pool | undefined;
let myA: Connection | undefined;

before(async () => {
  tb = await createTestBackend(databaseFactory, { type: 'database', path: 'database/' });
  if (!pgOpts.skip) {
    pgA = pgAdmin();
    await pgA.query(`CREATE ROLE "${PG_USER}" WITH LOGIN PASSWORD 'before-coffer'`);
    await tb.call('create', 'config/pg', { plugin_name: 'postgresql-database-plugin', connection_url: PG_URL, username: 'postgres', password: 'x', allowed_roles: 'app-*' });
  }
  if (!myOpts.skip) {
    myA = await mysqlAdmin();
    await myA.query(`CREATE USER '${MY_USER}'@'%' IDENTIFIED BY 'Before-Coffer-1'`);
    await tb.call('create', 'config/my', { plugin_name: 'mysql-database-plugin', connection_url: MYSQL_URL, username: 'root', password: '', verify_connection: true, allowed_roles: '*' });
  }
});

after(async () => {
  await tb.backend.def.cleanup?.();
  await pgA?.query(`DROP ROLE IF EXISTS "${PG_USER}"`).catch(() => undefined);
  await pgA?.end();
  await myA?.query(`DROP USER IF EXISTS '${MY_USER}'@'%'`).catch(() => undefined);
  await myA?.end();
});

type Creds = { username: string; password: string; last_vault_rotation: string; rotation_period: number; ttl: number };
const staticCreds = async (name: string) => (await tb.call('read', `static-creds/${name}`))!.data as Creds;

test('PostgreSQL: the password is taken over on creation and changed by rotate-role', pgOpts, async () => {
  const t0 = Date.now();
  assert.equal(await tb.call('create', 'static-roles/app-pg', { db_name: 'pg', username: PG_USER, rotation_period: '1h' }), null);
  const c = await staticCreds('app-pg');
  assert.equal(c.username, PG_USER);
  assert.equal(c.rotation_period, 3600);
  assert.ok(c.ttl > 3590 && c.ttl <= 3600);
  assert.ok(Date.parse(c.last_vault_rotation) >= t0 - 1000);
  const verifier = async () => (await pgRole(pgA!, PG_USER))!.rolpassword;
  assert.equal(scramMatches(await verifier(), 'before-coffer'), false);
  assert.equal(scramMatches(await verifier(), c.password), true);

  assert.equal(await tb.call('update', 'rotate-role/app-pg'), null);
  const c2 = await staticCreds('app-pg');
  assert.notEqual(c2.password, c.password);
  assert.equal(scramMatches(await verifier(), c2.password), true);
  assert.deepEqual((await tb.call('read', 'static-roles/app-pg'))!.data, {
    db_name: 'pg', username: PG_USER, rotation_period: 3600, rotation_statements: [], credential_type: 'password', last_vault_rotation: c2.last_vault_rotation,
  });

  // The schedule: once rotation_period has passed, the next sweep rotates.
  const rotator = new StaticRotator(tb.storage, new Connections(tb.storage), () => Date.now() + 3601_000);
  try {
    assert.equal(await rotator.rotateDue(() => undefined), 1);
  } finally {
    await rotator['connections'].closeAll();
  }
  const c3 = await staticCreds('app-pg');
  assert.notEqual(c3.password, c2.password);
  assert.equal(scramMatches(await verifier(), c3.password), true);
  const again = new StaticRotator(tb.storage, new Connections(tb.storage));
  assert.equal(await again.rotateDue(() => undefined), 0, 'nothing is due right after a rotation');
});

test('static roles: refusals', pgOpts, async () => {
  await tb.call('create', 'roles/app-dyn', { db_name: 'pg', creation_statements: 'CREATE ROLE "{{name}}"' });
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['static-roles/app-dyn', { db_name: 'pg', username: PG_USER, rotation_period: 60 }, /Role and Static Role names must be unique/],
    ['roles/app-pg', { db_name: 'pg' }, /Role and Static Role names must be unique/],
    ['static-roles/app-pg', { username: 'someone-else' }, /cannot update static account username/],
    ['static-roles/app-new', { db_name: 'pg', username: PG_USER }, /rotation_period is required/],
    ['static-roles/app-new', { db_name: 'pg', username: PG_USER, rotation_period: 4 }, /rotation_period must be 5 seconds or more/],
    ['static-roles/app-new', { db_name: 'nope', username: PG_USER, rotation_period: 60 }, /failed to find entry for connection with name: "nope"/],
    ['static-roles/app-new', { db_name: 'pg', username: PG_USER, rotation_period: 'often' }, /field "rotation_period"/],
  ];
  for (const [path, body, re] of cases) await assert.rejects(tb.call('update', path, body), (e: CofferError) => e.status === 400 && re.test(e.message), path);
  await assert.rejects(tb.call('read', 'static-creds/missing'), /unknown role: missing/);
  await assert.rejects(tb.call('update', 'rotate-role/missing'), /no static role found for role name/);
  // A role that does not exist in the database cannot be taken over; nothing is stored.
  await assert.rejects(tb.call('create', 'static-roles/app-ghost', { db_name: 'pg', username: `ghost_${id}`, rotation_period: 60 }), /does not exist/);
  assert.equal(await tb.call('read', 'static-roles/app-ghost'), null);
  assert.ok(((await tb.call('list', 'static-roles'))!.data!.keys as string[]).includes('app-pg'));
});

test('MariaDB: after each rotation the new password logs in and the previous one is refused', myOpts, async () => {
  await tb.call('create', 'static-roles/svc', { db_name: 'my', username: MY_USER, rotation_period: 5 });
  const c = await staticCreds('svc');
  assert.equal(await mysqlLogin(MY_USER, 'Before-Coffer-1'), 'ER_ACCESS_DENIED');
  assert.equal(await mysqlLogin(MY_USER, c.password), 'ok');
  // The engine's own ticker rotates a 5 s role without being asked.
  const deadline = Date.now() + 20_000;
  let c2 = c;
  while (Date.now() < deadline && c2.password === c.password) {
    await new Promise((r) => setTimeout(r, 500));
    c2 = await staticCreds('svc');
  }
  assert.notEqual(c2.password, c.password, 'rotated by the schedule');
  assert.equal(await mysqlLogin(MY_USER, c.password), 'ER_ACCESS_DENIED');
  assert.equal(await mysqlLogin(MY_USER, c2.password), 'ok');
  await tb.call('update', 'static-roles/svc', { rotation_period: '1h' });
  await tb.call('delete', 'static-roles/svc');
  assert.equal(await tb.call('read', 'static-roles/svc'), null);
});
