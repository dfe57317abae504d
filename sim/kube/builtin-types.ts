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
      for (const [res, lim] of Object.entries((c?.resources?.limits ?? {}) as Obj)) {
        const req = c?.resources?.requests?.[res];
        if (req !== undefined && res === 'nvidia.com/gpu' && String(req) !== String(lim))
          causes.push({ reason: 'FieldValueInvalid', field: `${f}.resources.requests[${res}]`, message: `Invalid value: "${req}": must be equal to ${res} limit of ${lim}` });
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
  if (spec.priorityClassName) {
    const pc = ctx.peek('scheduling.k8s.io', 'priorityclasses', undefined, spec.priorityClassName);
    if (!pc) throw errors.forbidden(`pods "${pod.metadata.name ?? pod.metadata.generateName ?? ''}" is forbidden: no PriorityClass with name ${spec.priorityClassName} was found`);
    spec.priority = (pc as Obj).value ?? 0;
    if ((pc as Obj).preemptionPolicy) spec.preemptionPolicy ??= (pc as Obj).preemptionPolicy;
  } else {
    spec.priority ??= 0;
  }
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  const status = (pod.status ??= {}) as Obj;
  status.phase ??= 'Pending';
  status.qosClass ??= qosClass(spec);
}

function qosClass(spec: Obj): string {
  let anyRequest = false;
  let guaranteed = true;
  for (const c of (spec.containers ?? []) as Obj[]) {
    const req = (c.resources?.requests ?? {}) as Obj;
    const lim = (c.resources?.limits ?? {}) as Obj;
    if (Object.keys(req).length || Object.keys(lim).length) anyRequest = true;
    for (const r of ['cpu', 'memory']) if (lim[r] === undefined || String(req[r]) !== String(lim[r])) guaranteed = false;
  }
  if (!anyRequest) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
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

const POD_FIELDS = ['spec.nodeName', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.restartPolicy', 'status.phase', 'status.podIP', 'status.nominatedNodeName'];

const DEFS: Def[] = [
  // core/v1
  { kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'], subresources: ['status', 'finalize'], nameRule: 'label', fieldLabels: ['status.phase'], admitCreate: admitNamespace },
  { kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'], subresources: ['status'], fieldLabels: ['spec.unschedulable'] },
  { kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: ['status', 'binding'], fieldLabels: POD_FIELDS, indexedFields: ['spec.nodeName', 'status.phase'], validate: validatePod, admitCreate: admitPod },
  { kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: ['status'], nameRule: 'dns1035', validate: validateService, admitCreate: admitService },
  { kind: 'Endpoints', plural: 'endpoints', namespaced: true, shortNames: ['ep'] },
  { kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'], fieldLabels: ['involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace', 'involvedObject.uid', 'involvedObject.apiVersion', 'reason', 'type', 'source', 'reportingComponent'] },
  { kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] },
  { kind: 'Secret', plural: 'secrets', namespaced: true, fieldLabels: ['type'] },
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
