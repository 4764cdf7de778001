/**
 * Request bodies in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`): client-go
 * 1.32+ typed clients, and so `kubectl create namespace|serviceaccount|token|role…` and
 * `kubectl auth can-i`, send them. The envelope is "k8s\0" + runtime.Unknown{typeMeta, raw}; raw is
 * the object, decoded here into its JSON form with a field-number table for the kinds we accept.
 */
import { badRequest, failure } from './status.js';

type FieldType = 'string' | 'bytes' | 'int64' | 'int32' | 'bool' | 'Time' | `[]${string}` | `map<string,${string}>` | string;
type Schema = Record<number, [name: string, type: FieldType]>;

const META = 'ObjectMeta';
const SCHEMAS: Record<string, Schema> = {
  Unknown: { 1: ['typeMeta', 'RuntimeTypeMeta'], 2: ['raw', 'raw'], 3: ['contentEncoding', 'string'], 4: ['contentType', 'string'] },
  RuntimeTypeMeta: { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] },
  ObjectMeta: {
    1: ['name', 'string'], 2: ['generateName', 'string'], 3: ['namespace', 'string'], 5: ['uid', 'string'], 6: ['resourceVersion', 'string'],
    7: ['generation', 'int64'], 8: ['creationTimestamp', 'Time'], 9: ['deletionTimestamp', 'Time'], 10: ['deletionGracePeriodSeconds', 'int64'],
    11: ['labels', 'map<string,string>'], 12: ['annotations', 'map<string,string>'], 13: ['ownerReferences', '[]OwnerReference'], 14: ['finalizers', '[]string'],
  },
  OwnerReference: { 1: ['kind', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'], 5: ['apiVersion', 'string'], 6: ['controller', 'bool'], 7: ['blockOwnerDeletion', 'bool'] },
  LabelSelector: { 1: ['matchLabels', 'map<string,string>'], 2: ['matchExpressions', '[]LabelSelectorRequirement'] },
  LabelSelectorRequirement: { 1: ['key', 'string'], 2: ['operator', 'string'], 3: ['values', '[]string'] },
  Namespace: { 1: ['metadata', META], 2: ['spec', 'NamespaceSpec'] },
  NamespaceSpec: { 1: ['finalizers', '[]string'] },
  ServiceAccount: { 1: ['metadata', META], 2: ['secrets', '[]ObjectReference'], 3: ['imagePullSecrets', '[]LocalObjectReference'], 4: ['automountServiceAccountToken', 'bool'] },
  ObjectReference: { 1: ['kind', 'string'], 2: ['namespace', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'], 5: ['apiVersion', 'string'], 6: ['resourceVersion', 'string'], 7: ['fieldPath', 'string'] },
  LocalObjectReference: { 1: ['name', 'string'] },
  Secret: { 1: ['metadata', META], 2: ['data', 'map<string,bytes>'], 3: ['type', 'string'], 4: ['stringData', 'map<string,string>'], 5: ['immutable', 'bool'] },
  ConfigMap: { 1: ['metadata', META], 2: ['data', 'map<string,string>'], 3: ['binaryData', 'map<string,bytes>'], 4: ['immutable', 'bool'] },
  Role: { 1: ['metadata', META], 2: ['rules', '[]PolicyRule'] },
  ClusterRole: { 1: ['metadata', META], 2: ['rules', '[]PolicyRule'], 3: ['aggregationRule', 'AggregationRule'] },
  AggregationRule: { 1: ['clusterRoleSelectors', '[]LabelSelector'] },
  PolicyRule: { 1: ['verbs', '[]string'], 2: ['apiGroups', '[]string'], 3: ['resources', '[]string'], 4: ['resourceNames', '[]string'], 5: ['nonResourceURLs', '[]string'] },
  RoleBinding: { 1: ['metadata', META], 2: ['subjects', '[]Subject'], 3: ['roleRef', 'RoleRef'] },
  ClusterRoleBinding: { 1: ['metadata', META], 2: ['subjects', '[]Subject'], 3: ['roleRef', 'RoleRef'] },
  Subject: { 1: ['kind', 'string'], 2: ['apiGroup', 'string'], 3: ['name', 'string'], 4: ['namespace', 'string'] },
  RoleRef: { 1: ['apiGroup', 'string'], 2: ['kind', 'string'], 3: ['name', 'string'] },
  TokenRequest: { 1: ['metadata', META], 2: ['spec', 'TokenRequestSpec'] },
  TokenRequestSpec: { 1: ['audiences', '[]string'], 3: ['boundObjectRef', 'BoundObjectReference'], 4: ['expirationSeconds', 'int64'] },
  BoundObjectReference: { 1: ['kind', 'string'], 2: ['apiVersion', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'] },
  TokenReview: { 1: ['metadata', META], 2: ['spec', 'TokenReviewSpec'] },
  TokenReviewSpec: { 1: ['token', 'string'], 2: ['audiences', '[]string'] },
  SelfSubjectReview: { 1: ['metadata', META] },
  SelfSubjectAccessReview: { 1: ['metadata', META], 2: ['spec', 'SelfSubjectAccessReviewSpec'] },
  SelfSubjectAccessReviewSpec: { 1: ['resourceAttributes', 'ResourceAttributes'], 2: ['nonResourceAttributes', 'NonResourceAttributes'] },
  SubjectAccessReview: { 1: ['metadata', META], 2: ['spec', 'SubjectAccessReviewSpec'] },
  SubjectAccessReviewSpec: {
    1: ['resourceAttributes', 'ResourceAttributes'], 2: ['nonResourceAttributes', 'NonResourceAttributes'], 3: ['user', 'string'],
    4: ['groups', '[]string'], 5: ['extra', 'map<string,ExtraValue>'], 6: ['uid', 'string'],
  },
  ExtraValue: { 1: ['items', '[]string'] },
  ResourceAttributes: { 1: ['namespace', 'string'], 2: ['verb', 'string'], 3: ['group', 'string'], 4: ['version', 'string'], 5: ['resource', 'string'], 6: ['subresource', 'string'], 7: ['name', 'string'] },
  NonResourceAttributes: { 1: ['path', 'string'], 2: ['verb', 'string'] },
  SelfSubjectRulesReview: { 1: ['metadata', META], 2: ['spec', 'SelfSubjectRulesReviewSpec'] },
  SelfSubjectRulesReviewSpec: { 1: ['namespace', 'string'] },
  Lease: { 1: ['metadata', META], 2: ['spec', 'LeaseSpec'] },
  LeaseSpec: {
    1: ['holderIdentity', 'string'], 2: ['leaseDurationSeconds', 'int32'], 3: ['acquireTime', 'MicroTime'], 4: ['renewTime', 'MicroTime'], 5: ['leaseTransitions', 'int32'],
  },
  DeleteOptions: { 1: ['gracePeriodSeconds', 'int64'], 2: ['preconditions', 'Preconditions'], 3: ['orphanDependents', 'bool'], 4: ['propagationPolicy', 'string'], 5: ['dryRun', '[]string'] },
  Preconditions: { 1: ['uid', 'string'], 2: ['resourceVersion', 'string'] },
};

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done() { return this.pos >= this.buf.length; }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const toInt = (v: bigint) => Number(BigInt.asIntN(64, v));

function decodeTime(buf: Buffer, micro: boolean): string {
  const t = decodeMessage(buf, 'Time') as { seconds?: number; nanos?: number };
  const ms = (t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
  const iso = new Date(ms).toISOString();
  return micro ? iso.replace(/\.(\d{3})Z$/, (_m, d) => `.${d}${String(Math.floor(((t.nanos ?? 0) % 1e6) / 1e3)).padStart(3, '0')}Z`) : iso.replace(/\.\d{3}Z$/, 'Z');
}

function decodeValue(r: Reader, wire: number, type: string): unknown {
  switch (type) {
    case 'string': return r.bytes().toString('utf8');
    case 'bytes': return r.bytes().toString('base64');
    case 'raw': return r.bytes();
    case 'int64': case 'int32': return toInt(r.varint());
    case 'bool': return r.varint() !== 0n;
    case 'Time': return decodeTime(r.bytes(), false);
    case 'MicroTime': return decodeTime(r.bytes(), true);
  }
  if (wire !== 2) throw new Error(`field of type ${type} has wire type ${wire}`);
  return decodeMessage(r.bytes(), type);
}

function decodeMessage(buf: Buffer, type: string): Record<string, unknown> {
  const schema = type === 'Time' || type === 'MicroTime' ? { 1: ['seconds', 'int64'], 2: ['nanos', 'int32'] } as Schema : SCHEMAS[type];
  if (!schema) throw new Error(`no schema for ${type}`);
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (!r.done) {
    const key = Number(r.varint());
    const field = key >>> 3;
    const wire = key & 7;
    const def = schema[field];
    if (!def) { r.skip(wire); continue; }
    const [name, ftype] = def;
    if (ftype.startsWith('[]')) {
      const list = (out[name] ??= []) as unknown[];
      list.push(decodeValue(r, wire, ftype.slice(2)));
    } else if (ftype.startsWith('map<')) {
      const valueType = ftype.slice('map<string,'.length, -1);
      const entry = new Reader(r.bytes());
      let k = '';
      let v: unknown = valueType === 'string' || valueType === 'bytes' ? '' : {};
      while (!entry.done) {
        const ek = Number(entry.varint());
        if (ek >>> 3 === 1) k = entry.bytes().toString('utf8');
        else if (ek >>> 3 === 2) v = decodeValue(entry, ek & 7, valueType);
        else entry.skip(ek & 7);
      }
      const map = (out[name] ??= {}) as Record<string, unknown>;
      map[k] = valueType === 'ExtraValue' ? ((v as { items?: string[] }).items ?? []) : v;
    } else {
      const v = decodeValue(r, wire, ftype);
      // gogo-protobuf writes non-pointer scalars even when empty; JSON omits them (omitempty).
      if (v === '' || v === 0) delete out[name]; else out[name] = v;
    }
  }
  return out;
}

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** Decodes a protobuf request body into the object's JSON form (apiVersion and kind included). */
export function decodeProtobufBody(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest('the body of the request was in an unknown format: missing the protobuf "k8s" prefix');
  let envelope: Record<string, unknown>;
  try {
    envelope = decodeMessage(body.subarray(4), 'Unknown');
  } catch (e) {
    throw badRequest(`the body of the request was in an unknown format: ${(e as Error).message}`);
  }
  const tm = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const kind = tm.kind ?? '';
  if (!SCHEMAS[kind] || kind === 'Unknown') {
    throw failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (protobuf is not accepted for ${kind || 'this kind'})`);
  }
  try {
    return { apiVersion: tm.apiVersion, kind, ...decodeMessage((envelope.raw as Buffer | undefined) ?? Buffer.alloc(0), kind) };
  } catch (e) {
    throw badRequest(`the body of the request was in an unknown format: ${(e as Error).message}`);
  }
}
