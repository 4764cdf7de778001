/**
 * The CLI side of each auth method for `login -method=…`: turns K=V arguments into that
 * method's login request. Each also has the help `coffer auth help <method>` prints.
 */
import { readFileSync } from 'node:fs';
import type { Secret, VaultClient } from '../../api/client.js';
import { parseGoBool } from '../../api/env.js';
import type { CliIO } from '../io.js';
import { askSecret } from '../io.js';
import { awsLoginMethod } from '../../auth/aws/cli-login.js';

export interface LoginMethod {
  defaultMount: string;
  help: string;
  login(client: VaultClient, cfg: Record<string, string>, io: CliIO, nonInteractive: boolean): Promise<Secret>;
}

async function prompt(io: CliIO, nonInteractive: boolean, field: string, label: string): Promise<string> {
  if (nonInteractive) throw new Error(`'${field}' not supplied and refusing to pull from stdin`);
  return askSecret(io, `${label} (will be hidden): `);
}

async function post(client: VaultClient, path: string, body: Record<string, unknown>): Promise<Secret> {
  const s = await client.write(path, body);
  if (!s) throw new Error('empty response from credential provider');
  return s;
}

const mountOf = (cfg: Record<string, string>, def: string) => (cfg.mount || def).replace(/^\/+|\/+$/g, '');

const tokenMethod: LoginMethod = {
  defaultMount: 'token',
  help: `Usage: coffer login TOKEN [CONFIG K=V...]

  Authenticates with an existing token: the token is looked up (auth/token/
  lookup-self) and stored in the token helper. Without TOKEN it is asked for,
  or read from stdin with "-".

  Configuration:
    token=<string>   The token (also the first argument).
    lookup=<bool>    Whether to look the token up first (default true).

      $ coffer login hvs.CAES...
      $ echo $TOKEN | coffer login -`,
  async login(client, cfg, io, nonInteractive) {
    let lookup = true;
    if (cfg.lookup !== undefined) {
      const b = parseGoBool(cfg.lookup);
      if (b === undefined) throw new Error('Failed to parse "lookup" as boolean');
      lookup = b;
    }
    let token = cfg.token;
    if (token === undefined) token = await prompt(io, nonInteractive, 'token', 'Token');
    token = token.trim();
    if (!token) throw new Error('a token must be passed to auth, please view the help for more information');
    if (!lookup) return { request_id: '', lease_id: '', lease_duration: 0, renewable: false, data: null, warnings: null, auth: { client_token: token, accessor: '', policies: null, token_policies: null, metadata: null, orphan: false, lease_duration: 0, renewable: false } };
    client.token = token;
    client.wrapTTL = undefined;
    let s: Secret | null;
    try {
      s = await client.read('auth/token/lookup-self');
    } catch (e) {
      throw new Error(`error looking up token: ${(e as Error).message}`);
    }
    if (!s || !s.data) throw new Error('empty response from lookup-self');
    const d = s.data;
    const policies: string[] = Array.isArray(d.policies) ? d.policies : [];
    const identity: string[] = Array.isArray(d.identity_policies) ? d.identity_policies : [];
    return {
      request_id: '', lease_id: '', lease_duration: 0, renewable: false, data: null, warnings: null,
      auth: {
        client_token: d.id ?? token,
        accessor: d.accessor ?? '',
        policies: [...policies, ...identity],
        token_policies: policies,
        identity_policies: identity,
        metadata: d.meta ?? null,
        orphan: d.orphan ?? false,
        entity_id: d.entity_id ?? '',
        lease_duration: typeof d.ttl === 'number' ? d.ttl : 0,
        renewable: d.renewable ?? false,
      },
    };
  },
};

function passwordMethod(defaultMount: string, name: string): LoginMethod {
  return {
    defaultMount,
    help: `Usage: coffer login -method=${name} [CONFIG K=V...]

  Authenticates with a username and password. Without password=, it is asked
  for without echo.

  Configuration:
    username=<string>  The user (required).
    password=<string>  The password.
    mount=<string>     Where the method is enabled (default "${defaultMount}").

      $ coffer login -method=${name} username=alice`,
    async login(client, cfg, io, nonInteractive) {
      if (!cfg.username) throw new Error("'username' must be specified");
      let password = cfg.password;
      if (!password) {
        if (nonInteractive) throw new Error("'password' must be specified and refusing to pull from stdin");
        password = await askSecret(io, 'Password (will be hidden): ');
      }
      return post(client, `auth/${mountOf(cfg, defaultMount)}/login/${cfg.username}`, { password });
    },
  };
}

const approleMethod: LoginMethod = {
  defaultMount: 'approle',
  help: `Usage: coffer login -method=approle [CONFIG K=V...]

  Authenticates with an AppRole's role_id and secret_id.

  Configuration:
    role_id=<string>    The role ID (required).
    secret_id=<string>  The secret ID (required unless the role does not bind one).
    mount=<string>      Where the method is enabled (default "approle").

      $ coffer login -method=approle role_id=... secret_id=...`,
  async login(client, cfg) {
    if (!cfg.role_id) throw new Error("'role_id' must be specified");
    const body: Record<string, unknown> = { role_id: cfg.role_id };
    if (cfg.secret_id) body.secret_id = cfg.secret_id;
    return post(client, `auth/${mountOf(cfg, 'approle')}/login`, body);
  },
};

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

const kubernetesMethod: LoginMethod = {
  defaultMount: 'kubernetes',
  help: `Usage: coffer login -method=kubernetes [CONFIG K=V...]

  Authenticates with a Kubernetes service account token.

  Configuration:
    role=<string>   The role to log in with (required).
    jwt=<string>    The service account token; by default read from
                    ${SA_TOKEN} (jwt=@file also works).
    mount=<string>  Where the method is enabled (default "kubernetes").

      $ coffer login -method=kubernetes role=my-app`,
  async login(client, cfg, io, nonInteractive) {
    if (!cfg.role) throw new Error("'role' must be supplied");
    let jwt = cfg.jwt;
    if (!jwt) {
      try {
        jwt = readFileSync(SA_TOKEN, 'utf8').trim();
      } catch {
        jwt = await prompt(io, nonInteractive, 'jwt', 'JWT');
      }
    }
    return post(client, `auth/${mountOf(cfg, 'kubernetes')}/login`, { role: cfg.role, jwt: jwt.trim() });
  },
};

const jwtMethod: LoginMethod = {
  defaultMount: 'jwt',
  help: `Usage: coffer login -method=jwt [CONFIG K=V...]

  Authenticates with a signed JWT.

  Configuration:
    role=<string>   The role (optional when the method has a default role).
    jwt=<string>    The token (jwt=@file reads it from a file).
    mount=<string>  Where the method is enabled (default "jwt").

      $ coffer login -method=jwt role=ci jwt=@token.jwt`,
  async login(client, cfg, io, nonInteractive) {
    const jwt = cfg.jwt || (await prompt(io, nonInteractive, 'jwt', 'JWT'));
    const body: Record<string, unknown> = { jwt: jwt.trim() };
    if (cfg.role) body.role = cfg.role;
    return post(client, `auth/${mountOf(cfg, 'jwt')}/login`, body);
  },
};

const certMethod: LoginMethod = {
  defaultMount: 'cert',
  help: `Usage: coffer login -method=cert -client-cert=FILE -client-key=FILE [CONFIG K=V...]

  Authenticates with the TLS client certificate given by -client-cert and
  -client-key.

  Configuration:
    name=<string>   The certificate role to match (optional).
    mount=<string>  Where the method is enabled (default "cert").`,
  async login(client, cfg) {
    const body: Record<string, unknown> = {};
    if (cfg.name) body.name = cfg.name;
    return post(client, `auth/${mountOf(cfg, 'cert')}/login`, body);
  },
};

export const LOGIN_METHODS: Record<string, LoginMethod> = {
  token: tokenMethod,
  userpass: passwordMethod('userpass', 'userpass'),
  ldap: passwordMethod('ldap', 'ldap'),
  radius: passwordMethod('radius', 'radius'),
  okta: passwordMethod('okta', 'okta'),
  approle: approleMethod,
  kubernetes: kubernetesMethod,
  jwt: jwtMethod,
  oidc: jwtMethod,
  cert: certMethod,
  aws: awsLoginMethod,
};
