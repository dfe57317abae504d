// Resource arithmetic KubeRay does over pod templates (utils.CalculatePodResource,
// CalculateDesiredResources, CalculateMinResources, SumResourceList, IsGPUResourceKey): the
// RayCluster status (desiredCPU/Memory/GPU/TPU) and the Volcano PodGroup's minResources come
// from here. Quantities are summed as numbers in base units (cores, bytes, devices) and written
// back as Kubernetes quantity strings.

import type { PodSpec, ResourceList } from '../../api/core-types.js';
import type { RayClusterSpec, WorkerGroupSpec } from '../../api/raycluster-types.js';
import { parseQuantity, formatQuantity } from '../../api/quantity.js';
import { workerGroupDesiredPods } from '../../api/replicas.js';
import { DEFAULT_MIN_REPLICAS, DEFAULT_NUM_OF_HOSTS } from '../../api/defaults.js';

/** Resource name -> amount in base units. */
export type ResourceAmounts = Record<string, number>;

/** KubeRay's IsGPUResourceKey: names ending in "gpu" (nvidia.com/gpu, amd.com/gpu) and NVIDIA MIG slices. */
export function isGpuResourceKey(key: string): boolean {
  return key.endsWith('gpu') || /nvidia\.com\/mig-\d+g\.\d+gb$/.test(key);
}

/**
 * CalculatePodResource: per container, requests with limits filling in the names requests do not
 * set; summed over the pod's (regular) containers. Init containers are not counted, as upstream.
 */
export function podResources(spec: PodSpec | undefined): ResourceAmounts {
  const out: ResourceAmounts = {};
  for (const c of spec?.containers ?? []) {
    const merged: ResourceList = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
    for (const [name, q] of Object.entries(merged)) out[name] = (out[name] ?? 0) + parseQuantity(q);
  }
  return out;
}

export function scaleResources(r: ResourceAmounts, n: number): ResourceAmounts {
  const out: ResourceAmounts = {};
  for (const [k, v] of Object.entries(r)) out[k] = v * n;
  return out;
}

export function sumResources(...lists: ResourceAmounts[]): ResourceAmounts {
  const out: ResourceAmounts = {};
  for (const l of lists) for (const [k, v] of Object.entries(l)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Memory-like resources print in binary units ("96Gi"), everything else in decimal ("33", "500m"). */
function isBinaryResource(name: string): boolean {
  return name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-');
}

/** One amount as a quantity string, in the unit family Kubernetes would keep for that resource. */
export function formatResource(name: string, value: number): string {
  if (isBinaryResource(name) && Number.isInteger(value)) return formatQuantity(value, 'binary');
  // Round to milli-units, the finest a summed quantity carries in practice.
  return formatQuantity(Math.round(value * 1000) / 1000);
}

/** Amounts as a ResourceList of quantity strings, names sorted so equal lists serialise equally. */
export function toResourceList(r: ResourceAmounts): ResourceList {
  const out: ResourceList = {};
  for (const k of Object.keys(r).sort()) out[k] = formatResource(k, r[k]!);
  return out;
}

/** Sum of the GPU-like resources (KubeRay's sumGPUs). */
export function gpuAmount(r: ResourceAmounts): number {
  let n = 0;
  for (const [k, v] of Object.entries(r)) if (isGpuResourceKey(k) && v !== 0) n += v;
  return n;
}

function hosts(g: WorkerGroupSpec): number {
  const h = g.numOfHosts ?? DEFAULT_NUM_OF_HOSTS;
  return h > 0 ? h : 1;
}

/**
 * Resources of the pods the cluster wants: the head plus, per group that is not suspended,
 * `podsOf(group)` pods of the group's template.
 */
export function clusterResources(spec: RayClusterSpec, podsOf: (g: WorkerGroupSpec) => number): ResourceAmounts {
  const parts: ResourceAmounts[] = [podResources(spec.headGroupSpec?.template?.spec)];
  for (const g of spec.workerGroupSpecs ?? []) {
    if (g.suspend === true) continue;
    parts.push(scaleResources(podResources(g.template?.spec), podsOf(g)));
  }
  return sumResources(...parts);
}

/**
 * Head plus every desired worker pod (clamp(replicas, min, max) * numOfHosts). Upstream's
 * CalculateDesiredResources multiplies the unclamped `replicas`; the two differ only for a
 * replicas value outside [min, max], which validation rejects in strict mode.
 */
export function desiredResources(spec: RayClusterSpec): ResourceAmounts {
  return clusterResources(spec, workerGroupDesiredPods);
}

/** CalculateMinResources: head plus minReplicas * numOfHosts pods per group. */
export function minResources(spec: RayClusterSpec): ResourceAmounts {
  return clusterResources(spec, (g) => (g.minReplicas ?? DEFAULT_MIN_REPLICAS) * hosts(g));
}
