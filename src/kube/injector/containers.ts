/**
 * The objects the injector adds to a pod: the in-memory secrets volume(s), the agents' home
 * volumes, their mounts, and the `vault-agent-init` and `vault-agent` containers (named as
 * vault-k8s names them, so probes, dashboards and kubectl habits carry over). The containers run
 * `coffer agent` with the config decoded from VAULT_CONFIG, the way vault-k8s runs `vault agent`.
 */
import { ANN } from './annotations.js';
import { quantity, type AgentSpec } from './agent.js';
import { AGENT_HOME, CONFIG_FILE, encodedAgentConfig } from './agent-config.js';

export const SECRET_VOLUME = 'vault-secrets';
export const HOME_INIT = 'home-init';
export const HOME_SIDECAR = 'home-sidecar';
export const INIT_CONTAINER = 'vault-agent-init';
export const SIDECAR_CONTAINER = 'vault-agent';

/** The container's shell line: decode the config into the agent's home, then run the agent. */
export const CONTAINER_ARG = `echo \${VAULT_CONFIG?} | base64 -d > ${CONFIG_FILE} && coffer agent -config=${CONFIG_FILE}`;

const memoryDir = (name: string) => ({ name, emptyDir: { medium: 'Memory' } });

/** Mount paths of secrets that asked for their own directory (secret-volume-path-<name>). */
function customMountPaths(s: AgentSpec): string[] {
  const base = s.annotations[ANN.secretVolumePath];
  const out: string[] = [];
  for (const x of s.secrets) if (x.mountPath !== base && !out.includes(x.mountPath)) out.push(x.mountPath);
  return out;
}

export function secretVolumes(s: AgentSpec): Record<string, unknown>[] {
  return [memoryDir(SECRET_VOLUME), ...customMountPaths(s).map((_, i) => memoryDir(`${SECRET_VOLUME}-custom-${i}`))];
}

export function tokenVolumes(s: AgentSpec): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (s.prePopulate) out.push(memoryDir(HOME_INIT));
  if (!s.prePopulateOnly) out.push(memoryDir(HOME_SIDECAR));
  return out;
}

export function secretMounts(s: AgentSpec): Record<string, unknown>[] {
  return [
    { name: SECRET_VOLUME, mountPath: s.annotations[ANN.secretVolumePath] },
    ...customMountPaths(s).map((mountPath, i) => ({ name: `${SECRET_VOLUME}-custom-${i}`, mountPath })),
  ];
}

function resources(s: AgentSpec): Record<string, unknown> {
  const a = s.annotations;
  const pick = (pairs: [string, string][]) => Object.fromEntries(pairs.map(([res, ann]) => [res, quantity(a, ann)]).filter(([, q]) => q));
  const limits = pick([['cpu', ANN.limitsCpu], ['memory', ANN.limitsMem], ['ephemeral-storage', ANN.limitsEphemeral]]);
  const requests = pick([['cpu', ANN.requestsCpu], ['memory', ANN.requestsMem], ['ephemeral-storage', ANN.requestsEphemeral]]);
  const r: Record<string, unknown> = {};
  if (Object.keys(limits).length) r.limits = limits;
  if (Object.keys(requests).length) r.requests = requests;
  return r;
}

function securityContext(s: AgentSpec): Record<string, unknown> {
  return {
    capabilities: { drop: ['ALL'] },
    runAsUser: s.runAsUser,
    runAsGroup: s.runAsGroup,
    runAsNonRoot: !(s.runAsUser === 0 || s.runAsGroup === 0),
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
  };
}

function env(s: AgentSpec, init: boolean): Record<string, unknown>[] {
  const field = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  const out: Record<string, unknown>[] = [field('NAMESPACE', 'metadata.namespace'), field('HOST_IP', 'status.hostIP'), field('POD_IP', 'status.podIP')];
  const v = s.vault;
  const add = (name: string, value: string) => { if (value) out.push({ name, value }); };
  add('VAULT_CLIENT_TIMEOUT', v.clientTimeout);
  add('VAULT_MAX_RETRIES', v.clientMaxRetries);
  add('VAULT_LOG_LEVEL', v.logLevel);
  add('VAULT_LOG_FORMAT', v.logFormat);
  add('HTTPS_PROXY', v.proxyAddress);
  out.push({ name: 'VAULT_CONFIG', value: encodedAgentConfig(s, init) });
  return out;
}

function container(s: AgentSpec, init: boolean): Record<string, unknown> {
  const tv = s.tokenVolume;
  const saMount = { name: tv.name, mountPath: tv.mountPath, readOnly: true };
  const home = { name: init ? HOME_INIT : HOME_SIDECAR, mountPath: AGENT_HOME };
  const c: Record<string, unknown> = {
    name: init ? INIT_CONTAINER : SIDECAR_CONTAINER,
    image: s.image,
    command: ['/bin/sh', '-ec'],
    args: [CONTAINER_ARG],
    env: env(s, init),
    resources: resources(s),
    volumeMounts: [...(init ? [home, saMount] : [saMount, home]), ...secretMounts(s)],
  };
  if (!init) c.lifecycle = {};
  if (s.setSecurityContext) c.securityContext = securityContext(s);
  return c;
}

/** The init container: authenticates, renders every template once, exits (exit_after_auth). */
export const initContainer = (s: AgentSpec) => container(s, true);
/** The sidecar: keeps the token and the rendered secrets fresh for the pod's life. */
export const sidecarContainer = (s: AgentSpec) => container(s, false);
