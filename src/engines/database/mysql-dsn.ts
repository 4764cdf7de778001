/**
 * Vault's MySQL connection_url is a Go MySQL driver DSN:
 * `[user[:password]@][net[(addr)]]/dbname[?param=value&…]`, e.g.
 * `{{username}}:{{password}}@tcp(127.0.0.1:3306)/`. A `mysql://` URL is read too.
 */
import type { PoolOptions } from 'mysql2';
import { badRequest } from '../../lib/errors.js';

const invalid = () => badRequest('error creating database object: invalid DSN in connection_url');

export function parseMySQLDSN(dsn: string): PoolOptions {
  if (/^mysql:\/\//i.test(dsn)) {
    let u: URL;
    try { u = new URL(dsn); } catch { throw invalid(); }
    return {
      host: u.hostname || '127.0.0.1', port: u.port ? Number(u.port) : 3306,
      user: decodeURIComponent(u.username), password: decodeURIComponent(u.password),
      database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
    };
  }
  const slash = dsn.lastIndexOf('/');
  if (slash < 0) throw invalid();
  const head = dsn.slice(0, slash);
  const tail = dsn.slice(slash + 1);
  const out: PoolOptions = {};
  // The password may contain '@' and ':': the last '@' ends the credentials, the first ':' splits them.
  const at = head.lastIndexOf('@');
  const cred = at >= 0 ? head.slice(0, at) : '';
  const addrPart = at >= 0 ? head.slice(at + 1) : head;
  if (at >= 0) {
    const colon = cred.indexOf(':');
    out.user = colon >= 0 ? cred.slice(0, colon) : cred;
    if (colon >= 0) out.password = cred.slice(colon + 1);
  }
  if (addrPart) {
    const m = /^(\w+)(?:\((.*)\))?$/.exec(addrPart);
    if (!m) throw invalid();
    const net = m[1]!;
    const addr = m[2] ?? '';
    if (net === 'unix') {
      out.socketPath = addr || '/tmp/mysql.sock';
    } else if (net === 'tcp' || net === 'tcp6') {
      const hp = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(addr || '127.0.0.1:3306');
      if (!hp) throw invalid();
      out.host = hp[1] || '127.0.0.1';
      out.port = hp[2] ? Number(hp[2]) : 3306;
    } else {
      throw invalid();
    }
  } else {
    out.host = '127.0.0.1';
    out.port = 3306;
  }
  const q = tail.indexOf('?');
  const db = q >= 0 ? tail.slice(0, q) : tail;
  if (db) out.database = decodeURIComponent(db);
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(tail.slice(q + 1))) {
      if (k === 'tls') {
        if (v === 'true') out.ssl = {};
        else if (v === 'skip-verify' || v === 'preferred') out.ssl = { rejectUnauthorized: false };
      } else if (k === 'charset') {
        out.charset = v.split(',')[0];
      } else if (k === 'timeout') {
        const ms = /^(\d+)(ms|s|m)?$/.exec(v);
        if (ms) out.connectTimeout = Number(ms[1]) * (ms[2] === 'ms' ? 1 : ms[2] === 'm' ? 60_000 : 1000);
      }
    }
  }
  return out;
}
