// Placement policies score the nodes a pod may go on. The two here are kube-scheduler's
// NodeResourcesFit scoring strategies: LeastAllocated (spread: prefer the node with the most room
// left) and MostAllocated (pack: prefer the fullest node), each a weighted mean over a list of
// resources (default cpu and memory, weight 1 each; list nvidia.com/gpu to weigh GPUs), with
// kube-scheduler's integer arithmetic:
//
//   per resource: least = (allocatable - requested) * 100 / allocatable
//                 most  = min(requested, allocatable) * 100 / allocatable
//   node score   = sum(resource score * weight) / sum(weight over resources the node has)
//
// where requested = the node's requests + this pod's, using the non-zero requests for cpu and
// memory (100m / 200Mi for a container that states none), cpu in millicores, memory in bytes and
// other resources in whole units. An extended resource the pod does not request is left out, as
// is any resource the node has none of. Scores are integers in [0, 100].

import type { NodeInfo } from './cluster-snapshot.js';
import { CPU_RESOURCE, EPHEMERAL_STORAGE_RESOURCE, GPU_RESOURCE, MEMORY_RESOURCE, PODS_RESOURCE, type PodInfo } from './pod-info.js';

/** framework.MaxNodeScore. */
export const MAX_NODE_SCORE = 100;

export interface ResourceWeight {
  name: string;
  /** 1..100, as kube-scheduler validates NodeResourcesFitArgs. */
  weight: number;
}

export const DEFAULT_SCORING_RESOURCES: readonly ResourceWeight[] = Object.freeze([
  Object.freeze({ name: CPU_RESOURCE, weight: 1 }),
  Object.freeze({ name: MEMORY_RESOURCE, weight: 1 }),
]);

export interface PlacementPolicyOptions {
  /** Resources and weights the score is taken over (default cpu:1, memory:1). */
  resources?: readonly ResourceWeight[];
}

export interface PlacementPolicy {
  readonly name: string;
  /** One line for traces and `--help`. */
  readonly description: string;
  /** Score of a node that passed every filter: an integer in [0, 100], higher is better. */
  score(pod: PodInfo, node: NodeInfo): number;
  /**
   * Set when the score reads more than the node's resources and request sums (its labels or
   * name, e.g. a topology policy): decide() then scores every node instead of one per NodeGroup.
   */
  readonly perNode?: boolean;
}

type Kind = 'cpu' | 'memory' | 'gpu' | 'ephemeral' | 'scalar' | 'none';

interface Compiled {
  kind: Kind;
  name: string;
  weight: number;
}

function compile(resources: readonly ResourceWeight[], policy: string): Compiled[] {
  if (resources.length === 0) throw new Error(`placement policy "${policy}": resources must not be empty`);
  const seen = new Set<string>();
  return resources.map((r) => {
    if (typeof r.name !== 'string' || r.name === '') throw new Error(`placement policy "${policy}": a resource needs a name`);
    if (seen.has(r.name)) throw new Error(`placement policy "${policy}": resource "${r.name}" listed twice`);
    seen.add(r.name);
    if (!Number.isInteger(r.weight) || r.weight < 1 || r.weight > 100) {
      throw new Error(`placement policy "${policy}": resource "${r.name}" weight must be an integer in [1, 100], got ${r.weight}`);
    }
    const kind: Kind =
      r.name === CPU_RESOURCE
        ? 'cpu'
        : r.name === MEMORY_RESOURCE
          ? 'memory'
          : r.name === GPU_RESOURCE
            ? 'gpu'
            : r.name === EPHEMERAL_STORAGE_RESOURCE
              ? 'ephemeral'
              : r.name === PODS_RESOURCE
                ? 'none' // kube-scheduler does not score the pod count: (0, 0) leaves it out
                : 'scalar';
    return { kind, name: r.name, weight: r.weight };
  });
}

/** Whole units (Quantity.Value(): rounded up) of a milli-unit amount. */
function units(milli: number): number {
  return Math.ceil(milli / 1000);
}

/** requested and allocatable of one resource, in kube-scheduler's units; allocatable 0 means "leave out". */
function allocRequest(c: Compiled, pod: PodInfo, node: NodeInfo, out: { alloc: number; req: number }): void {
  switch (c.kind) {
    case 'cpu':
      out.alloc = node.allocCpu;
      out.req = node.nzCpu + pod.nonZeroCpu;
      return;
    case 'memory':
      out.alloc = units(node.allocMemory);
      out.req = units(node.nzMemory + pod.nonZeroMemory);
      return;
    case 'gpu':
      if (pod.gpu === 0) {
        out.alloc = 0;
        return;
      }
      out.alloc = units(node.allocGpu);
      out.req = units(node.reqGpu + pod.gpu);
      return;
    case 'ephemeral':
    case 'scalar': {
      let podReq = 0;
      for (const e of pod.extended) if (e.name === c.name) podReq = e.milli;
      if (podReq === 0 && c.kind === 'scalar') {
        out.alloc = 0;
        return;
      }
      out.alloc = units(node.allocExt.get(c.name) ?? 0);
      out.req = units((node.reqExt.get(c.name) ?? 0) + podReq);
      return;
    }
    default:
      out.alloc = 0;
  }
}

function resourceScorer(name: string, description: string, resources: readonly ResourceWeight[], perResource: (req: number, alloc: number) => number): PlacementPolicy {
  const compiled = compile(resources, name);
  // The default (cpu, memory) is the hot path: no loop, no switch.
  const cpuMem = compiled.length === 2 && compiled[0]!.kind === 'cpu' && compiled[1]!.kind === 'memory';
  const wCpu = compiled[0]!.weight;
  const wMem = compiled[1]?.weight ?? 0;
  const scratch = { alloc: 0, req: 0 };
  return {
    name,
    description,
    score(pod, node) {
      if (cpuMem) {
        let sum = 0;
        let weights = 0;
        if (node.allocCpu > 0) {
          sum += perResource(node.nzCpu + pod.nonZeroCpu, node.allocCpu) * wCpu;
          weights += wCpu;
        }
        const allocMem = units(node.allocMemory);
        if (allocMem > 0) {
          sum += perResource(units(node.nzMemory + pod.nonZeroMemory), allocMem) * wMem;
          weights += wMem;
        }
        return weights === 0 ? 0 : Math.floor(sum / weights);
      }
      let sum = 0;
      let weights = 0;
      for (let i = 0; i < compiled.length; i++) {
        const c = compiled[i]!;
        allocRequest(c, pod, node, scratch);
        if (scratch.alloc === 0) continue;
        sum += perResource(scratch.req, scratch.alloc) * c.weight;
        weights += c.weight;
      }
      return weights === 0 ? 0 : Math.floor(sum / weights);
    },
  };
}

/** kube-scheduler's leastRequestedScore. */
export function leastRequestedScore(requested: number, allocatable: number): number {
  if (allocatable === 0 || requested > allocatable) return 0;
  return Math.floor(((allocatable - requested) * MAX_NODE_SCORE) / allocatable);
}

/** kube-scheduler's mostRequestedScore (requested is capped: non-zero defaults may exceed allocatable). */
export function mostRequestedScore(requested: number, allocatable: number): number {
  if (allocatable === 0) return 0;
  return Math.floor((Math.min(requested, allocatable) * MAX_NODE_SCORE) / allocatable);
}

function describe(resources: readonly ResourceWeight[]): string {
  return resources.map((r) => `${r.name}:${r.weight}`).join(', ');
}

/** Spread: prefer the node with the most room left (kube-scheduler's default scoring strategy). */
export function leastAllocated(opts: PlacementPolicyOptions = {}): PlacementPolicy {
  const resources = opts.resources ?? DEFAULT_SCORING_RESOURCES;
  return resourceScorer('least-allocated', `spread: NodeResourcesFit LeastAllocated over ${describe(resources)}`, resources, leastRequestedScore);
}

/** Pack: prefer the fullest node that fits. */
export function mostAllocated(opts: PlacementPolicyOptions = {}): PlacementPolicy {
  const resources = opts.resources ?? DEFAULT_SCORING_RESOURCES;
  return resourceScorer('most-allocated', `pack: NodeResourcesFit MostAllocated over ${describe(resources)}`, resources, mostRequestedScore);
}
