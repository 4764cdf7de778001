/**
 * Shared plumbing for the Kubernetes test-server tests: a client-node KubeConfig for a token, raw
 * HTTPS calls (to see exact status codes and bodies), and the Status body of a client-node error.
 */
import { request } from 'node:https';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import type { KubeTestServer } from '../../../src/kube/testing/index.js';

export function kubeConfig(server: KubeTestServer, token = server.adminToken): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: server.url, caData: Buffer.from(server.caPem).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'user', token }],
    contexts: [{ name: 'ctx', cluster: 'test', user: 'user' }],
    currentContext: 'ctx',
  });
  return kc;
}

export interface RawResponse { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: any }

export function raw(server: KubeTestServer, method: string, path: string, opts: { token?: string | null; body?: unknown; contentType?: string; accept?: string } = {}): Promise<RawResponse> {
  const url = new URL(path, server.url);
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? server.adminToken : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let payload: Buffer | undefined;
  if (opts.body !== undefined) {
    payload = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
    headers['content-type'] = opts.contentType ?? 'application/json';
  }
  if (opts.accept) headers.accept = opts.accept;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca: server.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** The Status object a client-node call failed with (its body is the raw JSON text). */
export async function statusOf(p: Promise<unknown>): Promise<{ code: number; status: any }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) return { code: e.code, status: typeof e.body === 'string' ? JSON.parse(e.body) : e.body };
    throw e;
  }
  throw new Error('expected the call to fail');
}

export const decodeJwt = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
