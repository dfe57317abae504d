// The built-in kinds the fake API server serves. Most are stored and served without extra
// behaviour (people keep ConfigMaps, Secrets and RBAC beside their Ray objects, so a mixed
// manifest must apply whole); Pods, Services, Namespaces and Jobs get the defaulting and
// admission a real API server applies, because the scheduler, kubelets and operators downstream
// depend on those defaults (e.g. requests defaulted from limits, priority from a PriorityClass).

import { errors, type StatusCause } from '../../controller/runtime/api-error.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import type { AdmissionContext, NameRule, ResourceType } from './resource-type.js';

interface Def {
  group?: string;
  version?: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: string[];
  nameRule?: NameRule;
  fieldLabels?: string[];
  indexedFields?: string[];
  validate?: ResourceType['validate'];
  admitCreate?: ResourceType['admitCreate'];
}

type Obj = Record<string, any>;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function validatePod(pod: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = pod.spec as Obj | undefined;
  if (!spec || typeof spec !== 'object') return [{ reason: 'FieldValueRequired', field: 'spec', message: 'Required value' }];
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push({ reason: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' });
  } else {
    const seen = new Set<string>();
    containers.forEach((c: Obj, i: number) => {
      const f = `spec.containers[${i}]`;
      if (typeof c?.name !== 'string' || c.name === '') causes.push({ reason: 'FieldValueRequired', field: `${f}.name`, message: 'Required value' });
      else if (!DNS1123_LABEL.test(c.name) || c.name.length > 63)
        causes.push({ reason: 'FieldValueInvalid', field: `${f}.name`, message: `Invalid value: "${c.name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character` });
      else if (seen.has(c.name)) causes.push({ reason: 'FieldValueDuplicate', field: `${f}.name`, message: `Duplicate value: "${c.name}"` });
      else seen.add(c.name);
      if (typeof c?.image !== 'string' || c.image === '') causes.push({ reason: 'FieldValueRequired', field: `${f}.image`, message: 'Required value' });
      // ValidateResourceRequirements: a request may not exceed its limit, and resources that
      // cannot be overcommitted (extended ones like nvidia.com/gpu, hugepages) need a limit
      // equal to the request. As kube-apiserver, the error names the requests map, not the key.
      const limits = (c?.resources?.limits ?? {}) as Obj;
      for (const [res, req] of Object.entries((c?.resources?.requests ?? {}) as Obj)) {
        const lim = limits[res];
        const overcommit = !(res.includes('/') && !res.includes('kubernetes.io/')) && !res.startsWith('hugepages-');
        if (lim === undefined) {
          if (!overcommit) causes.push({ reason: 'FieldValueRequired', field: `${f}.resources.limits`, message: 'Required value: Limit must be set for non overcommitable resources' });
        } else if (!overcommit && quantityValue(req) !== quantityValue(lim)) {
          causes.push({ reason: 'FieldValueInvalid', field: `${f}.resources.requests`, message: `Invalid value: "${req}": must be equal to ${res} limit of ${lim}` });
        } else if (quantityValue(req) > quantityValue(lim)) {
          causes.push({ reason: 'FieldValueInvalid', field: `${f}.resources.requests`, message: `Invalid value: "${req}": must be less than or equal to ${res} limit of ${lim}` });
        }
      }
    });
  }
  const rp = spec.restartPolicy;
  if (rp !== undefined && !['Always', 'OnFailure', 'Never'].includes(rp))
    causes.push({ reason: 'FieldValueNotSupported', field: 'spec.restartPolicy', message: `Unsupported value: "${rp}": supported values: "Always", "OnFailure", "Never"` });
  return causes;
}

/** What the API server's defaulting and the Priority admission plugin do to a new Pod. */
function admitPod(pod: KubeObject, ctx: AdmissionContext): void {
  const spec = (pod.spec ??= {}) as Obj;
  spec.restartPolicy ??= 'Always';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.enableServiceLinks ??= true;
  for (const list of ['initContainers', 'containers'] as const) {
    for (const c of (spec[list] ?? []) as Obj[]) {
      // Requests default to limits when absent: the scheduler counts requests, and KubeRay
      // templates (like the llama example) often set only limits.
      const limits = c.resources?.limits as Obj | undefined;
      if (limits) {
        c.resources.requests ??= {};
        for (const [k, v] of Object.entries(limits)) c.resources.requests[k] ??= v;
      }
      c.imagePullPolicy ??= typeof c.image === 'string' && (c.image.endsWith(':latest') || !c.image.includes(':')) ? 'Always' : 'IfNotPresent';
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
    }
  }
  const forbidden = (why: string) => errors.forbidden(`pods "${pod.metadata.name ?? pod.metadata.generateName ?? ''}" is forbidden: ${why}`);
  // The Priority admission plugin computes priority (and preemptionPolicy) from the class; a
  // pod that states a different value itself is refused rather than silently rewritten.
  let priority = 0;
  let preemption: string | undefined;
  if (ctx.extendedResourceToleration) addExtendedResourceTolerations(spec);
  if (spec.priorityClassName) {
    const pc = ctx.peek('scheduling.k8s.io', 'priorityclasses', undefined, spec.priorityClassName);
    if (!pc) throw forbidden(`no PriorityClass with name ${spec.priorityClassName} was found`);
    priority = (pc as Obj).value ?? 0;
    preemption = (pc as Obj).preemptionPolicy;
  } else {
    // Without a class name the Priority plugin applies the globalDefault class, if one exists
    // (the one with the highest value when several claim it, as the plugin picks).
    let best: Obj | undefined;
    for (const pc of ctx.list('scheduling.k8s.io', 'priorityclasses') as Obj[])
      if (pc.globalDefault === true && (best === undefined || (pc.value ?? 0) > (best.value ?? 0))) best = pc;
    if (best) {
      spec.priorityClassName = best.metadata.name;
      priority = best.value ?? 0;
      preemption = best.preemptionPolicy;
    }
  }
  if (spec.priority !== undefined && spec.priority !== priority)
    throw forbidden(`the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  spec.priority = priority;
  if (preemption !== undefined) {
    if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== preemption)
      throw forbidden(`the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${preemption} from the given PriorityClass name`);
    spec.preemptionPolicy = preemption;
  }
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  const status = (pod.status ??= {}) as Obj;
  status.phase ??= 'Pending';
  status.qosClass ??= qosClass(spec);
}

/**
 * The Pod's QoS class as kube-apiserver computes it (ComputePodQOS): only cpu and memory count,
 * over init and regular containers; zero quantities are ignored; Guaranteed needs cpu and memory
 * limits on every container and summed requests equal to summed limits. So a pod that asks only
 * for GPUs is BestEffort, not Burstable.
 */
/**
 * kube-apiserver's ExtendedResourceToleration plugin (on in GPU clusters such as GKE and AKS): a
 * pod that asks for an extended resource tolerates the taint named after it, so GPU nodes can be
 * tainted nvidia.com/gpu:NoSchedule without every GPU pod spelling out the toleration.
 */
function addExtendedResourceTolerations(spec: Obj): void {
  const names = new Set<string>();
  for (const list of ['initContainers', 'containers'] as const)
    for (const c of (spec[list] ?? []) as Obj[])
      for (const r of Object.keys({ ...(c.resources?.requests ?? {}), ...(c.resources?.limits ?? {}) })) if (r.includes('/') && !r.startsWith('kubernetes.io/')) names.add(r);
  if (!names.size) return;
  const tolerations = (spec.tolerations ??= []) as Obj[];
  for (const key of [...names].sort())
    if (!tolerations.some((t) => t.key === key && (t.operator ?? 'Equal') === 'Exists' && (t.effect === undefined || t.effect === 'NoSchedule')))
      tolerations.push({ key, operator: 'Exists', effect: 'NoSchedule' });
}

function qosClass(spec: Obj): string {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const c of [...((spec.containers ?? []) as Obj[]), ...((spec.initContainers ?? []) as Obj[])]) {
    for (const [name, v] of Object.entries((c?.resources?.requests ?? {}) as Obj)) {
      const q = quantityValue(v);
      if ((name === 'cpu' || name === 'memory') && q > 0) requests.set(name, (requests.get(name) ?? 0) + q);
    }
    const found = new Set<string>();
    for (const [name, v] of Object.entries((c?.resources?.limits ?? {}) as Obj)) {
      const q = quantityValue(v);
      if ((name === 'cpu' || name === 'memory') && q > 0) {
        found.add(name);
        limits.set(name, (limits.get(name) ?? 0) + q);
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  // Sums of decimal quantities ("100m" + "200m") need a tolerance as floating point.
  const same = (a: number | undefined, b: number) => a !== undefined && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  if (guaranteed) for (const [name, req] of requests) if (!same(limits.get(name), req)) guaranteed = false;
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

const QUANTITY_SUFFIX: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A resource quantity ("500m", "1Gi", "2", 2) as a number, so "1" and "1000m" compare equal; NaN if malformed. */
function quantityValue(v: unknown): number {
  if (typeof v === 'number') return v;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(String(v).trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] !== undefined ? n * 10 ** Number(m[2]) : n * QUANTITY_SUFFIX[m[3] ?? '']!;
}

function validateService(svc: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = (svc.spec ?? {}) as Obj;
  ((spec.ports ?? []) as Obj[]).forEach((p, i) => {
    if (!Number.isInteger(p?.port) || p.port < 1 || p.port > 65535)
      causes.push({ reason: 'FieldValueInvalid', field: `spec.ports[${i}].port`, message: `Invalid value: ${JSON.stringify(p?.port)}: must be between 1 and 65535, inclusive` });
  });
  const type = spec.type;
  if (type !== undefined && !['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(type))
    causes.push({ reason: 'FieldValueNotSupported', field: 'spec.type', message: `Unsupported value: "${type}": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"` });
  return causes;
}

function admitService(svc: KubeObject, ctx: AdmissionContext): void {
  const spec = (svc.spec ??= {}) as Obj;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName') {
    if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = ctx.allocateClusterIP();
    spec.clusterIPs ??= [spec.clusterIP];
  }
  for (const p of (spec.ports ?? []) as Obj[]) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
  }
  svc.status ??= { loadBalancer: {} };
}

function admitNamespace(ns: KubeObject): void {
  ns.spec = { ...((ns.spec as Obj) ?? {}), finalizers: ['kubernetes'] };
  ns.status = { phase: 'Active' };
  const labels = (ns.metadata.labels ??= {});
  if (ns.metadata.name) labels['kubernetes.io/metadata.name'] = ns.metadata.name;
}

function validateJob(job: KubeObject): StatusCause[] {
  const tpl = (job.spec as Obj | undefined)?.template;
  if (!tpl || typeof tpl !== 'object') return [{ reason: 'FieldValueRequired', field: 'spec.template', message: 'Required value' }];
  const containers = tpl.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) return [{ reason: 'FieldValueRequired', field: 'spec.template.spec.containers', message: 'Required value' }];
  const rp = tpl.spec?.restartPolicy;
  if (rp !== 'Never' && rp !== 'OnFailure')
    return [{ reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: `Unsupported value: "${rp ?? 'Always'}": supported values: "OnFailure", "Never"` }];
  return [];
}

function admitJob(job: KubeObject): void {
  const spec = (job.spec ??= {}) as Obj;
  spec.parallelism ??= 1;
  spec.completions ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.manualSelector ??= false;
}

/** Runs on every write: stringData is write-only and merges into data (base64); type defaults to Opaque. */
function validateSecret(secret: KubeObject): StatusCause[] {
  const s = secret as Obj;
  if (s.stringData && typeof s.stringData === 'object') {
    s.data = { ...(s.data ?? {}) };
    for (const [k, v] of Object.entries(s.stringData as Obj)) s.data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete s.stringData;
  }
  s.type ||= 'Opaque';
  return [];
}

const POD_FIELDS = ['spec.nodeName', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.restartPolicy', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'];

const DEFS: Def[] = [
  // core/v1
  { kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'], subresources: ['status', 'finalize'], nameRule: 'label', fieldLabels: ['status.phase'], admitCreate: admitNamespace },
  { kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'], subresources: ['status'], fieldLabels: ['spec.unschedulable'] },
  { kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: ['status', 'binding'], fieldLabels: POD_FIELDS, indexedFields: ['spec.nodeName', 'status.phase'], validate: validatePod, admitCreate: admitPod },
  { kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: ['status'], nameRule: 'dns1035', validate: validateService, admitCreate: admitService },
  { kind: 'Endpoints', plural: 'endpoints', namespaced: true, shortNames: ['ep'] },
  { kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'], fieldLabels: ['involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace', 'involvedObject.uid', 'involvedObject.apiVersion', 'reason', 'type', 'source', 'reportingComponent'] },
  { kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] },
  { kind: 'Secret', plural: 'secrets', namespaced: true, fieldLabels: ['type'], validate: validateSecret },
  { kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa'] },
  { kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, shortNames: ['pvc'], subresources: ['status'] },
  { kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, shortNames: ['pv'], subresources: ['status'] },
  { kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true, shortNames: ['quota'], subresources: ['status'] },
  { kind: 'LimitRange', plural: 'limitranges', namespaced: true, shortNames: ['limits'] },
  // batch/v1
  { group: 'batch', kind: 'Job', plural: 'jobs', namespaced: true, categories: ['all'], subresources: ['status'], fieldLabels: ['status.successful'], validate: validateJob, admitCreate: admitJob },
  { group: 'batch', kind: 'CronJob', plural: 'cronjobs', namespaced: true, shortNames: ['cj'], categories: ['all'], subresources: ['status'] },
  // apps/v1
  { group: 'apps', kind: 'Deployment', plural: 'deployments', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] },
  { group: 'apps', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'] },
  { group: 'apps', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'] },
  { group: 'apps', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: ['status'] },
  // coordination.k8s.io/v1
  { group: 'coordination.k8s.io', kind: 'Lease', plural: 'leases', namespaced: true },
  // rbac.authorization.k8s.io/v1
  { group: 'rbac.authorization.k8s.io', kind: 'Role', plural: 'roles', namespaced: true },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false },
  // networking.k8s.io/v1
  { group: 'networking.k8s.io', kind: 'Ingress', plural: 'ingresses', namespaced: true, shortNames: ['ing'], subresources: ['status'] },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, shortNames: ['netpol'] },
  // scheduling.k8s.io/v1
  { group: 'scheduling.k8s.io', kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false, shortNames: ['pc'] },
  // policy/v1
  { group: 'policy', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true, shortNames: ['pdb'], subresources: ['status'] },
  // apiextensions.k8s.io/v1: CRDs are objects too; crd.ts turns them into served kinds.
  { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false, shortNames: ['crd', 'crds'], categories: ['api-extensions'], subresources: ['status'] },
];

export function builtinResourceTypes(): ResourceType[] {
  return DEFS.map((d) => ({
    group: d.group ?? '',
    version: d.version ?? 'v1',
    servedVersions: [d.version ?? 'v1'],
    kind: d.kind,
    listKind: `${d.kind}List`,
    plural: d.plural,
    singular: d.kind.toLowerCase(),
    namespaced: d.namespaced,
    shortNames: d.shortNames ?? [],
    categories: d.categories ?? [],
    subresources: d.subresources ?? [],
    nameRule: d.nameRule ?? 'subdomain',
    fieldLabels: d.fieldLabels ?? [],
    indexedFields: d.indexedFields ?? [],
    validate: d.validate,
    admitCreate: d.admitCreate,
  }));
}

/** Namespaces every cluster starts with. */
export const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
