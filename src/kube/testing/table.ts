/**
 * meta.k8s.io/v1 Table output, which `kubectl get` asks for (Accept: …;as=Table;g=meta.k8s.io;v=v1)
 * and prints as is: the columns a real server prints for each kind, ages as kubectl shows them.
 */
import type { KindInfo } from './resources.js';
import type { KubeObject } from './store.js';

interface Column { name: string; type: string; format: string; description: string; priority: number }

const col = (name: string, type = 'string', format = ''): Column =>
  ({ name, type, format, description: name === 'Name' ? 'Name must be unique within a namespace.' : name, priority: 0 });

/** Go's duration.HumanDuration, as kubectl's AGE column. */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

type Cells = (o: KubeObject, age: string) => unknown[];

const COLUMNS: Record<string, { columns: Column[]; cells: Cells }> = {
  namespaces: { columns: [col('Name', 'string', 'name'), col('Status'), col('Age')], cells: (o, age) => [o.metadata.name, o.status?.phase ?? '', age] },
  serviceaccounts: { columns: [col('Name', 'string', 'name'), col('Secrets', 'integer'), col('Age')], cells: (o, age) => [o.metadata.name, (o.secrets ?? []).length, age] },
  secrets: {
    columns: [col('Name', 'string', 'name'), col('Type'), col('Data', 'integer'), col('Age')],
    cells: (o, age) => [o.metadata.name, o.type ?? 'Opaque', Object.keys(o.data ?? {}).length, age],
  },
  configmaps: { columns: [col('Name', 'string', 'name'), col('Data', 'integer'), col('Age')], cells: (o, age) => [o.metadata.name, Object.keys(o.data ?? {}).length, age] },
  pods: {
    columns: [col('Name', 'string', 'name'), col('Ready'), col('Status'), col('Restarts'), col('Age')],
    cells: (o, age) => [o.metadata.name, `0/${(o.spec?.containers ?? []).length}`, o.metadata.deletionTimestamp ? 'Terminating' : o.status?.phase ?? 'Pending', '0', age],
  },
  roles: { columns: [col('Name', 'string', 'name'), col('Created At', 'string', 'date')], cells: (o) => [o.metadata.name, o.metadata.creationTimestamp] },
  clusterroles: { columns: [col('Name', 'string', 'name'), col('Created At', 'string', 'date')], cells: (o) => [o.metadata.name, o.metadata.creationTimestamp] },
  rolebindings: {
    columns: [col('Name', 'string', 'name'), col('Role'), col('Age')],
    cells: (o, age) => [o.metadata.name, `${o.roleRef?.kind}/${o.roleRef?.name}`, age],
  },
  clusterrolebindings: {
    columns: [col('Name', 'string', 'name'), col('Role'), col('Age')],
    cells: (o, age) => [o.metadata.name, `${o.roleRef?.kind}/${o.roleRef?.name}`, age],
  },
  mutatingwebhookconfigurations: {
    columns: [col('Name', 'string', 'name'), col('Webhooks', 'integer'), col('Age')],
    cells: (o, age) => [o.metadata.name, (o.webhooks ?? []).length, age],
  },
};

const DEFAULT = { columns: [col('Name', 'string', 'name'), col('Age')], cells: ((o, age) => [o.metadata.name, age]) as Cells };

function partialMetadata(o: KubeObject): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function toTable(kind: KindInfo, objects: KubeObject[], now: number, listMeta: Record<string, unknown> = {}, includeObject = 'Metadata'): Record<string, unknown> {
  const def = COLUMNS[kind.group ? `${kind.plural}.${kind.group}` : kind.plural] ?? COLUMNS[kind.plural] ?? DEFAULT;
  const rows = objects.map((o) => {
    const created = Date.parse(o.metadata.creationTimestamp ?? '') || now;
    const row: Record<string, unknown> = { cells: def.cells(o, humanDuration((now - created) / 1000)) };
    if (includeObject === 'Object') row.object = o;
    else if (includeObject !== 'None') row.object = partialMetadata(o);
    return row;
  });
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, columnDefinitions: def.columns, rows };
}

/** Whether an Accept header asks for a Table (kubectl get) rather than the plain object. */
export function wantsTable(accept: string | undefined): boolean {
  return !!accept && accept.split(',').some((part) => /;\s*as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}
