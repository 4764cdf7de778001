/**
 * auth/<mount>/role/:name: which service accounts (names and namespaces, globs, `*`, or a namespace
 * label selector) may log in, the audience to require, the alias name source and the token_*
 * settings. Names are stored lower-cased, so they are case-insensitive, as in Vault.
 */
import { parse as parseYaml } from 'yaml';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { LogicalStorage, Request } from '../../framework/types.js';
import type { SystemView } from '../../framework/backend.js';
import { badRequest } from '../../lib/errors.js';
import { formatDuration } from '../../lib/duration.js';
import { fromLabelSelector, type LabelSelector } from '../../kube/selector.js';
import { defaultTokenParams, parseTokenParams, tokenFields, tokenParamsJSON, type TokenParams } from '../token-fields.js';

export const ALIAS_SOURCES = ['serviceaccount_uid', 'serviceaccount_name'] as const;

export interface KubeRole extends TokenParams {
  bound_service_account_names: string[];
  bound_service_account_namespaces: string[];
  bound_service_account_namespace_selector: string;
  audience: string;
  alias_name_source: string;
}

export const roleFields: FieldTable = {
  name: { type: 'string', description: 'Name of the role.' },
  bound_service_account_names: { type: 'strings', description: 'List of service account names able to access this role. If set to "*" all names are allowed. Globs with a leading or trailing "*" match.' },
  bound_service_account_namespaces: { type: 'strings', description: 'List of namespaces allowed to access this role. If set to "*" all namespaces are allowed.' },
  bound_service_account_namespace_selector: { type: 'string', description: 'A label selector (JSON or YAML LabelSelector) for Kubernetes namespaces which are allowed to access this role, in addition to bound_service_account_namespaces.' },
  audience: { type: 'string', description: 'Optional Audience claim to verify in the jwt.' },
  alias_name_source: { type: 'string', default: 'serviceaccount_uid', description: 'Source to use when deriving the Alias name: serviceaccount_uid (default) or serviceaccount_name (<namespace>/<name>).' },
  ...tokenFields,
};

/** Only the token_* part of a stored role (tokenParamsJSON echoes every key it is given). */
export function pickTokenParams(role: TokenParams): TokenParams {
  const out = defaultTokenParams();
  for (const k of Object.keys(out) as (keyof TokenParams)[]) (out as unknown as Record<string, unknown>)[k] = role[k];
  return out;
}

const roleKey = (name: string) => `role/${name.toLowerCase()}`;

export const readRole = (storage: LogicalStorage, name: string) => storage.getJSON<KubeRole>(roleKey(name));

/**
 * Parses a namespace selector given as JSON or YAML. Vault refuses matchExpressions; Coffer
 * evaluates them too (a superset: every selector Vault accepts means the same here).
 */
export function parseNamespaceSelector(text: string): LabelSelector {
  let sel: unknown;
  try {
    sel = parseYaml(text);
  } catch {
    throw badRequest('invalid "bound_service_account_namespace_selector" configured');
  }
  if (!sel || typeof sel !== 'object' || Array.isArray(sel)) throw badRequest('invalid "bound_service_account_namespace_selector" configured');
  try {
    fromLabelSelector(sel as LabelSelector);
  } catch {
    throw badRequest('invalid "bound_service_account_namespace_selector" configured');
  }
  return sel as LabelSelector;
}

function checkStarList(list: string[]): void {
  if (list.length > 1 && list.includes('*')) throw badRequest('can not mix "*" with values');
}

export function rolePaths(storage: LogicalStorage, system: SystemView): PathDef[] {
  const write = async (_req: Request, d: FieldData) => {
    const name = d.str('name');
    if (!name) throw badRequest('missing role name');
    const existing = await readRole(storage, name);
    const base: KubeRole = existing ?? {
      ...defaultTokenParams(), bound_service_account_names: [], bound_service_account_namespaces: [],
      bound_service_account_namespace_selector: '', audience: '', alias_name_source: '',
    };
    const role: KubeRole = { ...base, ...parseTokenParams(d, base) };
    const warnings: string[] = [];
    const maxLease = system.maxLeaseTTL();
    if (role.token_period > maxLease) {
      throw badRequest(`token period of '"${formatDuration(role.token_period)}"' is greater than the backend's maximum lease TTL of '"${formatDuration(maxLease)}"'`);
    }
    if (role.token_max_ttl > 0 && role.token_ttl > role.token_max_ttl) throw badRequest('token ttl should not be greater than token max ttl');
    if (role.token_max_ttl > maxLease) {
      warnings.push("max_ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated");
    }

    if (d.has('bound_service_account_names') || !existing) role.bound_service_account_names = d.list('bound_service_account_names');
    if (!role.bound_service_account_names.length) throw badRequest('"bound_service_account_names" can not be empty');
    checkStarList(role.bound_service_account_names);
    if (d.has('bound_service_account_namespaces')) role.bound_service_account_namespaces = d.list('bound_service_account_namespaces');
    // As in Vault, the selector is replaced on every write (an omitted one is cleared).
    role.bound_service_account_namespace_selector = d.str('bound_service_account_namespace_selector');
    if (!role.bound_service_account_namespaces.length && !role.bound_service_account_namespace_selector) {
      throw badRequest('"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set');
    }
    if (role.bound_service_account_namespace_selector) parseNamespaceSelector(role.bound_service_account_namespace_selector);
    checkStarList(role.bound_service_account_namespaces);
    if (d.has('audience')) role.audience = d.str('audience');
    if (!role.audience.trim()) {
      warnings.push(`Role ${name} does not have an audience configured. While audiences are not required, consider specifying one if your use case would benefit from additional JWT claim verification.`);
    }
    if (d.has('alias_name_source') || !role.alias_name_source) role.alias_name_source = d.str('alias_name_source') || 'serviceaccount_uid';
    if (!(ALIAS_SOURCES as readonly string[]).includes(role.alias_name_source)) {
      throw badRequest(`invalid alias_name_source, must be one of: ${ALIAS_SOURCES.join(', ')}`);
    }
    await storage.putJSON(roleKey(name), role);
    return warnings.length ? { warnings } : null;
  };

  return [
    {
      pattern: 'role',
      synopsis: 'Lists all the roles registered with the backend.',
      operations: { list: async () => ({ data: { keys: (await storage.list('role/')).sort() } }) },
    },
    {
      pattern: 'role/:name',
      fields: roleFields,
      synopsis: 'Register an role with the backend.',
      description: 'A role is required to authenticate with this backend. The role binds Kubernetes service account metadata with token policies and settings.',
      existenceCheck: async (_r, d) => (await readRole(storage, d.str('name'))) !== undefined,
      operations: {
        read: async (_r, d) => {
          const role = await readRole(storage, d.str('name'));
          if (!role) return null;
          const data: Record<string, unknown> = {
            bound_service_account_names: role.bound_service_account_names,
            bound_service_account_namespaces: role.bound_service_account_namespaces,
            bound_service_account_namespace_selector: role.bound_service_account_namespace_selector,
          };
          if (role.audience) data.audience = role.audience;
          Object.assign(data, tokenParamsJSON(pickTokenParams(role)));
          data.alias_name_source = role.alias_name_source;
          return { data };
        },
        create: write,
        update: write,
        delete: async (_r, d) => {
          await storage.delete(roleKey(d.str('name')));
          return null;
        },
      },
    },
  ];
}
