/** A TLS Coffer (dev-initialized) and openssl-made CA, server and client certificates for cert auth tests. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/lib/logger.js';
import { initDev, startServer, type RunningServer } from '../../../src/server/start.js';

export function makeCerts(dir: string): void {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=test-ca', '-days', '1']);
  run(['req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.crt', '-subj', '/CN=other-ca', '-days', '1']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-copy_extensions', 'copy']);
  for (const [name, ca] of [['client', 'ca'], ['rogue', 'other']]) {
    run(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}.example.com`]);
    run(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '1']);
  }
}

/**
 * A client certificate from one of the fixture's CAs (ca, or other-ca): `exts` go in the request (openssl -addext syntax)
 * and are copied, `extfile` is an openssl extension section applied when signing.
 */
export function signClient(dir: string, name: string, opts: { exts?: string[]; extfile?: string; ca?: 'ca' | 'other' } = {}): { cert: Buffer; key: Buffer } {
  const ca = opts.ca ?? 'ca';
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`,
    '-subj', `/CN=${name}.example.com`, ...(opts.exts ?? []).flatMap((e) => ['-addext', e])]);
  const signing = ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-copy_extensions', 'copy'];
  if (opts.extfile) {
    writeFileSync(join(dir, `${name}.ext`), opts.extfile);
    signing.push('-extfile', `${name}.ext`);
  }
  run(signing);
  return { cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) };
}

/** A CRL from the fixture's CA revoking `certs` (files in dir), PEM. */
export function crlRevoking(dir: string, certs: string[]): string {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'crlnumber'), '1000\n');
  writeFileSync(join(dir, 'ca.cnf'), '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 1\n');
  for (const c of certs) run(['ca', '-config', 'ca.cnf', '-revoke', c, '-keyfile', 'ca.key', '-cert', 'ca.crt']);
  run(['ca', '-config', 'ca.cnf', '-gencrl', '-keyfile', 'ca.key', '-cert', 'ca.crt', '-out', 'ca.crl']);
  return readFileSync(join(dir, 'ca.crl'), 'utf8');
}

export interface CallOpts { ca: Buffer; cert?: Buffer; key?: Buffer; token?: string; method?: string; body?: unknown }

export function call(port: number, path: string, o: CallOpts): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', ca: o.ca, cert: o.cert, key: o.key,
      headers: o.token ? { 'X-Vault-Token': o.token } : {} }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export interface TLSCoffer {
  dir: string; running: RunningServer; port: number; rootToken: string;
  file(name: string): Buffer;
  admin(path: string, method: string, body?: unknown): Promise<{ status: number; body: any }>;
}

export async function startTLSCoffer(): Promise<TLSCoffer> {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-cert-'));
  makeCerts(dir);
  const file = (n: string) => readFileSync(join(dir, n));
  const running = await startServer({
    storage: { type: 'memory', options: {} }, logger: silentLogger(),
    listeners: [{ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: join(dir, 'server.crt'), tlsKeyFile: join(dir, 'server.key'), tlsClientCAFile: join(dir, 'ca.crt') }],
  });
  const { rootToken } = await initDev(running.core, {});
  const port = Number(new URL(running.addr).port);
  const ca = file('ca.crt');
  return { dir, running, port, rootToken, file, admin: (path, method, body) => call(port, path, { ca, token: rootToken, method, body }) };
}
