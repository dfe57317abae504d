// What the placement policies read from a Pod, computed once per pod version: its effective
// resource requests (kube-scheduler's PodRequests: containers summed, init containers as a peak,
// restartable "sidecar" init containers added, overhead added; requests defaulted from limits as
// the API server does), the non-zero requests kube-scheduler scores with (100m cpu and 200Mi
// memory for a container that states none), tolerations, node selector, required node affinity
// and priority. All quantities are integer milli-units (controller/api/quantity.ts toMilli).

import type { Container, NodeSelectorTerm, Pod, ResourceList, Toleration } from '../../controller/api/core-types.js';
import { toMilli } from '../../controller/api/quantity.js';

export const GPU_RESOURCE = 'nvidia.com/gpu';
export const CPU_RESOURCE = 'cpu';
export const MEMORY_RESOURCE = 'memory';
export const PODS_RESOURCE = 'pods';
export const EPHEMERAL_STORAGE_RESOURCE = 'ephemeral-storage';

/** kube-scheduler's DefaultMilliCPURequest (100m), used for scoring only. */
export const DEFAULT_CPU_REQUEST_MILLI = 100;
/** kube-scheduler's DefaultMemoryRequest (200Mi) in milli-bytes, used for scoring only. */
export const DEFAULT_MEMORY_REQUEST_MILLI = 200 * 1024 * 1024 * 1000;

/** One requested resource other than cpu, memory and nvidia.com/gpu. */
export interface ExtendedRequest {
  readonly name: string;
  readonly milli: number;
}

/** The scheduling view of one Pod version. */
export interface PodInfo {
  /** namespace/name. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string | undefined;
  /** Requests in milli-units (memory in milli-bytes). */
  readonly cpu: number;
  readonly memory: number;
  readonly gpu: number;
  /** Other requested resources with a request > 0: ephemeral-storage first, then by name. */
  readonly extended: readonly ExtendedRequest[];
  /** Requests with kube-scheduler's non-zero defaults, for scoring. */
  readonly nonZeroCpu: number;
  readonly nonZeroMemory: number;
  readonly tolerations: readonly Toleration[];
  readonly nodeSelector: Readonly<Record<string, string>> | undefined;
  /** requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms (ORed); undefined when absent. */
  readonly requiredNodeAffinity: readonly NodeSelectorTerm[] | undefined;
  /** spec.priority (set by the Priority admission plugin), default 0. */
  readonly priority: number;
  /** Equal for two versions with the same requests. */
  readonly resourceKey: string;
  /** Equal for two versions every filter and score treats the same way. */
  readonly schedulingKey: string;
}

const infos = new WeakMap<object, PodInfo>();

/** The scheduling view of `pod`, cached per object (informer objects are shared and never mutated). */
export function podInfo(pod: Pod): PodInfo {
  let info = infos.get(pod);
  if (!info) {
    info = computePodInfo(pod);
    infos.set(pod, info);
  }
  return info;
}

function computePodInfo(pod: Pod): PodInfo {
  const spec = pod.spec ?? ({ containers: [] } as Pod['spec']);
  const namespace = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const overhead = (spec as { overhead?: ResourceList }).overhead;
  const reqs = podRequests(spec.containers ?? [], spec.initContainers ?? [], overhead, false);
  const nonZero = podRequests(spec.containers ?? [], spec.initContainers ?? [], overhead, true);
  const cpu = reqs.get(CPU_RESOURCE) ?? 0;
  const memory = reqs.get(MEMORY_RESOURCE) ?? 0;
  const gpu = reqs.get(GPU_RESOURCE) ?? 0;
  const extended: ExtendedRequest[] = [];
  for (const [r, milli] of reqs) {
    if (r === CPU_RESOURCE || r === MEMORY_RESOURCE || r === GPU_RESOURCE || r === PODS_RESOURCE || !(milli > 0)) continue;
    extended.push({ name: r, milli });
  }
  extended.sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const requiredNodeAffinity = required ? (required.nodeSelectorTerms ?? []) : undefined;
  const nodeSelector = spec.nodeSelector && Object.keys(spec.nodeSelector).length > 0 ? spec.nodeSelector : undefined;
  const tolerations = spec.tolerations ?? [];
  const priority = typeof spec.priority === 'number' ? spec.priority : 0;
  const resourceKey = `${cpu},${memory},${gpu},${nonZero.get(CPU_RESOURCE) ?? 0},${nonZero.get(MEMORY_RESOURCE) ?? 0}${extended.map((e) => `,${e.name}=${e.milli}`).join('')}`;
  const schedulingKey = `${resourceKey}|${priority}|${JSON.stringify(nodeSelector ?? null)}|${JSON.stringify(requiredNodeAffinity ?? null)}|${JSON.stringify(tolerations)}`;
  return {
    key: namespace ? `${namespace}/${name}` : name,
    namespace,
    name,
    uid: pod.metadata.uid,
    cpu,
    memory,
    gpu,
    extended,
    nonZeroCpu: nonZero.get(CPU_RESOURCE) ?? 0,
    nonZeroMemory: nonZero.get(MEMORY_RESOURCE) ?? 0,
    tolerations,
    nodeSelector,
    requiredNodeAffinity,
    priority,
    resourceKey,
    schedulingKey,
  };
}

function rank(resource: string): number {
  return resource === EPHEMERAL_STORAGE_RESOURCE ? 0 : 1;
}

/** A container's requests in milli-units, defaulted from limits as the API server does. */
function containerRequests(c: Container, nonZero: boolean): Map<string, number> {
  const out = new Map<string, number>();
  const requests = c.resources?.requests ?? {};
  const limits = c.resources?.limits ?? {};
  for (const r of Object.keys(limits)) out.set(r, toMilli(limits[r]));
  for (const r of Object.keys(requests)) out.set(r, toMilli(requests[r]));
  if (nonZero) {
    if (!out.has(CPU_RESOURCE)) out.set(CPU_RESOURCE, DEFAULT_CPU_REQUEST_MILLI);
    if (!out.has(MEMORY_RESOURCE)) out.set(MEMORY_RESOURCE, DEFAULT_MEMORY_REQUEST_MILLI);
  }
  return out;
}

function addInto(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [r, v] of from) into.set(r, (into.get(r) ?? 0) + v);
}

function maxInto(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [r, v] of from) if (v > (into.get(r) ?? 0)) into.set(r, v);
}

/**
 * kube's resourcehelper.PodRequests: the containers' sum; each init container needs its own
 * request plus the restartable (sidecar) init containers started before it, and the pod needs the
 * peak of those; sidecars also run alongside the main containers; then the pod overhead.
 */
export function podRequests(containers: readonly Container[], initContainers: readonly Container[], overhead: ResourceList | undefined, nonZero: boolean): Map<string, number> {
  const reqs = new Map<string, number>();
  for (const c of containers) addInto(reqs, containerRequests(c, nonZero));
  const sidecars = new Map<string, number>();
  const initPeak = new Map<string, number>();
  for (const c of initContainers) {
    const r = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      addInto(reqs, r);
      addInto(sidecars, r);
      maxInto(initPeak, sidecars);
    } else {
      const need = new Map(r);
      addInto(need, sidecars);
      maxInto(initPeak, need);
    }
  }
  maxInto(reqs, initPeak);
  if (overhead) for (const r of Object.keys(overhead)) reqs.set(r, (reqs.get(r) ?? 0) + toMilli(overhead[r]));
  return reqs;
}
