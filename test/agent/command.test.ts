/**
 * `coffer agent` as a command: flags over environment over file, signal handling (SIGHUP
 * re-renders, SIGTERM stops and, with -revoke-on-shutdown, revokes the token).
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runAgentCommand } from '../../src/agent/command.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startCoffer } from '../support/server.js';
import { api, readOr, tempDir, waitFor } from './helpers.js';

test('runs from -config, re-renders on SIGHUP, revokes its token on SIGTERM with -revoke-on-shutdown', { timeout: 30_000 }, async () => {
  const coffer = await startCoffer();
  try {
    const token = (await api(coffer, 'POST', 'auth/token/create', { policies: ['root'], ttl: '1h' })).auth.client_token;
    await api(coffer, 'POST', 'secret/data/cmd', { data: { v: 'hello' } });
    const dir = tempDir();
    writeFileSync(join(dir, 'token'), token);
    writeFileSync(join(dir, 'agent.hcl'), `
vault { address = "http://127.0.0.1:1" }
auto_auth {
  method "token_file" { config = { token_file_path = "${dir}/token" } }
}
template {
  destination = "${dir}/out"
  contents = "{{ with secret \\"secret/data/cmd\\" }}{{ .Data.data.v }}{{ end }}"
}
`);
    const err: string[] = [];
    // -address wins over the (unreachable) address in the file.
    const done = runAgentCommand([`-config=${join(dir, 'agent.hcl')}`, `-address=${coffer.addr}`, '-revoke-on-shutdown'], {
      env: {}, logger: silentLogger(), stderr: { write: (s: string) => err.push(s) } as any,
    });
    await waitFor(() => readOr(join(dir, 'out')) === 'hello', 10_000, 'first render');
    rmSync(join(dir, 'out'));
    process.kill(process.pid, 'SIGHUP');
    await waitFor(() => readOr(join(dir, 'out')) === 'hello', 10_000, 'render after SIGHUP');
    process.kill(process.pid, 'SIGTERM');
    assert.equal(await done, 0, err.join(''));
    assert.equal((await coffer.api('GET', 'auth/token/lookup-self', undefined, token)).status, 403);
  } finally {
    await coffer.stop();
  }
});
