/**
 * meta/v1 Status objects, worded as kube-apiserver words them (k8s.io/apimachinery errors), because
 * clients match on `reason` and users read `message`.
 */
import type { KindInfo } from './resources.js';

export interface StatusCause { reason: string; message: string; field?: string }
export interface StatusDetails { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number }
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** An error that the server answers with its Status body. */
export class KubeError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? 'error');
    this.name = 'KubeError';
  }
  get code(): number { return this.status.code; }
  get reason(): string { return this.status.reason ?? ''; }
}

export function failure(code: number, reason: string, message: string, details?: StatusDetails): KubeError {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status.details = details;
  return new KubeError(status);
}

export function success(details: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}

/** `secrets` or `roles.rbac.authorization.k8s.io`: how kube names a group resource in messages. */
export function qualified(kind: Pick<KindInfo, 'group' | 'plural'>): string {
  return kind.group ? `${kind.plural}.${kind.group}` : kind.plural;
}

function resourceDetails(kind: Pick<KindInfo, 'group' | 'plural'>, name: string): StatusDetails {
  const d: StatusDetails = {};
  if (name) d.name = name;
  if (kind.group) d.group = kind.group;
  d.kind = kind.plural;
  return d;
}

export const notFound = (kind: Pick<KindInfo, 'group' | 'plural'>, name: string) =>
  failure(404, 'NotFound', `${qualified(kind)} "${name}" not found`, resourceDetails(kind, name));

export const alreadyExists = (kind: Pick<KindInfo, 'group' | 'plural'>, name: string) =>
  failure(409, 'AlreadyExists', `${qualified(kind)} "${name}" already exists`, resourceDetails(kind, name));

export const conflict = (kind: Pick<KindInfo, 'group' | 'plural'>, name: string, why: string) =>
  failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(kind)} "${name}": ${why}`, resourceDetails(kind, name));

export const staleObject = (kind: Pick<KindInfo, 'group' | 'plural'>, name: string) =>
  conflict(kind, name, 'the object has been modified; please apply your changes to the latest version and try again');

export function forbidden(kind: Pick<KindInfo, 'group' | 'plural'> | null, name: string, why: string): KubeError {
  if (!kind) return failure(403, 'Forbidden', `forbidden: ${why}`, {});
  const subject = name ? `${qualified(kind)} "${name}"` : qualified(kind);
  return failure(403, 'Forbidden', `${subject} is forbidden: ${why}`, resourceDetails(kind, name));
}

export const unauthorized = () => failure(401, 'Unauthorized', 'Unauthorized');

export const badRequest = (message: string) => failure(400, 'BadRequest', message);

export const pathNotFound = () => failure(404, 'NotFound', 'the server could not find the requested resource', {});

export const methodNotSupported = (kind: Pick<KindInfo, 'group' | 'plural'>, action: string) =>
  failure(405, 'MethodNotAllowed', `${action} is not supported on resources of kind "${qualified(kind)}"`, resourceDetails(kind, ''));

export const unsupportedMediaType = (type: string) =>
  failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json; got ${type}`);

export const gone = (message: string) => failure(410, 'Expired', message);

/** 422 with one cause per field error, as field.ErrorList.ToAggregate() reads. */
export function invalid(kind: KindInfo, name: string, causes: StatusCause[]): KubeError {
  const text = causes.map((c) => c.message).join(', ');
  const list = causes.length > 1 ? `[${text}]` : text;
  const details: StatusDetails = { name, kind: kind.kind, causes };
  if (kind.group) details.group = kind.group;
  const qualifiedKind = kind.group ? `${kind.kind}.${kind.group}` : kind.kind;
  return failure(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${list}`, details);
}

export const fieldInvalid = (field: string, value: unknown, detail: string): StatusCause =>
  ({ reason: 'FieldValueInvalid', message: `${field}: Invalid value: ${JSON.stringify(value)}: ${detail}`, field });

export const fieldRequired = (field: string, detail = ''): StatusCause =>
  ({ reason: 'FieldValueRequired', message: `${field}: Required value${detail ? `: ${detail}` : ''}`, field });

export const fieldForbidden = (field: string, detail: string): StatusCause =>
  ({ reason: 'FieldValueForbidden', message: `${field}: Forbidden: ${detail}`, field });

export const fieldUnsupported = (field: string, value: unknown, supported: string[]): StatusCause =>
  ({ reason: 'FieldValueNotSupported', message: `${field}: Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`, field });

export function isKubeError(e: unknown): e is KubeError {
  return e instanceof KubeError;
}
