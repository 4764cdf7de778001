/**
 * The database engine over real HTTP and the real CLI: seed 003's `secrets enable database` and
 * `read database/creds/awesome-db` against PostgreSQL, lease renew and revoke, allowed_roles,
 * 400s naming the field, the root password never shown, rotate-root, a database that is down
 * (a clear error, not a hang; an expiring lease's revocation retried until the database is
 * back), and pools closed on unmount.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { leaseDefaults } from '../../../src/core/leases/lease-manager.js';
import { startCoffer, type TestCoffer } from '../../support/server.js';
import { seedShell, type SeedShell } from '../../seeds/shell.js';
import { pgAdmin, pgRole, runId, scramMatches, skipUnless } from './dbs.js';

const opts = await skipUnless('postgres');
const id = runId();
const ROOT_PW = `Root-Pw-${id}-never-shown`;
const CREATE = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`;
const url = (port = 5432, app = `coffer_${id}`) => `postgresql://{{username}}:{{password}}@127.0.0.1:${port}/test?sslmode=disable&application_name=${app}`;
let coffer: TestCoffer;
let admin: pg.Pool;
let sh: SeedShell;
const ADMIN = `cadm_${id}`;

before(async () => {
  if (opts.skip) return;
  // Retries come quickly enough for the database-down test, with room before the last attempt.
  leaseDefaults.retryBaseMs = 400;
  admin = pgAdmin();
  coffer = await startCoffer();
  sh = seedShell({ coffer });
});

after(async () => {
  if (opts.skip) return;
  // Unmounting revokes whatever leases a failed test left, dropping their roles.
  await coffer.api('DELETE', 'sys/mounts/database').catch(() => undefined);
  await coffer.stop();
  await admin.query(`DROP ROLE IF EXISTS "${ADMIN}"`).catch(() => undefined);
  await admin.end();
});

test('seed 003: secrets enable database, config and role awesome-db, read creds with a lease; renew; revoke drops the role', opts, async () => {
  let out = await sh.ok('coffer secrets enable database');
  assert.equal(out, 'Success! Enabled the database secrets engine at: database/\n');
  out = await sh.ok(`coffer write database/config/awesome-db \\
    plugin_name=postgresql-database-plugin \\
    allowed_roles="awesome-db" \\
    connection_url="${url()}" \\
    username="postgres" \\
    password="${ROOT_PW}"`);
  assert.equal(out, 'Success! Data written to: database/config/awesome-db\n');
  out = await sh.ok(`coffer write database/roles/awesome-db \\
    db_name=awesome-db \\
    creation_statements="${CREATE.replace(/"/g, '\\"')} GRANT SELECT ON ALL TABLES IN SCHEMA public TO \\"{{name}}\\";" \\
    default_ttl="1h" \\
    max_ttl="24h"`);
  assert.equal(out, 'Success! Data written to: database/roles/awesome-db\n');

  const creds = JSON.parse(await sh.ok('coffer read -format=json database/creds/awesome-db'));
  assert.match(creds.lease_id, /^database\/creds\/awesome-db\/\w+$/);
  assert.equal(creds.lease_duration, 3600);
  assert.equal(creds.renewable, true);
  assert.match(creds.data.username, /^v-root-awesome--[A-Za-z0-9]{20}-\d{10}$/);
  assert.match(creds.data.password, /^[A-Za-z0-9-]{20}$/);
  let row = await pgRole(admin, creds.data.username);
  assert.ok(row, 'the role exists');
  assert.equal(scramMatches(row.rolpassword, creds.data.password), true);
  assert.ok(Math.abs(row.rolvaliduntil!.getTime() - (Date.now() + 3605_000)) < 10_000);

  const renewed = JSON.parse(await sh.ok(`coffer lease renew -format=json -increment=2h ${creds.lease_id}`));
  assert.equal(renewed.lease_duration, 7200);
  row = await pgRole(admin, creds.data.username);
  assert.ok(Math.abs(row!.rolvaliduntil!.getTime() - (Date.now() + 7205_000)) < 10_000, 'VALID UNTIL moved with the renewal');

  out = await sh.ok(`coffer lease revoke ${creds.lease_id}`);
  assert.match(out, /^All revocation operations queued successfully!\n$|^Success! Revoked lease: /);
  await coffer.core.services.leases?.idle?.();
  for (let i = 0; i < 50 && (await pgRole(admin, creds.data.username)); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await pgRole(admin, creds.data.username), undefined, 'the role is dropped with its lease');
});

test('allowed_roles refuses other roles with Vault\'s error', opts, async () => {
  let r = await coffer.api('POST', 'database/roles/other', { db_name: 'awesome-db', creation_statements: CREATE });
  assert.equal(r.status, 204);
  r = await coffer.api('GET', 'database/creds/other');
  assert.equal(r.status, 500);
  assert.deepEqual(r.body.errors, ['"other" is not an allowed role']);
  r = await coffer.api('GET', 'database/creds/nope');
  assert.deepEqual([r.status, r.body.errors], [400, ['unknown role: nope']]);
});

test('bad input is a 400 naming the field; the root password is never in a reply', opts, async () => {
  const base = { plugin_name: 'postgresql-database-plugin', connection_url: url(), username: 'postgres', password: ROOT_PW };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['config/bad', { connection_url: url() }, /^empty plugin name$/],
    ['config/bad', { ...base, plugin_name: 'oracle-database-plugin' }, /plugin not found in the catalog: oracle-database-plugin/],
    ['config/bad', { ...base, max_open_connections: 'lots' }, /field "max_open_connections"/],
    ['config/bad', { ...base, verify_connection: 'maybe' }, /field "verify_connection"/],
    ['config/bad', { ...base, connection_url: '' }, /connection_url cannot be empty/],
    ['config/bad', { ...base, username_template: '{{ nosuchfunc }}' }, /username template/],
    ['config/bad', { ...base, connection_url: url(1) }, /error creating database object: error verifying connection: .*ECONNREFUSED/],
    ['config/bad', { ...base, password: ['x'] }, /field "password"/],
    ['roles/bad', { db_name: 'awesome-db', max_ttl: '1 fortnight' }, /field "max_ttl"/],
    ['roles/bad', { creation_statements: CREATE }, /database name is required/],
    ['roles/bad', { db_name: 'awesome-db', creation_statements: CREATE, credential_config: { password_policy: 'strong' } }, /^credential_config\.password_policy "strong": password policies are not available/],
    ['static-roles/bad', { db_name: 'awesome-db', username: 'postgres', rotation_period: 60, credential_config: { password_policy: 'strong' } }, /^credential_config\.password_policy "strong"/],
    ['static-roles/bad', { db_name: 'awesome-db', username: 'postgres', rotation_period: 2 }, /rotation_period must be 5 seconds or more/],
    ['static-roles/bad', { db_name: 'awesome-db', rotation_period: 60 }, /username is a required field/],
  ];
  for (const [path, body, re] of cases) {
    const r = await coffer.api('POST', `database/${path}`, body);
    assert.equal(r.status, 400, `${path} ${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
    assert.match(r.body.errors[0], re);
    assert.ok(!JSON.stringify(r.body).includes(ROOT_PW), 'password in an error');
  }
  const read = await coffer.api('GET', 'database/config/awesome-db');
  assert.equal(read.status, 200);
  assert.deepEqual(Object.keys(read.body.data).sort(), ['allowed_roles', 'connection_details', 'password_policy', 'plugin_name', 'plugin_version', 'root_credentials_rotate_statements', 'verify_connection']);
  assert.ok(!JSON.stringify(read.body).includes(ROOT_PW));
  // A password written into the URL itself is masked on read, with Vault's warning on write.
  const w = await coffer.api('POST', 'database/config/literal', { plugin_name: 'postgresql-database-plugin', connection_url: `postgresql://postgres:${ROOT_PW}@127.0.0.1:5432/test?sslmode=disable` });
  assert.equal(w.status, 200);
  assert.match(w.body.warnings[0], /Password found in connection_url/);
  const lit = await coffer.api('GET', 'database/config/literal');
  assert.equal(lit.body.data.connection_details.connection_url, 'postgresql://postgres:xxxxx@127.0.0.1:5432/test?sslmode=disable');
  assert.equal((await coffer.api('DELETE', 'database/config/literal')).status, 204);
  const list = await coffer.api('LIST', 'database/config');
  assert.deepEqual(list.body.data.keys, ['awesome-db']);
});

test('rotate-root: the stored root password changes in the database; the engine keeps working', opts, async () => {
  const initial = `Init-${id}`;
  await admin.query(`CREATE ROLE "${ADMIN}" WITH LOGIN CREATEROLE PASSWORD '${initial}'`);
  let r = await coffer.api('POST', 'database/config/rot', { plugin_name: 'postgresql-database-plugin', connection_url: url(), username: ADMIN, password: initial, allowed_roles: 'rot-*' });
  assert.equal(r.status, 204, JSON.stringify(r.body));
  assert.equal(scramMatches((await pgRole(admin, ADMIN))!.rolpassword, initial), true);
  r = await coffer.api('POST', 'database/rotate-root/rot');
  assert.equal(r.status, 204, JSON.stringify(r.body));
  const after = (await pgRole(admin, ADMIN))!.rolpassword;
  assert.equal(scramMatches(after, initial), false, 'the old password no longer opens the account');
  assert.match(after!, /^SCRAM-SHA-256\$/);
  await coffer.api('POST', 'database/roles/rot-user', { db_name: 'rot', creation_statements: CREATE, default_ttl: 60 });
  r = await coffer.api('GET', 'database/creds/rot-user');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const connRoles = await admin.query(`SELECT usename FROM pg_stat_activity WHERE application_name = $1`, [`coffer_${id}`]);
  assert.ok(connRoles.rows.some((x: { usename: string }) => x.usename === ADMIN), 'the engine connects as the rotated admin');
  r = await coffer.api('PUT', 'sys/leases/revoke', { lease_id: r.body.lease_id });
  assert.equal(r.status, 204);
});

/** A TCP relay to PostgreSQL that the test can take down and bring back on the same port. */
async function relay(): Promise<{ port: number; down(): Promise<void>; up(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const up = () => new Promise<void>((resolve) => {
    server = createServer((client) => {
      const upstream = connect(5432, '127.0.0.1');
      for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => undefined); }
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, '127.0.0.1', () => { port = (server!.address() as { port: number }).port; resolve(); });
  });
  const down = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server ? server.close(() => resolve()) : resolve();
    server = undefined;
  });
  await up();
  return { get port() { return port; }, down, up, close: down };
}

test('database down: creds fail fast with the driver\'s error; an expired lease is revoked once it is back', opts, async () => {
  const proxy = await relay();
  try {
    let r = await coffer.api('POST', 'database/config/flaky', { plugin_name: 'postgresql-database-plugin', connection_url: url(proxy.port, `coffer_flaky_${id}`), username: 'postgres', password: ROOT_PW, allowed_roles: '*' });
    assert.equal(r.status, 204, JSON.stringify(r.body));
    await coffer.api('POST', 'database/roles/flaky', { db_name: 'flaky', creation_statements: CREATE, default_ttl: '2s' });
    r = await coffer.api('GET', 'database/creds/flaky');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const username = r.body.data.username as string;
    const leaseId = r.body.lease_id as string;

    await proxy.down();
    const started = Date.now();
    const failed = await coffer.api('GET', 'database/creds/flaky');
    assert.ok(Date.now() - started < 12_000, 'no hang');
    assert.equal(failed.status, 500);
    assert.match(failed.body.errors[0], /ECONNREFUSED|Connection terminated|connect/i);
    assert.ok(!JSON.stringify(failed.body).includes(ROOT_PW));

    // The lease expires while the database is unreachable: revocation fails and is retried.
    const lookup = async () => (await coffer.api('PUT', 'sys/leases/lookup', { lease_id: leaseId })).status;
    await new Promise((res) => setTimeout(res, 3500));
    assert.equal(await lookup(), 200, 'the lease outlives a failed revocation');
    assert.ok(await pgRole(admin, username), 'the role is still there');

    await proxy.up();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await pgRole(admin, username))) await new Promise((res) => setTimeout(res, 200));
    assert.equal(await pgRole(admin, username), undefined, 'revoked after the database came back');
    assert.equal(await lookup(), 400);
  } finally {
    await proxy.close();
  }
});

test('reset reopens a pool; rewriting or deleting a config closes its pool', opts, async () => {
  const app = `coffer_del_${id}`;
  const conns = async () => Number((await admin.query('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [app])).rows[0].n);
  const waitFor = async (want: (n: number) => boolean) => {
    for (let i = 0; i < 50 && !want(await conns()); i++) await new Promise((res) => setTimeout(res, 100));
    return conns();
  };
  const body = { plugin_name: 'postgresql-database-plugin', connection_url: url(5432, app), username: 'postgres', password: ROOT_PW, allowed_roles: '*' };
  assert.equal((await coffer.api('POST', 'database/config/del', body)).status, 204);
  assert.equal(await waitFor((n) => n === 1), 1, 'the verified pool holds a connection');
  assert.equal((await coffer.api('POST', 'database/reset/del')).status, 204);
  assert.equal(await waitFor((n) => n === 1), 1, 'the old pool closed, the new one connected');
  assert.equal((await coffer.api('POST', 'database/config/del', { ...body, verify_connection: false })).status, 204);
  assert.equal(await waitFor((n) => n === 0), 0, 'rewriting the config closed the pool');
  assert.equal((await coffer.api('POST', 'database/reset/del')).status, 204);
  assert.equal(await waitFor((n) => n === 1), 1);
  assert.equal((await coffer.api('DELETE', 'database/config/del')).status, 204);
  assert.equal(await waitFor((n) => n === 0), 0, 'deleting the config closed the pool');
  const r = await coffer.api('POST', 'database/reset/del');
  assert.deepEqual([r.status, r.body.errors], [400, ['failed to find entry for connection with name: "del"']]);
});

test('sealing closes the pools; after unseal the engine works again', opts, async () => {
  const app = `coffer_seal_${id}`;
  const conns = async () => Number((await admin.query('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [app])).rows[0].n);
  assert.equal((await coffer.api('POST', 'database/config/sealed', { plugin_name: 'postgresql-database-plugin', connection_url: url(5432, app), username: 'postgres', password: ROOT_PW, allowed_roles: '*' })).status, 204);
  assert.equal(await conns(), 1);
  assert.equal((await coffer.api('PUT', 'sys/seal')).status, 204);
  for (let i = 0; i < 50 && (await conns()) > 0; i++) await new Promise((res) => setTimeout(res, 100));
  assert.equal(await conns(), 0);
  const u = await coffer.api('PUT', 'sys/unseal', { key: coffer.unsealKey });
  assert.equal(u.body.sealed, false, JSON.stringify(u.body));
  const r = await coffer.api('GET', 'database/creds/awesome-db');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(await pgRole(admin, r.body.data.username));
  assert.equal((await coffer.api('DELETE', 'database/config/sealed')).status, 204);
});

test('unmounting revokes the leases and closes the engine\'s connections', opts, async () => {
  const r = await coffer.api('GET', 'database/creds/awesome-db');
  assert.equal(r.status, 200);
  const username = r.body.data.username as string;
  const conns = async () => Number((await admin.query('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [`coffer_${id}`])).rows[0].n);
  assert.ok((await conns()) > 0);
  assert.equal((await coffer.api('DELETE', 'sys/mounts/database')).status, 204);
  assert.equal(await pgRole(admin, username), undefined, 'the lease was revoked with the mount');
  for (let i = 0; i < 50 && (await conns()) > 0; i++) await new Promise((res) => setTimeout(res, 100));
  assert.equal(await conns(), 0);
});
