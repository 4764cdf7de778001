/**
 * The admission decision, as a pure function: an AdmissionRequest for a pod in, an
 * AdmissionResponse out (allowed with a JSONPatch, allowed untouched, or denied with vault-k8s's
 * message). Pod → annotations → agent → patch; no I/O.
 */
import { ANN, UNSUPPORTED, withDefaults, type InjectorSettings } from './annotations.js';
import { bool, readAgent, validateAgent, type AgentSpec, type Pod } from './agent.js';
import { INIT_CONTAINER, initContainer, secretMounts, secretVolumes, sidecarContainer, tokenVolumes } from './containers.js';

export interface PatchOp { op: 'add' | 'remove' | 'replace'; path: string; value?: unknown }

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patch?: string;
  patchType?: 'JSONPatch';
  status?: { message: string };
}

const SYSTEM_NAMESPACES = ['kube-system', 'kube-public'];

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Appends items to the array at `base` whose current length is `len`: the first item of an empty
 * (or absent) array creates it, later ones append with `/-`.
 */
function append(ops: PatchOp[], base: string, len: number, items: unknown[]): number {
  for (const item of items) {
    if (len === 0) ops.push({ op: 'add', path: base, value: [item] });
    else ops.push({ op: 'add', path: `${base}/-`, value: item });
    len++;
  }
  return len;
}

/** The JSONPatch that injects the agent into the pod (vault-k8s's Agent.Patch). */
export function patchFor(pod: Pod, s: AgentSpec): PatchOp[] {
  const ops: PatchOp[] = [];
  const spec = pod.spec ?? {};
  let volumes = append(ops, '/spec/volumes', (spec.volumes ?? []).length, tokenVolumes(s));
  volumes = append(ops, '/spec/volumes', volumes, secretVolumes(s));
  const mounts = secretMounts(s);
  (spec.containers ?? []).forEach((c: Record<string, any>, i: number) => {
    if (s.containers.includes(c.name)) append(ops, `/spec/containers/${i}/volumeMounts`, (c.volumeMounts ?? []).length, mounts);
  });
  if (s.prePopulate) {
    const existing = (spec.initContainers ?? []) as Record<string, any>[];
    const agentInit = initContainer(s);
    let inits: Record<string, any>[];
    if (s.initFirst) {
      // The agent must run before the pod's own init containers: rebuild the list with it first.
      if (existing.length) ops.push({ op: 'remove', path: '/spec/initContainers' });
      inits = [agentInit, ...existing];
      append(ops, '/spec/initContainers', 0, inits);
    } else {
      inits = existing;
      append(ops, '/spec/initContainers', existing.length, [agentInit]);
    }
    // The pod's own init containers see the secrets too (those rendered so far).
    inits.forEach((c, i) => {
      if (c.name === INIT_CONTAINER) return;
      append(ops, `/spec/initContainers/${i}/volumeMounts`, (c.volumeMounts ?? []).length, mounts);
    });
    if (s.shareProcessNamespace !== undefined) ops.push({ op: 'add', path: '/spec/shareProcessNamespace', value: s.shareProcessNamespace });
  }
  if (!s.prePopulateOnly) append(ops, '/spec/containers', (spec.containers ?? []).length, [sidecarContainer(s)]);
  const annotations = pod.metadata?.annotations ?? {};
  if (Object.keys(annotations).length === 0) ops.push({ op: 'add', path: '/metadata/annotations', value: { [ANN.status]: 'injected' } });
  else ops.push({ op: 'add', path: `/metadata/annotations/${escapePointer(ANN.status)}`, value: 'injected' });
  return ops;
}

/** vault-k8s's ShouldInject: asked for, not already injected, and the pod not yet running. */
export function shouldInject(pod: Pod): boolean {
  const a = pod.metadata?.annotations ?? {};
  if (!(ANN.inject in a)) return false;
  if (!bool(a, ANN.inject, false)) return false;
  const phase = pod.status?.phase;
  if (phase && phase !== 'Pending') return false;
  return a[ANN.status] !== 'injected';
}

const deny = (uid: string, message: string): AdmissionResponse => ({ uid, allowed: false, status: { message } });

/** Decides one AdmissionRequest (admission.k8s.io/v1 `request`). */
export function mutate(request: Record<string, any>, settings: InjectorSettings): AdmissionResponse {
  const uid = String(request?.uid ?? '');
  const pod = request?.object as Pod | undefined;
  if (!pod || typeof pod !== 'object' || Array.isArray(pod)) return deny(uid, 'could not unmarshal request to pod: the request has no object');
  let inject: boolean;
  try {
    inject = shouldInject(pod);
  } catch (e) {
    return deny(uid, `error checking if should inject agent: ${(e as Error).message}`);
  }
  if (!inject) return { uid, allowed: true };
  const namespace = String(request.namespace ?? '');
  if (SYSTEM_NAMESPACES.includes(namespace)) return deny(uid, `error with request namespace: cannot inject into system namespaces: ${namespace}`);
  const given = pod.metadata?.annotations ?? {};
  for (const [k, unsupported] of Object.entries(UNSUPPORTED)) {
    if (k in given && unsupported(given[k]!)) return deny(uid, `error creating new agent sidecar: annotation ${k} is not supported by the Coffer injector`);
  }
  let annotations: Record<string, string>;
  try {
    annotations = withDefaults(given, settings, namespace, (pod.spec?.containers ?? []).map((c: Record<string, any>) => String(c.name)));
  } catch (e) {
    return deny(uid, `error adding default annotations: ${(e as Error).message}`);
  }
  let agent: AgentSpec;
  try {
    agent = readAgent(pod, annotations);
  } catch (e) {
    return deny(uid, `error creating new agent sidecar: ${(e as Error).message}`);
  }
  try {
    validateAgent(agent);
  } catch (e) {
    return deny(uid, `error validating agent configuration: ${(e as Error).message}`);
  }
  let ops: PatchOp[];
  try {
    ops = patchFor(pod, agent);
  } catch (e) {
    return deny(uid, `error creating patch for agent: ${(e as Error).message}`);
  }
  return { uid, allowed: true, patch: Buffer.from(JSON.stringify(ops)).toString('base64'), patchType: 'JSONPatch' };
}
