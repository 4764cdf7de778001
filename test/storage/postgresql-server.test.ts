/**
 * Coffer on storage "postgresql", end to end: `coffer server -config=FILE` in a child process
 * is initialized, unsealed and given KV secrets; a second server on the same table (same
 * config file) unseals and reads them back; the table holds no secret in clear. (HA with
 * ha_enabled: postgresql-ha-server.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadServerConfig } from '../../src/cli/server-config.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startServer } from '../../src/server/start.js';
import { runCLI } from '../cli/run-cli.js';
import { apiAt as api } from '../support/server.js';
import { dropTestTables, freshTable, PG_URL, pgSkip, sql } from './pg-test-db.js';

const dir = mkdtempSync(join(tmpdir(), 'coffer-pg-server-'));
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropTestTables();
});

function writeConfig(name: string, storageBody: string): string {
  const file = join(dir, name);
  writeFileSync(file, `storage "postgresql" {\n${storageBody}\n}\n\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\n`);
  return file;
}

/** Runs `coffer server -config=FILE` from source; resolves with its address once it listens. */
function spawnServer(config: string): Promise<{ proc: ChildProcess; addr: string; exited: Promise<number | null> }> {
  const mainUrl = new URL('../../src/cli/main.ts', import.meta.url).href;
  const script = `import { main } from ${JSON.stringify(mainUrl)}; main(process.argv.slice(1)).then((c) => process.exit(c));`;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'server', `-config=${config}`], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VAULT_PG_CONNECTION_URL: '' },
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`server did not start: ${out}${err}`)); }, 30_000);
    proc.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Listener 1: tcp \(addr: "([^"]+)"/.exec(out);
      if (m && out.includes('server started')) {
        clearTimeout(timer);
        resolve({ proc, addr: `http://${m[1]}`, exited });
      }
    });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${err}`)); });
  });
}

describe('Coffer on storage "postgresql"', { skip: pgSkip }, () => {
  test('init, unseal, write KV; restart on the same table, unseal, read back; nothing secret in clear', { timeout: 90_000 }, async () => {
    const table = freshTable();
    const config = writeConfig('pg.hcl', `  connection_url = "${PG_URL}"\n  table = "${table}"\n  max_parallel = "8"\n  max_idle_connections = "2"`);
    const password = `pw-${randomBytes(12).toString('hex')}`;
    const apiKey = `ak-${randomBytes(12).toString('hex')}`;

    // First life: the real `coffer server -config=FILE` command.
    const first = await spawnServer(config);
    let rootToken: string;
    let unsealKey: string;
    try {
      const status = await api(first.addr, 'GET', 'sys/seal-status');
      assert.equal(status.body.initialized, false);
      assert.equal(status.body.storage_type, 'postgresql');
      const init = await api(first.addr, 'PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
      assert.equal(init.status, 200, JSON.stringify(init.body));
      rootToken = init.body.root_token;
      unsealKey = init.body.keys_base64[0];
      assert.equal((await api(first.addr, 'PUT', 'sys/unseal', { key: unsealKey })).body.sealed, false);
      assert.equal((await api(first.addr, 'POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } }, rootToken)).status, 204);
      const w = await api(first.addr, 'POST', 'secret/data/app/db', { data: { password, api_key: apiKey } }, rootToken);
      assert.equal(w.status, 200, JSON.stringify(w.body));
      assert.equal((await api(first.addr, 'POST', 'secret/data/app/other', { data: { n: '1' } }, rootToken)).status, 200);
    } finally {
      first.proc.kill('SIGTERM');
    }
    assert.equal(await first.exited, 0, 'server shuts down cleanly on SIGTERM');

    // Second life: same config file, same table.
    const cfg = loadServerConfig(config);
    const second = await startServer({ storage: cfg.storage, listeners: cfg.listeners, logger: silentLogger() });
    try {
      const status = await api(second.addr, 'GET', 'sys/seal-status');
      assert.equal(status.body.initialized, true);
      assert.equal(status.body.sealed, true);
      assert.equal((await api(second.addr, 'GET', 'secret/data/app/db', undefined, rootToken)).status, 503);
      assert.equal((await api(second.addr, 'PUT', 'sys/unseal', { key: unsealKey })).body.sealed, false);
      const r = await api(second.addr, 'GET', 'secret/data/app/db', undefined, rootToken);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.data.data, { password, api_key: apiKey });
      const list = await api(second.addr, 'LIST', 'secret/metadata/app', undefined, rootToken);
      assert.deepEqual(list.body.data.keys, ['db', 'other']);
    } finally {
      await second.stop();
    }

    const rows = await sql<{ path: string; key: string; value: Buffer }>(`SELECT path, key, value FROM "${table}"`);
    assert.ok(rows.length > 5, `expected Coffer's keys in the table, got ${rows.length}`);
    const forms = [password, apiKey, rootToken, unsealKey].flatMap((s) => [s, Buffer.from(s).toString('base64')]);
    for (const row of rows) {
      for (const f of forms) {
        assert.ok(!row.value.includes(f), `${row.path}${row.key} holds a secret in clear`);
        assert.ok(!`${row.path}${row.key}`.includes(f), 'a secret appears in a key');
      }
    }
  });

  test('a password in connection_url never reaches the error', async () => {
    const config = writeConfig('pw.hcl', `  connection_url = "postgres://postgres:Very-Secret-9@127.0.0.1:1/test"\n  table = "unused"`);
    const r = await runCLI(['server', `-config=${config}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unable to verify connection to postgres:\/\/127\.0\.0\.1:1\/test/);
    assert.ok(!r.stderr.includes('Very-Secret-9'), r.stderr);
  });
});
