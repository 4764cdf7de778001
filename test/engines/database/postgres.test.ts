/**
 * The database engine against the real PostgreSQL, called as core calls it (createTestBackend):
 * configs, roles, creds that exist in pg_roles with the password behind their SCRAM verifier and
 * a VALID UNTIL past the lease, renewal moving it, revocation dropping the role (default and
 * custom statements, role deleted meanwhile), scram-sha-256 password_authentication.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { databaseFactory } from '../../../src/engines/database/backend.js';
import { CofferError } from '../../../src/lib/errors.js';
import type { Request } from '../../../src/framework/types.js';
import { createTestBackend, type TestBackend } from '../../support/backend.js';
import { PG_URL, pgAdmin, pgRole, runId, scramMatches, skipUnless } from './dbs.js';

const opts = await skipUnless('postgres');
const id = runId();
let tb: TestBackend;
let admin: pg.Pool;
const created: string[] = [];
const CREATE = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";`;
const token = { displayName: 'token-tester' } as Request['token'];

before(async () => {
  if (opts.skip) return;
  admin = pgAdmin();
  tb = await createTestBackend(databaseFactory, { type: 'database', path: 'database/', defaultLeaseTTL: 3600, maxLeaseTTL: 7200 });
  const r = await tb.call('create', 'config/pg', { plugin_name: 'postgresql-database-plugin', connection_url: PG_URL, username: 'postgres', password: `root-secret-${id}`, allowed_roles: ['ro-*', 'custom', 'gone'] });
  assert.equal(r, null);
});

after(async () => {
  if (opts.skip) return;
  for (const u of created) await admin.query(`DROP ROLE IF EXISTS "${u}"`).catch(() => undefined);
  await tb.backend.def.cleanup?.();
  await admin.end();
});

const secretType = () => tb.backend.secretType('creds')!;
const leaseReq = (resp: { secret?: { internal: Record<string, unknown>; ttl: number } } | null, extra: Partial<NonNullable<Request['secret']>> = {}) =>
  ({ secret: { leaseId: 'database/creds/x/1', type: 'creds', internal: resp!.secret!.internal, issueTime: Math.floor(Date.now() / 1000), ttl: resp!.secret!.ttl, ...extra } }) as Request;

async function creds(role: string) {
  const r = await tb.call('read', `creds/${role}`, {}, { token });
  const d = r!.data as { username: string; password: string };
  created.push(d.username);
  return { r: r!, ...d };
}

test('config reads back Vault\'s shape without the password', opts, async () => {
  const r = await tb.call('read', 'config/pg');
  assert.deepEqual(r!.data, {
    connection_details: { connection_url: PG_URL, username: 'postgres' },
    plugin_name: 'postgresql-database-plugin', plugin_version: '', allowed_roles: ['ro-*', 'custom', 'gone'],
    root_credentials_rotate_statements: [], password_policy: '', verify_connection: true,
  });
  assert.ok(!JSON.stringify(r).includes(`root-secret-${id}`));
  assert.deepEqual((await tb.call('list', 'config'))!.data, { keys: ['pg'] });
});

test('creds: a login role with the generated password and VALID UNTIL just past the lease; revoke drops it', opts, async () => {
  await tb.call('create', 'roles/ro-app', { db_name: 'pg', creation_statements: CREATE, default_ttl: '10m', max_ttl: '1h' });
  const before = Date.now();
  const { r, username, password } = await creds('ro-app');
  assert.match(username, /^v-token-te-ro-app-[A-Za-z0-9]{20}-\d{10}$/);
  assert.match(password, /^[A-Za-z0-9-]{20}$/);
  assert.deepEqual(r.secret, { type: 'creds', ttl: 600, renewable: true, maxTTL: 3600, internal: { username, role: 'ro-app', db_name: 'pg', revocation_statements: [] } });
  const row = await pgRole(admin, username);
  assert.ok(row, 'role exists in pg_roles');
  assert.equal(scramMatches(row.rolpassword, password), true, 'the password handed out is the role\'s password');
  const until = row.rolvaliduntil!.getTime();
  assert.ok(until >= Math.floor(before / 1000) * 1000 + 600_000 && until <= Date.now() + 606_000, `VALID UNTIL ${row.rolvaliduntil?.toISOString()}`);

  // Renew: VALID UNTIL moves to now + increment, capped by max_ttl from issue time.
  const issued = Math.floor(Date.now() / 1000) - 3000;
  const renewed = await secretType().renew!(leaseReq(r, { increment: 1800, issueTime: issued }));
  assert.deepEqual({ ttl: renewed!.secret!.ttl, maxTTL: renewed!.secret!.maxTTL }, { ttl: 600, maxTTL: 3600 });
  const capped = (await pgRole(admin, username))!.rolvaliduntil!.getTime();
  assert.ok(Math.abs(capped - ((issued + 3600) * 1000 + 5000)) < 3000, 'capped at issue + max_ttl (+5s grace)');
  await assert.rejects(secretType().renew!(leaseReq(r, { issueTime: issued - 3600 })), /past the max TTL/);

  await secretType().revoke(leaseReq(r));
  assert.equal(await pgRole(admin, username), undefined, 'revoked role is gone');
  // Revoking again is fine: the role is already gone.
  await secretType().revoke(leaseReq(r));
});

test('default revocation of a user that owns a table: the table goes to the engine\'s user, the role is dropped', opts, async () => {
  const { r, username } = await creds('ro-app');
  const table = `owned_${id}`;
  await admin.query(`CREATE TABLE "${table}" (x int)`);
  try {
    await admin.query(`ALTER TABLE "${table}" OWNER TO "${username}"`);
    await secretType().revoke(leaseReq(r));
    assert.equal(await pgRole(admin, username), undefined);
    const owner = await admin.query('SELECT tableowner FROM pg_tables WHERE tablename = $1', [table]);
    assert.equal(owner.rows[0].tableowner, 'postgres');
  } finally {
    await admin.query(`DROP TABLE IF EXISTS "${table}"`);
  }
});

test('custom revocation and renew statements; a role deleted before its lease ends is still revoked', opts, async () => {
  await tb.call('create', 'roles/custom', {
    db_name: 'pg',
    creation_statements: ['CREATE ROLE "{{name}}" WITH LOGIN PASSWORD \'{{password}}\'', 'COMMENT ON ROLE "{{name}}" IS \'created\''],
    renew_statements: `ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}'; COMMENT ON ROLE "{{name}}" IS 'renewed';`,
    revocation_statements: 'REVOKE ALL ON SCHEMA public FROM "{{name}}"; DROP ROLE "{{name}}";',
  });
  const { r, username } = await creds('custom');
  const comment = async () => (await admin.query('SELECT shobj_description(oid, \'pg_authid\') AS c FROM pg_roles WHERE rolname = $1', [username])).rows[0]?.c;
  assert.equal(await comment(), 'created');
  assert.equal((await pgRole(admin, username))!.rolvaliduntil, null);
  await secretType().renew!(leaseReq(r));
  assert.equal(await comment(), 'renewed');
  assert.ok((await pgRole(admin, username))!.rolvaliduntil);

  await tb.call('create', 'roles/gone', { db_name: 'pg', creation_statements: CREATE, revocation_statements: 'DROP ROLE "{{username}}"' });
  const g = await creds('gone');
  await tb.call('delete', 'roles/gone');
  await assert.rejects(secretType().renew!(leaseReq(g.r)), /could not find role with name "gone"/);
  await secretType().revoke(leaseReq(g.r));
  assert.equal(await pgRole(admin, g.username), undefined);
  await secretType().revoke(leaseReq(r));
  assert.equal(await pgRole(admin, username), undefined);
});

test('a failing creation statement rolls the whole set back and names the database error', opts, async () => {
  await tb.call('create', 'roles/ro-broken', { db_name: 'pg', creation_statements: `${CREATE} GRANT SELECT ON no_such_table_${id} TO "{{name}}";` });
  const before = (await admin.query(`SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE 'v-token-te-ro-broke%'`)).rows[0].n;
  await assert.rejects(tb.call('read', 'creds/ro-broken', {}, { token }), (e: CofferError) => e.status === 500 && new RegExp(`relation "no_such_table_${id}" does not exist`).test(e.message));
  const after = (await admin.query(`SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE 'v-token-te-ro-broke%'`)).rows[0].n;
  assert.equal(after, before, 'no half-created role is left behind');
  // A database message quoting the statement never carries the password it was setting.
  await tb.call('create', 'roles/ro-echo', { db_name: 'pg', creation_statements: `SELECT '{{password}}'::int` });
  await assert.rejects(tb.call('read', 'creds/ro-echo', {}, { token }), (e: CofferError) => e.status === 500 && e.message === 'invalid input syntax for type integer: "[password]"');
});

test('roles: Vault\'s read shape, merges on update, refusals', opts, async () => {
  await tb.call('create', 'roles/ro-shape', { db_name: 'pg', creation_statements: CREATE, default_ttl: 60, max_ttl: '2h' });
  await tb.call('update', 'roles/ro-shape', { default_ttl: '5m' });
  assert.deepEqual((await tb.call('read', 'roles/ro-shape'))!.data, {
    db_name: 'pg', creation_statements: [CREATE], revocation_statements: [], rollback_statements: [], renew_statements: [],
    default_ttl: 300, max_ttl: 7200, credential_type: 'password',
  });
  assert.ok(((await tb.call('list', 'roles'))!.data!.keys as string[]).includes('ro-shape'));
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ creation_statements: CREATE }, /database name is required/],
    [{ db_name: 'pg', default_ttl: 'soon' }, /field "default_ttl"/],
    [{ db_name: 'pg', credential_type: 'magic' }, /invalid credential_type "magic"/],
    [{ db_name: 'pg', creation_statements: { sql: 1 } }, /field "creation_statements"/],
  ];
  for (const [body, re] of cases) await assert.rejects(tb.call('create', 'roles/ro-bad', body), (e: CofferError) => e.status === 400 && re.test(e.message), JSON.stringify(body));
  await tb.call('delete', 'roles/ro-shape');
  assert.equal(await tb.call('read', 'roles/ro-shape'), null);
});

test('libpq key=value connection strings work too; a malformed one is a 400', opts, async () => {
  assert.equal(await tb.call('create', 'config/pg-kv', { plugin_name: 'postgresql-database-plugin', connection_url: "host=127.0.0.1 port=5432 user={{username}} password='{{password}}' dbname=test sslmode=disable", username: 'postgres', password: 'p w', allowed_roles: '*' }), null);
  await tb.call('create', 'roles/kv', { db_name: 'pg-kv', creation_statements: CREATE });
  const { r, username } = await creds('kv');
  assert.ok(await pgRole(admin, username));
  await secretType().revoke(leaseReq(r));
  await assert.rejects(
    tb.call('create', 'config/pg-kv2', { plugin_name: 'postgresql-database-plugin', connection_url: 'host=127.0.0.1 port' }),
    (e: CofferError) => e.status === 400 && e.message === 'error creating database object: cannot parse connection_url',
  );
});

test('username_template on the config shapes the names', opts, async () => {
  await tb.call('create', 'config/pg-tpl', { plugin_name: 'postgresql-database-plugin', connection_url: PG_URL, username: 'postgres', password: 'x', allowed_roles: '*', username_template: '{{ printf "app_%s_%s" .RoleName (random 6) | lowercase }}' });
  await tb.call('create', 'roles/Tpl', { db_name: 'pg-tpl', creation_statements: CREATE });
  const { r, username } = await creds('Tpl');
  assert.match(username, /^app_tpl_[a-z0-9]{6}$/);
  assert.ok(await pgRole(admin, username));
  await secretType().revoke(leaseReq(r));
  assert.equal(await pgRole(admin, username), undefined);
});

test('password_authentication=scram-sha-256 sends only the verifier; the password still matches', opts, async () => {
  await tb.call('create', 'config/pg-scram', { plugin_name: 'postgresql-database-plugin', connection_url: PG_URL, username: 'postgres', password: 'x', allowed_roles: '*', password_authentication: 'scram-sha-256' });
  await tb.call('create', 'roles/scram', { db_name: 'pg-scram', creation_statements: CREATE });
  const { r, username, password } = await creds('scram');
  assert.equal(scramMatches((await pgRole(admin, username))!.rolpassword, password), true);
  await secretType().revoke(leaseReq(r));
  await assert.rejects(
    tb.call('create', 'config/pg-bad', { plugin_name: 'postgresql-database-plugin', connection_url: PG_URL, password_authentication: 'md5' }),
    /'md5' is not a valid password authentication type/,
  );
});
