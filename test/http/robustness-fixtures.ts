/**
 * Objects the robustness sweep (robustness.test.ts) creates under the name every path
 * parameter gets, so operations on `…/{name}` reach their handlers rather than stopping at
 * "not found", and a baseline of valid values (credentials included) that hostile field
 * values are laid over, so a login with one bad field gets past the fields it did not break.
 * Each fixture runs before every path of its mount (the sweep may have deleted or changed
 * what it made) and is idempotent.
 */
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import type { TestCoffer } from '../support/server.js';

export const NAME = 'robust';

type Call = (method: string, path: string, body?: unknown) => Promise<any>;
export type Baseline = Record<string, unknown>;

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A JWT the jwt fixtures' key really signed, valid for a fixed far-off time (deterministic). */
function signedJwt(): string {
  const body = `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64({ sub: 'robust-user', aud: 'robust', iat: 1700000000, exp: 4102444800 })}`;
  const sig = sign('sha256', Buffer.from(body), { key: createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })), dsaEncoding: 'ieee-p1363' });
  return `${body}.${sig.toString('base64url')}`;
}

/** A service-account token as a cluster shapes it, unsigned: with no pem_keys the login parses it and asks the cluster. */
const SERVICE_ACCOUNT_JWT = `${b64({ alg: 'RS256' })}.${b64({
  iss: 'kubernetes/serviceaccount', sub: 'system:serviceaccount:default:robust', aud: ['robust'], iat: 1700000000, exp: 4102444800,
  'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'robust', uid: '3f1c5a9e-0000-4000-8000-000000000000' } },
})}.${b64('unsigned')}`;

export function fixtures(c: TestCoffer, onFailure: (text: string) => void): Map<string, () => Promise<Baseline>> {
  const call: Call = async (method, path, body) => {
    const r = await c.api(method, path, body);
    if (r.status >= 300) onFailure(`[fixture failed after the sweep touched its mount] ${method} ${path} body=${JSON.stringify(body)?.slice(0, 200)} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body;
  };
  const kv2 = async (mount: string) => {
    // The sweep may have turned on check-and-set; the fixture writes as a client that knows it.
    await call('POST', `${mount}/config`, { cas_required: false });
    await call('POST', `${mount}/metadata/${NAME}`, { cas_required: false });
    await call('POST', `${mount}/data/${NAME}`, { data: { a: '1' } });
    return {};
  };
  const jwt = async (mount: string) => {
    await call('POST', `${mount}/config`, { jwt_validation_pubkeys: [PUBLIC_PEM], default_role: NAME });
    await call('POST', `${mount}/role/${NAME}`, { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'robust' });
    return { role: NAME, jwt: signedJwt() };
  };
  return new Map<string, () => Promise<Baseline>>([
    ['sys/', async () => {
      if (!(await c.api('GET', 'sys/mounts')).body.data[`${NAME}/`]) await call('POST', `sys/mounts/${NAME}`, { type: 'kv' });
      if (!(await c.api('GET', 'sys/auth')).body.data[`${NAME}/`]) await call('POST', `sys/auth/${NAME}`, { type: 'userpass' });
      await call('PUT', `sys/policies/acl/${NAME}`, { policy: `path "${NAME}/*" { capabilities = ["read"] }` });
      // Whatever the sweep managed to enable must not throttle or audit-block the requests after it.
      for (const p of [`sys/quotas/rate-limit/${NAME}`, `sys/quotas/lease-count/${NAME}`, `sys/audit/${NAME}`]) await call('DELETE', p);
      return { name: NAME };
    }],
    ['auth/token/', async () => {
      await call('POST', `auth/token/roles/${NAME}`, { allowed_policies: 'default' });
      return { role_name: NAME };
    }],
    ['identity/', async () => {
      await call('POST', `identity/entity/name/${NAME}`, { policies: 'default' });
      await call('POST', `identity/group/name/${NAME}`, { policies: 'default' });
      return { name: NAME };
    }],
    ['secret/', () => kv2('secret')],
    ['robust-kv2/', () => kv2('robust-kv2')],
    ['robust-kv1/', async () => { await call('POST', `robust-kv1/${NAME}`, { a: '1' }); return {}; }],
    ['cubbyhole/', async () => { await call('POST', `cubbyhole/${NAME}`, { a: '1' }); return {}; }],
    ['auth/robust-userpass/', async () => {
      await call('POST', `auth/robust-userpass/users/${NAME}`, { password: 'fixture-password' });
      return { password: 'fixture-password' };
    }],
    ['auth/robust-approle/', async () => {
      await call('POST', `auth/robust-approle/role/${NAME}`, { token_policies: 'default' });
      const roleId = (await call('GET', `auth/robust-approle/role/${NAME}/role-id`))?.data?.role_id;
      const secretId = (await call('POST', `auth/robust-approle/role/${NAME}/secret-id`, {}))?.data?.secret_id;
      return { role_id: roleId, secret_id: secretId };
    }],
    ['auth/robust-kubernetes/', async () => {
      // A cluster address nothing listens on: logins get as far as the TokenReview, which fails fast.
      await call('POST', 'auth/robust-kubernetes/config', { kubernetes_host: 'https://127.0.0.1:1', disable_local_ca_jwt: true });
      await call('POST', `auth/robust-kubernetes/role/${NAME}`, { bound_service_account_names: '*', bound_service_account_namespaces: '*' });
      return { role: NAME, jwt: SERVICE_ACCOUNT_JWT };
    }],
    ['auth/robust-jwt/', () => jwt('auth/robust-jwt')],
    ['auth/robust-oidc/', () => jwt('auth/robust-oidc')],
    ['robust-kubernetes/', async () => {
      await call('POST', `robust-kubernetes/roles/${NAME}`, { allowed_kubernetes_namespaces: '*', service_account_name: 'default' });
      return { name: NAME };
    }],
  ]);
}
