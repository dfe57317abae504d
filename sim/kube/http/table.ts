// Server-side printing: kubectl asks for `as=Table` and prints whatever columns the server
// chooses. Custom resources use their CRD's additionalPrinterColumns (so `kubectl get rayjobs`
// shows job and deployment status like KubeRay's); built-ins get the columns kubectl users know.

import type { KubeObject } from '../../../controller/runtime/kube-object.js';
import type { PrinterColumn, ResourceType } from '../resource-type.js';

type Obj = Record<string, any>;

export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

interface BuiltinColumn {
  name: string;
  type?: string;
  priority?: number;
  cell: (o: Obj, now: number) => unknown;
}

const name: BuiltinColumn = { name: 'Name', cell: (o) => o.metadata.name };
const age: BuiltinColumn = { name: 'Age', cell: (o, now) => humanAge(o.metadata.creationTimestamp, now) };

const BUILTIN: Record<string, BuiltinColumn[]> = {
  Pod: [
    name,
    { name: 'Ready', cell: (o) => `${((o.status?.containerStatuses ?? []) as Obj[]).filter((c) => c.ready).length}/${(o.spec?.containers ?? []).length}` },
    { name: 'Status', cell: (o) => podStatus(o) },
    { name: 'Restarts', type: 'string', cell: (o) => ((o.status?.containerStatuses ?? []) as Obj[]).reduce((n, c) => n + (c.restartCount ?? 0), 0) },
    age,
    { name: 'IP', priority: 1, cell: (o) => o.status?.podIP ?? '<none>' },
    { name: 'Node', priority: 1, cell: (o) => o.spec?.nodeName ?? '<none>' },
    { name: 'Nominated Node', priority: 1, cell: (o) => o.status?.nominatedNodeName ?? '<none>' },
    { name: 'Readiness Gates', priority: 1, cell: (o) => (o.spec?.readinessGates?.length ? `${o.spec.readinessGates.length}` : '<none>') },
  ],
  Node: [
    name,
    { name: 'Status', cell: (o) => nodeStatus(o) },
    {
      name: 'Roles',
      cell: (o) =>
        Object.keys(o.metadata.labels ?? {})
          .filter((l) => l.startsWith('node-role.kubernetes.io/'))
          .map((l) => l.slice('node-role.kubernetes.io/'.length))
          .join(',') || '<none>',
    },
    age,
    { name: 'Version', cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? '' },
    { name: 'Instance-Type', priority: 1, cell: (o) => o.metadata.labels?.['node.kubernetes.io/instance-type'] ?? '<none>' },
    { name: 'GPU', priority: 1, cell: (o) => o.status?.allocatable?.['nvidia.com/gpu'] ?? '0' },
  ],
  Namespace: [name, { name: 'Status', cell: (o) => o.status?.phase ?? '' }, age],
  Service: [
    name,
    { name: 'Type', cell: (o) => o.spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', cell: (o) => o.spec?.clusterIP ?? '<none>' },
    { name: 'External-IP', cell: (o) => o.status?.loadBalancer?.ingress?.[0]?.ip ?? '<none>' },
    { name: 'Port(s)', cell: (o) => ((o.spec?.ports ?? []) as Obj[]).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',') || '<none>' },
    age,
    { name: 'Selector', priority: 1, cell: (o) => Object.entries(o.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>' },
  ],
  Job: [
    name,
    { name: 'Status', cell: (o) => jobStatus(o) },
    { name: 'Completions', cell: (o) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}` },
    { name: 'Duration', cell: (o, now) => jobDuration(o, now) },
    age,
  ],
  Event: [
    { name: 'Last Seen', cell: (o, now) => humanAge(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp, now) },
    { name: 'Type', cell: (o) => o.type ?? '' },
    { name: 'Reason', cell: (o) => o.reason ?? '' },
    { name: 'Object', cell: (o) => `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}` },
    { name: 'Message', cell: (o) => o.message ?? '' },
  ],
  Lease: [name, { name: 'Holder', cell: (o) => o.spec?.holderIdentity ?? '' }, age],
  ConfigMap: [name, { name: 'Data', cell: (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length }, age],
  Deployment: [
    name,
    { name: 'Ready', cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}` },
    { name: 'Up-to-date', cell: (o) => o.status?.updatedReplicas ?? 0 },
    { name: 'Available', cell: (o) => o.status?.availableReplicas ?? 0 },
    age,
  ],
  CustomResourceDefinition: [name, { name: 'Created At', type: 'date', cell: (o) => o.metadata.creationTimestamp }],
  PriorityClass: [name, { name: 'Value', type: 'integer', cell: (o) => o.value ?? 0 }, { name: 'Global-Default', cell: (o) => String(!!o.globalDefault) }, age],
};

export function toTable(rt: ResourceType, items: KubeObject[], now: number, include: IncludeObject, meta: Table['metadata']): Table {
  const custom = rt.crd ? rt.crd.printerColumns[rt.version] : undefined;
  if (custom !== undefined) return crdTable(custom, items, now, include, meta);
  const cols = BUILTIN[rt.kind] ?? [name, age];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    columnDefinitions: cols.map((c) => ({
      name: c.name,
      type: c.type ?? 'string',
      format: c === name ? 'name' : '',
      description: c.name,
      priority: c.priority ?? 0,
    })),
    rows: items.map((o) => ({ cells: cols.map((c) => c.cell(o as Obj, now)), ...rowObject(o, include) })),
  };
}

function crdTable(columns: PrinterColumn[], items: KubeObject[], now: number, include: IncludeObject, meta: Table['metadata']): Table {
  // As the apiextensions table convertor: Name first, then the CRD's columns; Age when none is declared.
  const cols: PrinterColumn[] = [{ name: 'Name', type: 'string', format: 'name', jsonPath: '.metadata.name', description: 'Name must be unique within a namespace.' }];
  cols.push(...(columns.length ? columns : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }]));
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    columnDefinitions: cols.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
    rows: items.map((o) => ({
      cells: cols.map((c) => {
        const v = evalJsonPath(o, c.jsonPath);
        if (v === undefined || v === null) return null;
        if (c.type === 'date') return typeof v === 'string' ? humanAge(v, now) : null;
        return v;
      }),
      ...rowObject(o, include),
    })),
  };
}

function rowObject(o: KubeObject, include: IncludeObject): { object?: unknown } {
  if (include === 'None') return {};
  if (include === 'Object') return { object: o };
  return { object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } };
}

/** The JSONPath subset printer columns use: `.a.b`, `.a[0].b`, `.a['x.y']`. */
export function evalJsonPath(obj: unknown, path: string): unknown {
  const re = /\.([A-Za-z0-9_$-]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/g;
  let cur: unknown = obj;
  let m: RegExpExecArray | null;
  let consumed = 0;
  const p = path.replace(/^\{|\}$/g, '');
  while ((m = re.exec(p)) !== null) {
    if (m.index !== consumed) return undefined;
    consumed = re.lastIndex;
    if (cur === null || typeof cur !== 'object') return undefined;
    const key = m[1] ?? m[3] ?? m[4];
    cur = key !== undefined ? (cur as Obj)[key] : (cur as unknown[])[Number(m[2])];
  }
  return consumed === p.length ? cur : undefined;
}

/** kubectl's age format (k8s.io/apimachinery duration.HumanDuration). */
export function humanAge(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now - t);
}

export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const d = Math.floor(hours / 24) % 365;
    return d === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${d}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function podStatus(o: Obj): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  let reason: string = o.status?.reason ?? o.status?.phase ?? 'Unknown';
  for (const c of (o.status?.containerStatuses ?? []) as Obj[]) {
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
  }
  if (reason === 'Pending' && !o.spec?.nodeName) return 'Pending';
  return reason;
}

function nodeStatus(o: Obj): string {
  const ready = ((o.status?.conditions ?? []) as Obj[]).find((c) => c.type === 'Ready');
  let s = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
  if (o.spec?.unschedulable) s += ',SchedulingDisabled';
  return s;
}

function jobStatus(o: Obj): string {
  const conds = (o.status?.conditions ?? []) as Obj[];
  const has = (t: string) => conds.some((c) => c.type === t && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (has('Suspended')) return 'Suspended';
  return 'Running';
}

function jobDuration(o: Obj, now: number): string {
  const start = o.status?.startTime;
  if (!start) return '';
  const end = o.status?.completionTime ? Date.parse(o.status.completionTime) : now;
  return humanDuration(end - Date.parse(start));
}
